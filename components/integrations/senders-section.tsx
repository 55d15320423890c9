"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { Network, Pencil, Plus } from "lucide-react";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { ConfirmDialog } from "@/components/ui/confirm-dialog";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { EmptyState } from "@/components/ui/empty-state";
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { EnabledToggle } from "@/components/catalog/enabled-toggle";
import { DateTime, formatCount, shorten } from "@/components/disbursements/common";
import { messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { CopyButton } from "./copy-button";
import { SenderDialog, type SenderRow } from "./sender-dialog";
import { pluralWord } from "@/lib/format";

/** Registered G2P senders: register, edit, enable or disable. */
export function SendersSection() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: senders } = useSuspenseQuery(trpc.integrations.senders.queryOptions());
  const [dialog, setDialog] = useState<{ open: boolean; sender?: SenderRow }>({ open: false });
  const [disabling, setDisabling] = useState<SenderRow | null>(null);
  const [notice, setNotice] = useState<{ kind: "success" | "error"; text: string } | null>(null);
  const setEnabled = useMutation(
    trpc.integrations.setSenderEnabled.mutationOptions({
      onSuccess: (s) => {
        setNotice({
          kind: "success",
          text: s.enabled ? `${s.name} is enabled: its requests are accepted again.` : `${s.name} is disabled: its requests are refused from now on.`,
        });
        return queryClient.invalidateQueries({ queryKey: trpc.integrations.senders.queryKey() });
      },
      onError: (e) => setNotice({ kind: "error", text: messageOf(e) ?? "" }),
      onSettled: () => setDisabling(null),
    }),
  );

  const register = (
    <Button
      onClick={() => {
        setNotice(null);
        setDialog({ open: true });
      }}
    >
      <Plus aria-hidden />
      Register sender
    </Button>
  );

  return (
    <section aria-labelledby="senders-title" className="space-y-3">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div>
          <h2 id="senders-title" className="text-lg font-semibold">
            Senders
          </h2>
          <p className="text-sm text-muted-foreground">Systems allowed to send disbursements to this organization over G2P Connect.</p>
        </div>
        {senders.length > 0 && register}
      </div>
      {notice && (
        <Alert variant={notice.kind === "error" ? "destructive" : "success"}>
          <AlertDescription>{notice.text}</AlertDescription>
        </Alert>
      )}
      {senders.length === 0 ? (
        <EmptyState
          icon={<Network aria-hidden />}
          title="No senders yet"
          description="A sender is a system, such as a social registry or a beneficiary management system, that sends payment instructions here over G2P Connect and receives the results by callback. Register it with the sender id its messages carry, its callback URL and the Ed25519 public key it signs with."
          action={register}
        />
      ) : (
        <div className="rounded-lg border border-border bg-card">
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Sender</TableHead>
                <TableHead>Callback URL</TableHead>
                <TableHead>Wallet</TableHead>
                <TableHead>Activity</TableHead>
                <TableHead>Enabled</TableHead>
                <TableHead className="text-right">
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {senders.map((s) => (
                <TableRow key={s.id} data-testid={`sender-${s.sender_id}`}>
                  <TableCell className="max-w-64">
                    <span className="block truncate font-medium">{s.name}</span>
                    <code className="block truncate font-mono text-xs text-muted-foreground" title={`sender_id: ${s.sender_id}`}>
                      {s.sender_id}
                    </code>
                    {s.public_key_base64 && (
                      <span className="flex items-center gap-1 text-xs text-muted-foreground">
                        Key{" "}
                        <code className="font-mono" title={s.public_key_base64}>
                          {shorten(s.public_key_base64, 6, 4)}
                        </code>
                        <CopyButton value={s.public_key} label={`${s.name} public key`} className="size-6" />
                      </span>
                    )}
                    {s.encryption_public_key && (
                      <span className="block text-xs text-muted-foreground" title="Answers to its encrypted messages are encrypted to this key">
                        Encryption key set
                      </span>
                    )}
                  </TableCell>
                  <TableCell className="max-w-72 min-w-52">
                    <code className="font-mono text-xs break-all">{s.callback_url}</code>
                  </TableCell>
                  <TableCell className="min-w-28">
                    {s.wallet ? s.wallet.name : "—"}
                    {s.wallet && !s.wallet.enabled && (
                      <Badge variant="warning" className="ml-1">
                        disabled
                      </Badge>
                    )}
                    <span className="block text-xs text-muted-foreground">{s.default_asset ? `Default ${s.default_asset.code}` : "No default asset"}</span>
                  </TableCell>
                  <TableCell className="text-sm">
                    <span className="tabular-nums">{formatCount(s.transactions)}</span> {pluralWord(s.transactions, "transaction")}
                    <span className="block text-xs text-muted-foreground">Last message {s.last_message_at ? <DateTime value={s.last_message_at} /> : "never"}</span>
                  </TableCell>
                  <TableCell>
                    <EnabledToggle
                      enabled={s.enabled}
                      canWrite
                      pending={setEnabled.isPending}
                      label={s.name}
                      onEnable={() => {
                        setNotice(null);
                        setEnabled.mutate({ id: s.id, enabled: true });
                      }}
                      onRequestDisable={() => {
                        setNotice(null);
                        setDisabling(s);
                      }}
                    />
                  </TableCell>
                  <TableCell className="text-right">
                    <Button
                      variant="ghost"
                      size="sm"
                      onClick={() => {
                        setNotice(null);
                        setDialog({ open: true, sender: s });
                      }}
                    >
                      <Pencil aria-hidden />
                      Edit<span className="sr-only"> {s.name}</span>
                    </Button>
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </div>
      )}

      <SenderDialog
        open={dialog.open}
        sender={dialog.sender}
        onOpenChange={(open) => setDialog((d) => ({ ...d, open }))}
        onSaved={(s, created) => {
          setDialog({ open: false });
          setNotice({ kind: "success", text: created ? `${s.name} is registered as “${s.sender_id}”.` : `${s.name} was saved.` });
        }}
      />

      <ConfirmDialog
        open={disabling !== null}
        onOpenChange={(open) => !open && setDisabling(null)}
        title={<>Disable {disabling?.name}?</>}
        description="Its requests, status queries included, are refused with err.sender_id.invalid until you enable it again. Payments already accepted from it are not cancelled."
        cancelLabel="Keep it enabled"
        confirmLabel="Disable sender"
        variant="destructive"
        pending={setEnabled.isPending}
        onConfirm={() => {
          if (disabling) setEnabled.mutate({ id: disabling.id, enabled: false });
        }}
      />
    </section>
  );
}
