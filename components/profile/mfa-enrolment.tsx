"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { CopyButton } from "@/components/integrations/copy-button";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";

/** Setting up an authenticator app: get the secret (QR/key), then confirm one code to turn two-factor on. */
export function Enrolment({ onEnabled }: { onEnabled: (codes: string[]) => void }) {
  const trpc = useTRPC();
  const [code, setCode] = useState("");
  const start = useMutation(trpc.mfa.startEnrolment.mutationOptions());
  const confirm = useMutation(trpc.mfa.confirmEnrolment.mutationOptions({ onSuccess: (data) => onEnabled(data.recoveryCodes) }));
  const errors = fieldErrorsOf(confirm.error);

  if (!start.data) {
    return (
      <div className="space-y-2">
        <Button type="button" onClick={() => start.mutate()} disabled={start.isPending}>
          {start.isPending ? "Preparing…" : "Set up authenticator app"}
        </Button>
        {start.error && (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(start.error)}</AlertDescription>
          </Alert>
        )}
      </div>
    );
  }
  const { qr, secret, account, issuer } = start.data;
  const grouped = secret.match(/.{1,4}/g)?.join(" ") ?? secret;
  return (
    <div className="space-y-4">
      <ol className="list-decimal space-y-1 pl-5 text-sm">
        <li>Open your authenticator app and add an account.</li>
        <li>Scan the QR code, or type the key below (time-based, 6 digits).</li>
        <li>Enter the 6-digit code the app shows to confirm.</li>
      </ol>
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
        <svg
          role="img"
          aria-label={`QR code to add ${issuer} (${account}) to an authenticator app`}
          viewBox={`-4 -4 ${qr.size + 8} ${qr.size + 8}`}
          className="size-48 shrink-0 rounded-md border border-border bg-white"
          shapeRendering="crispEdges"
          data-testid="mfa-qr"
        >
          <rect x={-4} y={-4} width={qr.size + 8} height={qr.size + 8} fill="#fff" />
          <path d={qr.path} fill="#000" />
        </svg>
        <div className="min-w-0 space-y-2 text-sm">
          <p className="font-medium">Can&apos;t scan? Enter this key</p>
          <div className="flex items-center gap-2">
            <code className="break-all rounded bg-muted px-2 py-1 font-mono text-xs" data-testid="mfa-secret" data-secret={secret}>
              {grouped}
            </code>
            <CopyButton value={secret} label="key" />
          </div>
          <p className="text-xs text-muted-foreground">
            Account: {account} · Issuer: {issuer}
          </p>
        </div>
      </div>
      <form
        className="flex flex-wrap items-end gap-2"
        onSubmit={(e) => {
          e.preventDefault();
          confirm.mutate({ code });
        }}
      >
        <Field label="Code from the app" required error={errors.code ?? (confirm.error && !errors.code ? messageOf(confirm.error) : undefined)} className="w-48">
          <Input name="mfa-confirm-code" inputMode="numeric" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={8} required />
        </Field>
        <Button type="submit" disabled={confirm.isPending || code.trim().length === 0}>
          {confirm.isPending ? "Checking…" : "Turn on"}
        </Button>
      </form>
    </div>
  );
}
