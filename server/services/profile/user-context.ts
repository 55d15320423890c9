import { and, eq, isNotNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships } from "@/db/schema";
import { recordAuditEvent } from "@/server/services/audit/record-audit-event";

/** What user-level (not organization-scoped) service verbs receive: who acts, and their session. */
export type UserContext = { db: DbOrTx; actor: { userId: string }; sessionId?: string | null };

/**
 * Changes to the account itself are audited in every organization the user belongs to (active or
 * not): each organization's audit trail then shows what happened to its members' accounts, and
 * no organization sees another's (docs/security.md, "Profile").
 */
export async function auditInEveryOrganization(db: DbOrTx, userId: string, event: { action: string; details?: Record<string, unknown> }) {
  // Not in organizations whose invitation is still pending: they must not learn about the account (docs/security.md).
  const rows = await db
    .select({ orgId: memberships.orgId })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), isNotNull(memberships.acceptedAt)));
  for (const { orgId } of rows) {
    await recordAuditEvent(db, { orgId, actorUserId: userId, action: event.action, targetId: userId, details: event.details });
  }
}
