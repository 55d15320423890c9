"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Copy, Unlink } from "lucide-react";
import { useState } from "react";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";

/**
 * Staff actions on one receiver wallet: unregister (REGISTERED, nothing in flight) or copy a fresh
 * registration link (READY; only for roles that may see receivers' secrets, docs/security.md).
 */
export function ReceiverWalletActions({
  receiverId,
  wallet,
  canSecrets = false,
}: {
  receiverId: string;
  wallet: { id: string; status: string; payments_in_flight: number; wallet: { name: string } };
  canSecrets?: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [copied, setCopied] = useState<string | null>(null);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.receivers.get.queryKey({ id: receiverId }) });
    await queryClient.invalidateQueries({ queryKey: trpc.payments.list.queryKey() });
  };
  const unregister = useMutation(trpc.receivers.unregisterWallet.mutationOptions({ onSuccess: refresh }));
  const link = useMutation(
    trpc.receivers.issueRegistrationLink.mutationOptions({
      onSuccess: async ({ url }) => {
        setCopied(url);
        try {
          await navigator.clipboard.writeText(url);
        } catch {
          // The link is shown below for copying by hand.
        }
      },
    }),
  );
  if (wallet.status === "READY") {
    if (!canSecrets) return null;
    return (
      <div className="space-y-2">
        <Button variant="outline" size="sm" onClick={() => link.mutate({ receiverWalletId: wallet.id })} disabled={link.isPending}>
          <Copy aria-hidden />
          Copy registration link
        </Button>
        {copied && (
          <div className="space-y-1">
            <p className="text-xs text-muted-foreground" role="status">
              A new link was issued (earlier links no longer work) and copied:
            </p>
            <Input readOnly value={copied} aria-label="Registration link" className="font-mono text-xs" onFocus={(e) => e.currentTarget.select()} />
          </div>
        )}
        {link.error && <p className="text-sm text-destructive">{messageOf(link.error)}</p>}
      </div>
    );
  }
  if (wallet.status !== "REGISTERED") return null;
  if (wallet.payments_in_flight > 0) {
    return <p className="text-xs text-muted-foreground">A payment is in flight; the wallet can be unregistered once it settles.</p>;
  }
  return (
    <div className="space-y-2">
      <ConfirmDialog
        onOpenChange={(open) => !open && unregister.reset()}
        trigger={
          <Button variant="outline" size="sm">
            <Unlink aria-hidden />
            Unregister wallet
          </Button>
        }
        title={<>Unregister the {wallet.wallet.name} wallet?</>}
        description="Its Stellar address is removed and the wallet goes back to READY. Payments wait until the receiver registers again with a new link."
        confirmLabel="Unregister"
        closeOnConfirm
        onConfirm={() => unregister.mutate({ receiverWalletId: wallet.id })}
      />
      {unregister.error && <p className="text-sm text-destructive">{messageOf(unregister.error)}</p>}
    </div>
  );
}
