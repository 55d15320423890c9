import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { disbursements } from "@/db/schema";
import { envelopeCancellationProblem } from "@/server/domain/g2p/envelope-rules";
import { recordAuditEvent } from "../audit/record-audit-event";
import { markPaymentsCanceled } from "../payments/mark-payments-canceled";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { appendStatusHistory } from "./disbursement-view";
import { getDisbursement } from "./get-disbursement";

export const ENVELOPE_CANCELLED_MESSAGE = "envelope cancelled";

/**
 * Payments an envelope cancellation ends: before its start they are DRAFT (READY only once
 * started, which a cancellable envelope is not); nothing sent is ever touched.
 */
const CANCELLABLE_PAYMENT_STATUSES = ["DRAFT", "READY"] as const;

/**
 * Cancel an envelope the caller has locked (`select … for update`) and checked with
 * envelopeCancellationProblem: the disbursement becomes CANCELED (final) with its history entry and
 * cancelledAt, and every payment not yet final becomes CANCELED with a history entry. `userId` is
 * null when no person acts (a G2P sender's cancel request). Returns how many payments it cancelled.
 */
export async function cancelLockedEnvelope(tx: DbOrTx, orgId: string, disbursementId: string, userId: string | null, now = new Date()): Promise<number> {
  const cancelled = await markPaymentsCanceled(tx, orgId, { disbursementId }, CANCELLABLE_PAYMENT_STATUSES, ENVELOPE_CANCELLED_MESSAGE, now);
  await tx
    .update(disbursements)
    .set({ status: "CANCELED", cancelledAt: now, statusHistory: appendStatusHistory(disbursements.statusHistory, userId, "CANCELED"), updatedAt: now })
    .where(and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, orgId)));
  return cancelled.length;
}

/**
 * Cancel a whole envelope (G2P Bridge cancel_disbursement): allowed only before it started and
 * before its schedule date; final. One transaction under the disbursement's row lock.
 */
export async function cancelEnvelope(ctx: OrgContext, id: string) {
  assertCan(ctx, "disbursements:write");
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw notFound("The disbursement");
  await ctx.db.transaction(async (tx) => {
    const [d] = await tx
      .select({ id: disbursements.id, status: disbursements.status, scheduledAt: disbursements.scheduledAt, name: disbursements.name })
      .from(disbursements)
      .where(and(eq(disbursements.id, id), eq(disbursements.orgId, ctx.org.id)))
      .for("no key update");
    if (!d) throw notFound("The disbursement");
    const now = new Date();
    const problem = envelopeCancellationProblem(d, now);
    if (problem) throw badRequest(problem, undefined, "INVALID_STATE");
    const count = await cancelLockedEnvelope(tx, ctx.org.id, d.id, ctx.actor.userId, now);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "disbursement.cancelled",
      targetId: d.id,
      details: { name: d.name, previous_status: d.status, payments_cancelled: count },
    });
  });
  return getDisbursement(ctx, id);
}
