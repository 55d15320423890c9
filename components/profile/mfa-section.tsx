"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Download, ShieldCheck, TriangleAlert } from "lucide-react";
import { useState } from "react";
import { CopyButton } from "@/components/integrations/copy-button";
import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Badge } from "@/components/ui/badge";
import { Button } from "@/components/ui/button";
import { Card, CardContent, CardDescription, CardHeader, CardTitle } from "@/components/ui/card";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { Skeleton } from "@/components/ui/skeleton";
import { fieldErrorsOf, messageOf } from "@/components/trpc/errors";
import { useTRPC } from "@/components/trpc/client";
import { pluralWord } from "@/lib/format";
import { Enrolment } from "./mfa-enrolment";

/**
 * Two-factor authentication for the signed-in account (docs/security.md, "MFA"): status,
 * enrolment with a QR code or the key typed by hand, recovery codes shown once, regenerate, turn
 * off. Account-level tRPC procedures (`mfa.*`), so it works while an organization demands MFA.
 * `continueHref`: on the enrolment-only page, where to go once MFA is on and the codes are saved.
 */
export function MfaSection({ continueHref }: { continueHref?: string } = {}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const status = useQuery(trpc.mfa.status.queryOptions());
  const [codes, setCodes] = useState<string[] | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.mfa.status.queryKey() });

  return (
    <Card data-testid="mfa-section">
      <CardHeader>
        <CardTitle asChild>
          <h2 className="flex items-center gap-2">
            Two-factor authentication
            {status.data && (status.data.enabled ? <Badge variant="success">On</Badge> : <Badge variant="secondary">Off</Badge>)}
          </h2>
        </CardTitle>
        <CardDescription>
          Signing in asks for a 6-digit code from an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, 1Password, Aegis…) after your
          password.
        </CardDescription>
      </CardHeader>
      <CardContent className="space-y-4">
        {status.isPending ? (
          <Skeleton className="h-24 w-full" />
        ) : status.error ? (
          <Alert variant="destructive">
            <AlertDescription>{messageOf(status.error)}</AlertDescription>
          </Alert>
        ) : codes ? (
          <RecoveryCodes
            codes={codes}
            onDone={() => {
              setCodes(null);
              void refresh();
            }}
            doneLabel={continueHref ? "I have saved my recovery codes" : "Done"}
          />
        ) : status.data.enabled && continueHref ? (
          <div className="space-y-3">
            <p className="flex items-center gap-2 text-sm">
              <ShieldCheck aria-hidden className="size-4 text-success" />
              Two-factor authentication is on.
            </p>
            <Button asChild>
              <a href={continueHref}>Continue</a>
            </Button>
          </div>
        ) : status.data.enabled ? (
          <>
            <p className="flex items-center gap-2 text-sm">
              <ShieldCheck aria-hidden className="size-4 text-success" />
              On since {status.data.enabledAt ? new Date(status.data.enabledAt).toLocaleDateString() : "—"}.{" "}
              <span data-testid="mfa-recovery-left">{status.data.recoveryCodesLeft} of 10 recovery codes left.</span>
            </p>
            {status.data.recoveryCodesLeft <= 3 && (
              <Alert variant="warning">
                <TriangleAlert aria-hidden />
                <AlertDescription>Few recovery codes are left. Make new ones so you are not locked out if you lose your phone.</AlertDescription>
              </Alert>
            )}
            <RegenerateForm onCodes={setCodes} />
            <DisableForm requiredBy={status.data.requiredBy} onDisabled={refresh} />
          </>
        ) : (
          <>
            {status.data.requiredBy.length > 0 && (
              <Alert variant="warning">
                <TriangleAlert aria-hidden />
                <AlertTitle>Required by your organization</AlertTitle>
                <AlertDescription>
                  {status.data.requiredBy.join(", ")} {pluralWord(status.data.requiredBy.length, "requires", "require")} two-factor authentication for every member. Set
                  it up to continue.
                </AlertDescription>
              </Alert>
            )}
            <Enrolment
              onEnabled={(recoveryCodes) => {
                setCodes(recoveryCodes);
                void refresh();
              }}
            />
          </>
        )}
      </CardContent>
    </Card>
  );
}

