import "server-only";
import { getServerSession } from "next-auth";
import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import { cache } from "react";
import { getDb } from "@/db/client";
import { resolveMembership } from "@/server/services/auth/resolve-membership";
import { ACTIVE_ORG_COOKIE } from "./constants";
import { authOptions } from "./options";

/** The signed-in user's id from the JWT session, or null. */
export const getSessionUserId = cache(async (): Promise<string | null> => {
  const session = await getServerSession(authOptions);
  const id = (session?.user as { id?: string } | undefined)?.id;
  return id || null;
});

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
  if (!membership) redirect((await getSessionUserId()) ? "/login?reason=inactive" : "/login");
  return membership;
}
