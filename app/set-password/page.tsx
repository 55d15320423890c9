import Link from "next/link";
import { AuthCard } from "@/components/auth/auth-card";
import { SetPasswordForm } from "@/components/auth/set-password-form";
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
          Ask your organization&apos;s owner for a new link, or{" "}
          <Link href="/login" className="text-primary underline">
            sign in
          </Link>{" "}
          if you already have a password.
        </p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={info.purpose === "invite" ? "Welcome! Set your password" : "Set a new password"} description={`For ${info.email}`}>
      <SetPasswordForm token={token} />
    </AuthCard>
  );
}
