"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { EditDialog, EditFormFooter } from "@/components/ui/edit-dialog";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Textarea } from "@/components/ui/textarea";
import { NativeSelect, type RouterOutputs } from "@/components/disbursements/common";
import { fieldErrorsOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { SENDER_ID_MAX, SENDER_NAME_MAX } from "@/server/schemas/integrations.schema";

export type SenderRow = RouterOutputs["integrations"]["senders"][number];

const FIELDS = ["sender_id", "name", "callback_url", "public_key", "encryption_public_key", "wallet_id", "default_asset_id"] as const;

/** A stored JWK shown indented in the form (it is stored compact). */
function prettyJwk(text: string | null | undefined): string {
  if (!text) return "";
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/**
 * Register a sender (`sender` absent) or edit one. The sender id is fixed once registered: it is
 * what the sender's messages name.
 */
export function SenderDialog({
  open,
  onOpenChange,
  sender,
  onSaved,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  sender?: SenderRow;
  onSaved: (sender: SenderRow, created: boolean) => void;
}) {
  return (
    <EditDialog
      open={open}
      onOpenChange={onOpenChange}
      title={sender ? `Edit ${sender.name}` : "Register a sender"}
      description={
        sender
          ? "Changes apply to the sender's next message. Its sender id cannot change."
          : "A system that may send payment instructions to this organization over G2P Connect."
      }
    >
      <SenderForm sender={sender} onCancel={() => onOpenChange(false)} onSaved={onSaved} />
    </EditDialog>
  );
}

function SenderForm({ sender, onCancel, onSaved }: { sender?: SenderRow; onCancel: () => void; onSaved: (sender: SenderRow, created: boolean) => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: wallets } = useSuspenseQuery(trpc.catalog.wallets.queryOptions());
  const [walletId, setWalletId] = useState(sender?.wallet?.id ?? wallets.find((w) => w.enabled)?.id ?? "");
  const [assetId, setAssetId] = useState(sender?.default_asset?.id ?? "");
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.integrations.senders.queryKey() });
  const create = useMutation(
    trpc.integrations.createSender.mutationOptions({
      onSuccess: async (s) => {
        await invalidate();
        onSaved(s, true);
      },
    }),
  );
  const update = useMutation(
    trpc.integrations.updateSender.mutationOptions({
      onSuccess: async (s) => {
        await invalidate();
        onSaved(s, false);
      },
    }),
  );
  const mutation = sender ? update : create;
  const errors = fieldErrorsOf(mutation.error);
  const hasFieldError = FIELDS.some((f) => errors[f]);

  // Enabled wallets, plus the current one when it has been disabled since (it may stay).
  const walletOptions = wallets.filter((w) => w.enabled || w.id === sender?.wallet?.id);
  const wallet = wallets.find((w) => w.id === walletId);
  const assetOptions = wallet?.assets ?? [];

  return (
    <form
      className="space-y-4"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const common = {
          name: String(form.get("name") ?? ""),
          callback_url: String(form.get("callback_url") ?? ""),
          public_key: String(form.get("public_key") ?? ""),
          encryption_public_key: String(form.get("encryption_public_key") ?? ""),
          wallet_id: walletId,
          default_asset_id: assetId || null,
        };
        if (sender) update.mutate({ id: sender.id, ...common });
        else create.mutate({ sender_id: String(form.get("sender_id") ?? ""), ...common });
      }}
    >
      <div className="grid gap-4 sm:grid-cols-2">
        {sender ? (
          <Field label="Sender id" hint="Fixed: the sender's messages name it in header.sender_id.">
            <Input value={sender.sender_id} readOnly className="bg-muted font-mono" />
          </Field>
        ) : (
          <Field label="Sender id" required error={errors.sender_id} hint="What it puts in header.sender_id. Letters, digits and . _ : -">
            <Input name="sender_id" autoComplete="off" spellCheck={false} maxLength={SENDER_ID_MAX} className="font-mono" placeholder="e.g. social-registry" />
          </Field>
        )}
        <Field label="Name" required error={errors.name} hint="For people, e.g. “National social registry”.">
          <Input name="name" autoComplete="off" maxLength={SENDER_NAME_MAX} defaultValue={sender?.name} />
        </Field>
      </div>
      <Field
        label="Callback URL"
        required
        error={errors.callback_url}
        hint="We POST results to this URL plus /on-disburse, /disburse/on-search or /disburse/txn/on-status. Use https to a public address: loopback, private and link-local addresses are refused unless the operator lists the host in OUTBOUND_ALLOW_HOSTS, and in production plain http is accepted only for listed hosts."
      >
        <Input name="callback_url" type="url" autoComplete="off" spellCheck={false} defaultValue={sender?.callback_url} placeholder="https://registry.example.org/g2p" />
      </Field>
      <Field
        label="Public key"
        required
        error={errors.public_key}
        hint="The Ed25519 key its messages are signed with: PEM (-----BEGIN PUBLIC KEY-----) or the 32 raw bytes in base64 or hex."
      >
        <Textarea name="public_key" rows={4} className="font-mono text-xs" spellCheck={false} defaultValue={sender?.public_key} />
      </Field>
      <Field
        label="Encryption key"
        error={errors.encryption_public_key}
        hint='Optional. Its public key as a JWK, used when it sends is_msg_encrypted messages: we encrypt our answers to it. X25519 or EC P-256/384/521 (ECDH-ES+A256KW) or RSA of 2048 bits or more (RSA-OAEP-256), e.g. {"kty":"OKP","crv":"X25519","x":"…"}. Never a private key. Leave empty for none.'
      >
        <Textarea
          name="encryption_public_key"
          rows={4}
          className="font-mono text-xs"
          spellCheck={false}
          defaultValue={prettyJwk(sender?.encryption_public_key)}
          placeholder='{"kty":"OKP","crv":"X25519","x":"…"}'
        />
      </Field>
      <div className="grid gap-4 sm:grid-cols-2">
        <Field label="Wallet" required error={errors.wallet_id} hint="Where its payees with a phone number or email register.">
          <NativeSelect
            value={walletId}
            onChange={(e) => {
              setWalletId(e.target.value);
              // Keep the default asset only if the new wallet supports it.
              const next = wallets.find((w) => w.id === e.target.value);
              if (!next?.assets.some((a) => a.id === assetId)) setAssetId("");
            }}
          >
            {walletOptions.length === 0 && <option value="">No enabled wallet: add one under Wallets &amp; assets</option>}
            {walletOptions.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name}
                {w.enabled ? "" : " (disabled)"}
              </option>
            ))}
          </NativeSelect>
        </Field>
        <Field label="Default asset" error={errors.default_asset_id} hint="Paid when an item has no currency_code. With none, items must name their currency.">
          <NativeSelect value={assetId} onChange={(e) => setAssetId(e.target.value)}>
            <option value="">None</option>
            {assetOptions.map((a) => (
              <option key={a.id} value={a.id}>
                {a.code}
              </option>
            ))}
          </NativeSelect>
        </Field>
      </div>
      <EditFormFooter
        error={mutation.error}
        errorShownByField={hasFieldError}
        pending={mutation.isPending}
        submitLabel={sender ? "Save changes" : "Register sender"}
        onCancel={onCancel}
      />
    </form>
  );
}
