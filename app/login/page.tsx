import { LoginForm } from "@/components/auth/login-form";
import { AuthCard } from "@/components/auth/auth-card";

export const metadata = { title: "Sign in" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const callbackUrl = typeof params.callbackUrl === "string" && params.callbackUrl.startsWith("/") && !params.callbackUrl.startsWith("//") ? params.callbackUrl : "/";
  const notice =
    params.reason === "inactive"
      ? "Your account has no active organization membership. Ask your organization's owner to reactivate it."
      : params.reason === "password-set"
        ? "Your password is set. Sign in to continue."
        : null;
  return (
    <AuthCard title="Sign in" description="Use the email and password your organization gave you.">
      <LoginForm callbackUrl={callbackUrl} notice={notice} />
    </AuthCard>
  );
}
