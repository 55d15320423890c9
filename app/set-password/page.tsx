import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SetPasswordForm } from "@/components/auth/set-password-form";
import { Button } from "@/components/ui/button";
import { getDb } from "@/db/client";
import { inspectPasswordToken } from "@/server/services/auth/password-tokens";

export const metadata = { title: "Set your password" };
export const dynamic = "force-dynamic";

export default async function SetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { token } = await searchParams;
  const info = typeof token === "string" && token.length <= 200 ? await inspectPasswordToken(getDb(), token) : null;
  if (!info || typeof token !== "string") {
    return (
      <AuthCard title="Link not valid" description="This link is invalid, expired or already used.">
        <p className="text-sm text-muted-foreground">
          Ask your organization&apos;s owner for a new link,{" "}
          <Link href="/forgot-password" className="text-primary underline">
            reset your password
          </Link>
          , or{" "}
          <Link href="/login" className="text-primary underline">
            sign in
          </Link>{" "}
          if you already have a password.
        </p>
      </AuthCard>
    );
  }
  if (info.action === "sign-in") {
    // Memberships by consent (docs/security.md): an invitation to an existing account is accepted
    // by its holder after signing in; the link cannot set that account's password.
    return (
      <AuthCard title="Sign in to accept the invitation" description={info.orgName ? `${info.orgName} invited ${info.email}.` : `An invitation for ${info.email}.`}>
        <div className="space-y-4">
          <p className="text-sm text-muted-foreground">
            This invitation is for an existing account. Sign in with your usual password, then accept it on the Invitations page.
          </p>
          <Button asChild className="w-full">
            <Link href="/login?callbackUrl=/invitations">Sign in to accept</Link>
          </Button>
          <p className="text-center text-sm">
            <Link href="/forgot-password" className="text-primary underline-offset-4 hover:underline">
              Forgot your password?
            </Link>
          </p>
        </div>
      </AuthCard>
    );
  }
  return (
    <AuthCard
      title={info.purpose === "invite" ? "Welcome! Set your password" : "Set a new password"}
      description={info.purpose === "invite" && info.orgName ? `For ${info.email}, to join ${info.orgName}` : `For ${info.email}`}
    >
      <SetPasswordForm token={token} />
    </AuthCard>
  );
}