function RecoveryCodes({ codes, onDone, doneLabel }: { codes: string[]; onDone: () => void; doneLabel: string }) {
  const text = codes.join("\n");
  function download() {
    const url = URL.createObjectURL(new Blob([`Recovery codes (each works once)\n\n${text}\n`], { type: "text/plain" }));
    const a = document.createElement("a");
    a.href = url;
    a.download = "recovery-codes.txt";
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  return (
    <div className="space-y-3">
      <Alert variant="success">
        <ShieldCheck aria-hidden />
        <AlertTitle>Save your recovery codes now</AlertTitle>
        <AlertDescription>
          Each code signs you in once if you lose your phone. They are shown only this once; we keep only a hash of each. Store them in a password manager or print them.
        </AlertDescription>
      </Alert>
      <ul className="grid grid-cols-2 gap-2 rounded-md bg-muted p-3 font-mono text-sm" aria-label="Recovery codes" data-testid="mfa-recovery-codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <CopyButton value={text} label="codes" showText />
        <Button type="button" variant="outline" size="sm" onClick={download}>
          <Download aria-hidden />
          Download
        </Button>
        <Button type="button" size="sm" onClick={onDone}>
          {doneLabel}
        </Button>
      </div>
    </div>
  );
}

function RegenerateForm({ onCodes }: { onCodes: (codes: string[]) => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState("");
  const regenerate = useMutation(trpc.mfa.regenerateRecoveryCodes.mutationOptions({ onSuccess: (data) => onCodes(data.recoveryCodes) }));
  if (!open) {
    return (
      <Button type="button" variant="outline" onClick={() => setOpen(true)}>
        Make new recovery codes
      </Button>
    );
  }
  const errors = fieldErrorsOf(regenerate.error);
  return (
    <form
      className="space-y-2 rounded-md border border-border p-3"
      onSubmit={(e) => {
        e.preventDefault();
        regenerate.mutate({ code });
      }}
    >
      <p className="text-sm">New codes replace all the old ones. Confirm with a code from your app.</p>
      <div className="flex flex-wrap items-end gap-2">
        <Field label="Code from the app" required error={errors.code ?? (regenerate.error && !errors.code ? messageOf(regenerate.error) : undefined)} className="w-48">
          <Input name="mfa-regenerate-code" autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={32} required />
        </Field>
        <Button type="submit" disabled={regenerate.isPending || code.trim().length === 0}>
          {regenerate.isPending ? "Making…" : "Make new codes"}
        </Button>
        <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}

function DisableForm({ requiredBy, onDisabled }: { requiredBy: string[]; onDisabled: () => void }) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const disable = useMutation(
    trpc.mfa.disable.mutationOptions({
      onSuccess: () => {
        setOpen(false);
        onDisabled();
      },
    }),
  );
  if (!open) {
    return (
      <Button type="button" variant="ghost" className="text-destructive" onClick={() => setOpen(true)}>
        Turn off two-factor authentication
      </Button>
    );
  }
  const errors = fieldErrorsOf(disable.error);
  const general = disable.error && !errors.code && !errors.password ? messageOf(disable.error) : null;
  return (
    <form
      className="space-y-3 rounded-md border border-destructive/40 p-3"
      onSubmit={(e) => {
        e.preventDefault();
        disable.mutate({ password, code });
      }}
    >
      <p className="text-sm">
        Signing in will ask only for your password.
        {requiredBy.length > 0 && ` ${requiredBy.join(", ")} requires two-factor authentication: you will have to set it up again before you can continue there.`}
      </p>
      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Current password" required error={errors.password}>
          <Input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </Field>
        <Field label="Code from the app or a recovery code" required error={errors.code}>
          <Input autoComplete="one-time-code" value={code} onChange={(e) => setCode(e.target.value)} maxLength={32} required />
        </Field>
      </div>
      {general && (
        <Alert variant="destructive">
          <AlertDescription>{general}</AlertDescription>
        </Alert>
      )}
      <div className="flex gap-2">
        <Button type="submit" variant="destructive" disabled={disable.isPending || !password || !code.trim()}>
          {disable.isPending ? "Turning off…" : "Turn off"}
        </Button>
        <Button type="button" variant="ghost" onClick={() => setOpen(false)}>
          Cancel
        </Button>
      </div>
    </form>
  );
}
