import { and, eq, inArray } from "drizzle-orm";
import { lockDisbursementsOfPayments, movePaymentStatus } from "@/server/payments/payment-state-writer";
import type { z } from "zod";
import { payments } from "@/db/schema";
import { retryPaymentsInput } from "@/server/schemas/payments.schema";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { loadPaymentViews } from "./payment-view";

export { retryPaymentsInput };

/** FAILED → READY for each given payment; all or nothing. */
export async function retryPayments(ctx: OrgContext, raw: z.input<typeof retryPaymentsInput>) {
  assertCan(ctx, "payments:retry");
  const input = retryPaymentsInput.parse(raw);
  const ids = [...new Set(input.payment_ids)];
  await ctx.db.transaction(async (tx) => {
    // The one lock order (server/payments/payment-state-writer.ts): disbursements, then payments.
    await lockDisbursementsOfPayments(tx, ctx.org.id, ids);
    const rows = await tx
      .select({ id: payments.id, status: payments.status })
      .from(payments)
      .where(and(eq(payments.orgId, ctx.org.id), inArray(payments.id, ids)))
      .for("update");
    if (rows.length !== ids.length) throw notFound("One or more payments");
    const notFailed = rows.filter((r) => r.status !== "FAILED");
    if (notFailed.length > 0) {
      throw badRequest(
        "Only FAILED payments can be retried.",
        Object.fromEntries(notFailed.map((r) => [r.id, `payment is ${r.status}, not FAILED`])),
        "INVALID_TRANSITION",
      );
    }
    await movePaymentStatus(tx, {
      orgId: ctx.org.id,
      ids,
      from: ["FAILED"],
      to: "READY",
      message: "retried by a user",
      set: { stellarTransactionHash: null, stellarOperationId: null },
      disbursementsLocked: true,
    });
  });
  return { message: "Payments retried successfully", payments: await loadPaymentViews(ctx.db, ctx.org.id, ids) };
}
