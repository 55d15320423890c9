import { LoginForm } from "@/components/auth/login-form";
import { AuthCard } from "@/components/auth/auth-card";
import { safeCallbackPath } from "@/lib/safe-callback-url";
import { config } from "@/server/config";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Only a same-origin relative path (docs/security.md, "Redirects").
  const callbackUrl = safeCallbackPath(params.callbackUrl, config().APP_URL);
  const notice =
    params.reason === "inactive"
      ? "Your account has no active organization membership. Ask your organization's owner to reactivate it."
      : params.reason === "password-set"
        ? "Your password is set. Sign in to continue."
        : params.reason === "password-changed"
          ? "Your password is changed and every session was signed out. Sign in with the new password."
          : params.reason === "signed-out-everywhere"
            ? "You are signed out on every device. Sign in to continue."
            : null;
  return (
    <AuthCard title="Sign in" description="Use the email and password your organization gave you.">
      <LoginForm callbackUrl={callbackUrl} notice={notice} />
    </AuthCard>
  );
}
