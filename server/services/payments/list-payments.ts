import { and, asc, count, desc, eq, ilike, inArray, or, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { payments, receivers } from "@/db/schema";
import { listPaymentsInput } from "@/server/schemas/payments.schema";
import { assertCan, type OrgContext } from "../context";
import { containsPattern, paginate } from "../pagination";
import { loadPaymentViews } from "./payment-view";

export { listPaymentsInput };

export async function listPayments(ctx: OrgContext, raw: z.input<typeof listPaymentsInput>) {
  assertCan(ctx, "disbursements:read");
  const input = listPaymentsInput.parse(raw);
  const where: SQL[] = [eq(payments.orgId, ctx.org.id)];
  if (input.status?.length) where.push(inArray(payments.status, input.status));
  if (input.disbursement_id) where.push(eq(payments.disbursementId, input.disbursement_id));
  if (input.receiver_id) where.push(eq(payments.receiverId, input.receiver_id));
  if (input.q) {
    const like = containsPattern(input.q.toLowerCase());
    where.push(or(ilike(payments.externalPaymentId, like), ilike(receivers.phoneNumber, like), ilike(receivers.email, like), ilike(receivers.externalId, like))!);
  }
  const column = { created_at: payments.createdAt, updated_at: payments.updatedAt, amount: payments.amount, status: payments.status }[input.sort];
  const order = input.direction === "asc" ? asc(column) : desc(column);
  const base = ctx.db.select({ id: payments.id }).from(payments).innerJoin(receivers, eq(receivers.id, payments.receiverId));
  const [total] = await ctx.db
    .select({ n: count() })
    .from(payments)
    .innerJoin(receivers, eq(receivers.id, payments.receiverId))
    .where(and(...where));
  const ids = await base
    .where(and(...where))
    .orderBy(order, asc(payments.lineNumber), asc(payments.id))
    .limit(input.page_limit)
    .offset((input.page - 1) * input.page_limit);
  return paginate(
    await loadPaymentViews(
      ctx.db,
      ctx.org.id,
      ids.map((r) => r.id),
    ),
    total?.n ?? 0,
    input,
  );
}
