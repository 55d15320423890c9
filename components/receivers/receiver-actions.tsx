"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Copy, Pencil, Unlink } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Button } from "@/components/ui/button";
import { Dialog, DialogContent, DialogDescription, DialogFooter, DialogHeader, DialogTitle, DialogTrigger } from "@/components/ui/dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";

/** Staff: edit a receiver's phone, email and external id (receivers:write). */
export function EditContactButton({ receiver }: { receiver: { id: string; phone_number: string | null; email: string | null; external_id: string } }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const update = useMutation(
    trpc.receivers.updateContact.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.receivers.get.queryKey({ id: receiver.id }) });
        await queryClient.invalidateQueries({ queryKey: trpc.receivers.list.queryKey() });
        setOpen(false);
      },
    }),
  );
  const errors = fieldErrorsOf(update.error);
  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) update.reset();
      }}
    >
      <DialogTrigger asChild>
        <Button variant="outline" size="sm">
          <Pencil aria-hidden />
          Edit contact
        </Button>
      </DialogTrigger>
      <DialogContent>
        <DialogHeader>
          <DialogTitle>Edit contact details</DialogTitle>
          <DialogDescription>The phone number or email is where invitations and one-time codes go.</DialogDescription>
        </DialogHeader>
        <form
          className="space-y-4"
          onSubmit={(e) => {
            e.preventDefault();
            const form = new FormData(e.currentTarget);
            update.mutate({
              id: receiver.id,
              phoneNumber: String(form.get("phoneNumber") ?? ""),
              email: String(form.get("email") ?? ""),
              externalId: String(form.get("externalId") ?? ""),
            });
          }}
        >
          <Field label="Phone" hint="International format, e.g. +447911123456." error={errors.phoneNumber}>
            <Input name="phoneNumber" type="tel" defaultValue={receiver.phone_number ?? ""} autoComplete="off" />
          </Field>
          <Field label="Email" error={errors.email}>
            <Input name="email" type="email" defaultValue={receiver.email ?? ""} autoComplete="off" />
          </Field>
          <Field label="External id" required error={errors.externalId}>
            <Input name="externalId" defaultValue={receiver.external_id} required />
          </Field>
          {update.error && !errors.phoneNumber && !errors.email && !errors.externalId && (
            <Alert variant="destructive">
              <AlertDescription>{messageOf(update.error)}</AlertDescription>
            </Alert>
          )}
          <DialogFooter>
            <Button type="submit" disabled={update.isPending}>
              {update.isPending ? "Saving…" : "Save"}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}

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
