import { and, asc, eq, inArray, lt, or } from "drizzle-orm";
import type { Db } from "@/db/client";
import { memberships, messages, users } from "@/db/schema";
import { logger } from "@/server/log";
import { createPasswordToken, setPasswordPath } from "../auth/password-tokens";
import { recordAuditEvent } from "../audit/record-audit-event";
import { appLink, deliverAccountMessage } from "../messaging/send-account-message";
import { isInvitationPending } from "./remove-member";

/** Attempts in all (the first one included) before an invitation e-mail is left as FAILURE. */
export const ACCOUNT_INVITATION_MAX_ATTEMPTS = 6;
/** A PENDING row this old was never handed to the transport (the process stopped in between). */
const STALE_PENDING_MS = 10 * 60_000;

/** Wait after attempt n before the next: 1, 2, 4, 8, 16 minutes (at most an hour). */
export function invitationRetryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3600_000);
}

/** The invitation text with a new link in place of the one the stored copy had (redacted or not). */
function withLink(body: string, link: string): string {
  return body.replace(/https?:\/\/\S*[?&]token=[^&#\s]+/g, link);
}

/**
 * Staff invitation e-mails are not lost when the e-mail server is down (docs/security.md): a
 * FAILURE (or a PENDING row never handed over) is tried again with growing pauses, while the
 * invitation is still pending, up to ACCOUNT_INVITATION_MAX_ATTEMPTS attempts. The stored copy
 * of a message a real transport carries has its link redacted and the token is stored only hashed,
 * so each retry mints a fresh link for the e-mail; the link the owner copied keeps working. The
 * link itself is never written to the log or to the message row. Run by the worker's scheduler
 * (server/services/messaging/invitation-scheduler.ts); several workers may run it (row locks).
 */
export async function retryAccountInvitations(
  db: Db,
  options: { now?: Date; limit?: number; orgIds?: string[] | null } = {},
): Promise<{ retried: number; sent: number; failed: number; dropped: number }> {
  const now = options.now ?? new Date();
  const due = await db
    .select({ id: messages.id, attempts: messages.attempts, updatedAt: messages.updatedAt })
    .from(messages)
    .where(
      and(
        eq(messages.type, "ACCOUNT_INVITATION"),
        options.orgIds?.length ? inArray(messages.orgId, options.orgIds) : undefined,
        lt(messages.attempts, ACCOUNT_INVITATION_MAX_ATTEMPTS),
        or(eq(messages.status, "FAILURE"), and(eq(messages.status, "PENDING"), lt(messages.createdAt, new Date(now.getTime() - STALE_PENDING_MS)))),
      ),
    )
    .orderBy(asc(messages.updatedAt))
    .limit(options.limit ?? 100);
  const result = { retried: 0, sent: 0, failed: 0, dropped: 0 };
  for (const candidate of due) {
    if (candidate.updatedAt.getTime() + invitationRetryDelayMs(candidate.attempts) > now.getTime()) continue;
    const claimed = await db.transaction(async (tx) => {
      const [m] = await tx.select().from(messages).where(eq(messages.id, candidate.id)).for("update", { skipLocked: true });
      // Another worker took it, or it changed since it was read.
      if (!m || m.status === "SUCCESS" || m.updatedAt.getTime() !== candidate.updatedAt.getTime() || !m.orgId || !m.userId) return null;
      const [row] = await tx
        .select({ acceptedAt: memberships.acceptedAt, passwordHash: users.passwordHash })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(and(eq(memberships.orgId, m.orgId), eq(memberships.userId, m.userId)));
      if (!row || !isInvitationPending(row)) {
        // Revoked, accepted or already set up: nothing to send any more; stop trying.
        await tx
          .update(messages)
          .set({
            attempts: ACCOUNT_INVITATION_MAX_ATTEMPTS,
            lastError: `${m.lastError ?? "not sent"} (not retried: the invitation is no longer pending)`,
            updatedAt: now,
          })
          .where(eq(messages.id, m.id));
        return "dropped" as const;
      }
      const token = await createPasswordToken(tx, m.userId, "invite", { orgId: m.orgId, keepEarlier: true });
      await tx.update(messages).set({ updatedAt: now }).where(eq(messages.id, m.id));
      await recordAuditEvent(tx, {
        orgId: m.orgId,
        actorUserId: null,
        action: "user.invitation_email_retried",
        targetId: m.userId,
        details: { message_id: m.id, attempt: m.attempts + 1 },
      });
      return { id: m.id, subject: m.subject ?? "", body: withLink(m.body, appLink(setPasswordPath(token))) };
    });
    if (!claimed) continue;
    if (claimed === "dropped") {
      result.dropped++;
      continue;
    }
    result.retried++;
    const outcome = await deliverAccountMessage(db, claimed);
    if (outcome.status === "SUCCESS") result.sent++;
    else result.failed++;
  }
  if (result.retried || result.dropped) logger.info({ event: "account_invitations.retried", ...result }, "staff invitation e-mails retried");
  return result;
}
