import "server-only";
import { getDb } from "@/db/client";
import type { OrgContext } from "@/server/services/context";
import { getCurrentMembership } from "./session";

/** For route handlers used by the signed-in UI: the caller's OrgContext, or null when signed out. */
export async function sessionOrgContext(): Promise<OrgContext | null> {
  const membership = await getCurrentMembership();
  // Like orgProcedure: a member whose organization requires MFA and who has none gets nothing (docs/security.md, "MFA").
  if (!membership || membership.mfaEnrolmentRequired) return null;
  return { db: getDb(), actor: { userId: membership.user.id }, org: { id: membership.org.id }, role: membership.role };
}
