"use client";

import { signIn } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { Alert, AlertDescription } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { Field } from "@/components/ui/field";
import { Input } from "@/components/ui/input";
import { safeCallbackPath } from "@/lib/safe-callback-url";
import { MFA_REQUIRED } from "@/server/schemas/auth.schema";
import { MfaCodeStep } from "./mfa-code-step";

export function LoginForm({ callbackUrl, notice }: { callbackUrl: string; notice: string | null }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Second step: the password was right and the account has MFA; keep the credentials to resend with the code.
  const [mfa, setMfa] = useState<{ email: string; password: string } | null>(null);
  const [recovery, setRecovery] = useState(false);

  async function onSubmit(e: React.FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const credentials = mfa ?? { email: String(form.get("email") ?? ""), password: String(form.get("password") ?? "") };
    const result = await signIn("credentials", {
      ...credentials,
      ...(mfa ? { code: String(form.get("code") ?? "") } : {}),
      redirect: false,
    });
    if (!result || result.error) {
      setPending(false);
      if (result?.error === MFA_REQUIRED) {
        if (mfa) setError(recovery ? "Enter a recovery code." : "Enter the 6-digit code from your authenticator app.");
        setMfa(credentials);
        return;
      }
      if (mfa && result?.error === "CredentialsSignin") {
        setError("That code could not be checked. Try again.");
        return;
      }
      setError(result?.error && result.error !== "CredentialsSignin" ? result.error : "Wrong email or password.");
      return;
    }
    router.replace(safeCallbackPath(callbackUrl, window.location.origin));
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4" noValidate>
      {notice && !error && (
        <Alert>
          <AlertDescription>{notice}</AlertDescription>
        </Alert>
      )}
      {error && (
        <Alert variant="destructive">
          <AlertDescription>{error}</AlertDescription>
        </Alert>
      )}
      {mfa ? (
        <MfaCodeStep
          recovery={recovery}
          onToggleRecovery={() => {
            setRecovery((r) => !r);
            setError(null);
          }}
          onBack={() => {
            setMfa(null);
            setRecovery(false);
            setError(null);
          }}
        />
      ) : (
        <>
          <Field label="Email" required>
            <Input name="email" type="email" autoComplete="username" required autoFocus />
          </Field>
          <Field label="Password" required>
            <Input name="password" type="password" autoComplete="current-password" required />
          </Field>
        </>
      )}
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Signing in…" : mfa ? "Verify" : "Sign in"}
      </Button>
      <p className="text-center text-sm">
        <Link href="/forgot-password" className="text-primary underline-offset-4 hover:underline">
          Forgot your password?
        </Link>
      </p>
    </form>
  );
}
