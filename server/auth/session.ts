import "server-only";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/db/client";
import { resolveMembership } from "@/server/services/auth/resolve-membership";
import { countPendingInvitations } from "@/server/services/team/account-invitations";
import { ACTIVE_ORG_COOKIE } from "./constants";
import { sessionIdentityFromCookies, type SessionIdentity } from "./session-identity";

/**
 * Who this request is signed in as: the session cookie (a JWT) must decode with AUTH_SECRET and
 * its server-side session (`sid`) must be neither revoked nor expired (docs/security.md,
 * "Sessions"). Read once per request. The Authorization header is not consulted: only the cookie.
 */
export const getSessionIdentity = cache(async (): Promise<SessionIdentity | null> => {
  const jar = await cookies();
  return sessionIdentityFromCookies(Object.fromEntries(jar.getAll().map((c) => [c.name, c.value])));
});

/** The signed-in user's id, or null when signed out or the session was revoked or has expired. */
export const getSessionUserId = cache(async (): Promise<string | null> => (await getSessionIdentity())?.userId ?? null);

/** The caller's current membership, read fresh from the database once per request. */
export const getCurrentMembership = cache(async () => {
  const userId = await getSessionUserId();
  if (!userId) return null;
  const preferred = (await cookies()).get(ACTIVE_ORG_COOKIE)?.value ?? null;
  return resolveMembership(getDb(), userId, preferred);
});

/** For pages: the membership, or a redirect to sign-in. */
export async function requireMembership() {
  const membership = await getCurrentMembership();
  if (!membership) {
    const userId = await getSessionUserId();
    if (!userId) redirect("/login");
    // Signed in, but every membership is still an invitation to accept (docs/security.md).
    if ((await countPendingInvitations({ db: getDb(), userId })) > 0) redirect("/invitations");
    redirect("/login?reason=inactive");
  }
  // The organization requires MFA and this user has none yet: enrolment comes first (docs/security.md).
  if (membership.mfaEnrolmentRequired) redirect("/mfa/setup");
  return membership;
}
