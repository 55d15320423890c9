"use client";

import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";

/**
 * The second sign-in step (docs/security.md, "MFA"): a 6-digit code from the authenticator app,
 * or one of the recovery codes. The login form sends it with the email and password again.
 */
export function MfaCodeStep({ recovery, onToggleRecovery, onBack }: { recovery: boolean; onToggleRecovery: () => void; onBack: () => void }) {
  return (
    <div className="space-y-4">
      <p className="text-sm text-muted-foreground">
        {recovery
          ? "Enter one of the recovery codes you saved when you set up two-factor authentication. Each code works once."
          : "Enter the 6-digit code from your authenticator app."}
      </p>
      {recovery ? (
        <Field key="recovery" label="Recovery code" required>
          <Input name="code" autoComplete="off" autoCapitalize="none" spellCheck={false} placeholder="xxxxx-xxxxx" maxLength={32} required autoFocus />
        </Field>
      ) : (
        <Field key="totp" label="Authentication code" required>
          <Input name="code" inputMode="numeric" autoComplete="one-time-code" pattern="[0-9 ]*" placeholder="123456" maxLength={8} required autoFocus />
        </Field>
      )}
      <div className="flex flex-wrap justify-between gap-2 text-sm">
        <Button type="button" variant="link" className="h-auto p-0" onClick={onToggleRecovery}>
          {recovery ? "Use your authenticator app" : "Use a recovery code"}
        </Button>
        <Button type="button" variant="link" className="h-auto p-0" onClick={onBack}>
          Start over
        </Button>
      </div>
    </div>
  );
}
