import type { DbOrTx } from "@/db/client";
import { auditEvents } from "@/db/schema";

/** Append an audit row; callers pass their open transaction so the row commits with the change. */
export async function recordAuditEvent(
  db: DbOrTx,
  event: { orgId: string; actorUserId: string | null; action: string; targetId?: string; details?: Record<string, unknown> },
) {
  await db.insert(auditEvents).values({
    orgId: event.orgId,
    actorUserId: event.actorUserId,
    action: event.action,
    targetId: event.targetId,
    details: event.details ?? {},
  });
}
