import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { lockDisbursementsOfPayments } from "@/server/payments/payment-state-writer";
import { disbursements, payments } from "@/db/schema";
import { paymentCancellationProblem } from "@/server/domain/g2p/envelope-rules";
import { PAYMENT_TRANSITIONS, canTransition, transitionError } from "@/server/domain/state-machines";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { completeDisbursementIfDone } from "../disbursements/complete-if-done";
import { getPayment } from "./get-payment";
import { markPaymentsCanceled } from "./mark-payments-canceled";

/**
 * Cancel one payment; final. A payment of a disbursement with a schedule date follows the envelope
 * rule (G2P Bridge): only before the schedule date, while it is DRAFT or READY. Any other payment
 * keeps the manual rule: only from READY.
 */
export async function cancelPayment(ctx: OrgContext, id: string) {
  assertCan(ctx, "payments:cancel");
  await ctx.db.transaction(async (tx) => {
    // The one lock order (server/payments/payment-state-writer.ts): the disbursement, then the payment.
    await lockDisbursementsOfPayments(tx, ctx.org.id, z.uuid().safeParse(id).success ? [id] : []);
    const [p] = await tx
      .select({ id: payments.id, status: payments.status, disbursementId: payments.disbursementId })
      .from(payments)
      .where(and(eq(payments.id, id), eq(payments.orgId, ctx.org.id)))
      .for("update");
    if (!p) throw notFound("The payment");
    const [d] = await tx
      .select({ status: disbursements.status, scheduledAt: disbursements.scheduledAt })
      .from(disbursements)
      .where(and(eq(disbursements.id, p.disbursementId), eq(disbursements.orgId, ctx.org.id)));
    if (!d) throw notFound("The payment's disbursement");
    if (d.scheduledAt) {
      const problem = paymentCancellationProblem(d, p.status, new Date());
      if (problem) throw badRequest(problem, { status: `cannot cancel a ${p.status} payment now` }, "INVALID_STATE");
    } else if (p.status !== "READY" || !canTransition(PAYMENT_TRANSITIONS, p.status, "CANCELED")) {
      throw badRequest(
        p.status === "READY" ? transitionError("payment", PAYMENT_TRANSITIONS, p.status, "CANCELED") : `Only READY payments can be canceled; this one is ${p.status}.`,
        { status: `cannot cancel a ${p.status} payment` },
        "INVALID_TRANSITION",
      );
    }
    await markPaymentsCanceled(tx, ctx.org.id, { ids: [p.id] }, [p.status], "canceled by a user");
    await completeDisbursementIfDone(tx, ctx.org.id, p.disbursementId);
  });
  return getPayment(ctx, id);
}
