import { and, eq, sql } from "drizzle-orm";
import { payments } from "@/db/schema";
import { PAYMENT_TRANSITIONS, canTransition, transitionError } from "@/server/domain/state-machines";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { completeDisbursementIfDone } from "../disbursements/complete-if-done";
import { getPayment } from "./get-payment";

/** Cancel a READY payment (manual cancel is allowed only from READY). */
export async function cancelPayment(ctx: OrgContext, id: string) {
  assertCan(ctx, "payments:cancel");
  await ctx.db.transaction(async (tx) => {
    const [p] = await tx
      .select({ id: payments.id, status: payments.status, disbursementId: payments.disbursementId })
      .from(payments)
      .where(and(eq(payments.id, id), eq(payments.orgId, ctx.org.id)))
      .for("update");
    if (!p) throw notFound("The payment");
    if (p.status !== "READY" || !canTransition(PAYMENT_TRANSITIONS, p.status, "CANCELED")) {
      throw badRequest(
        p.status === "READY" ? transitionError("payment", PAYMENT_TRANSITIONS, p.status, "CANCELED") : `Only READY payments can be canceled; this one is ${p.status}.`,
        { status: `cannot cancel a ${p.status} payment` },
      );
    }
    const entry = JSON.stringify([{ status: "CANCELED", status_message: "canceled by a user", timestamp: new Date().toISOString() }]);
    await tx
      .update(payments)
      .set({ status: "CANCELED", statusMessage: "canceled by a user", statusHistory: sql`${payments.statusHistory} || ${entry}::jsonb`, updatedAt: new Date() })
      .where(eq(payments.id, p.id));
    await completeDisbursementIfDone(tx, ctx.org.id, p.disbursementId);
  });
  return getPayment(ctx, id);
}
