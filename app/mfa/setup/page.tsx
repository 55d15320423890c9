import { redirect } from "next/navigation";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { MfaSection } from "@/components/profile/mfa-section";
import { getCurrentMembership, getSessionUserId } from "@/server/auth/session";

export const metadata = { title: "Set up two-factor authentication" };
export const dynamic = "force-dynamic";

/**
 * Where members of an organization that requires MFA land until they enrol (server/auth/session.ts
 * requireMembership sends them here). Outside the app shell: only enrolment and sign-out.
 */
export default async function MfaSetupPage() {
  const membership = await getCurrentMembership();
  if (!membership) redirect((await getSessionUserId()) ? "/login?reason=inactive" : "/login?callbackUrl=/mfa/setup");
  if (!membership.mfaEnrolmentRequired) redirect("/");
  return (
    <main className="mx-auto w-full max-w-2xl space-y-6 p-4 md:p-8">
      <div className="flex items-center justify-between gap-4">
        <p className="text-lg font-semibold tracking-tight">Disbursements</p>
        <div className="flex items-center gap-2 text-sm text-muted-foreground">
          <span className="hidden sm:inline">{membership.user.email}</span>
          <SignOutButton />
        </div>
      </div>
      <div className="space-y-1">
        <h1 className="text-2xl font-semibold tracking-tight">Set up two-factor authentication</h1>
        <p className="text-sm text-muted-foreground">
          {membership.org.name} requires every member to sign in with a code from an authenticator app. Set it up to continue.
        </p>
      </div>
      <MfaSection continueHref="/" />
    </main>
  );
}
