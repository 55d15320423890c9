import { and, asc, count, eq } from "drizzle-orm";
import { z } from "zod";
import { disbursements, payments, receivers, receiverWallets } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { pageInput, paginate } from "../pagination";

/** Receivers of one disbursement, each with its payment and receiver-wallet status. */
export async function listDisbursementReceivers(ctx: OrgContext, disbursementId: string, raw: z.input<typeof pageInput>) {
  assertCan(ctx, "disbursements:read");
  const input = pageInput.parse(raw);
  if (!z.uuid().safeParse(disbursementId).success) throw notFound("The disbursement");
  const d = await ctx.db.query.disbursements.findFirst({
    where: and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, ctx.org.id)),
    columns: { id: true },
  });
  if (!d) throw notFound("The disbursement");
  const where = and(eq(payments.orgId, ctx.org.id), eq(payments.disbursementId, d.id));
  const [total] = await ctx.db.select({ n: count() }).from(payments).where(where);
  const rows = await ctx.db
    .select({ p: payments, r: receivers, rw: receiverWallets })
    .from(payments)
    .innerJoin(receivers, eq(receivers.id, payments.receiverId))
    .innerJoin(receiverWallets, eq(receiverWallets.id, payments.receiverWalletId))
    .where(where)
    .orderBy(asc(payments.lineNumber), asc(payments.id))
    .limit(input.page_limit)
    .offset((input.page - 1) * input.page_limit);
  return paginate(
    rows.map(({ p, r, rw }) => ({
      id: r.id,
      external_id: r.externalId,
      phone_number: r.phoneNumber,
      email: r.email,
      created_at: r.createdAt.toISOString(),
      updated_at: r.updatedAt.toISOString(),
      receiver_wallet: { id: rw.id, status: rw.status, stellar_address: rw.stellarAddress, stellar_memo: rw.stellarMemo },
      payment: { id: p.id, amount: p.amount, status: p.status, external_payment_id: p.externalPaymentId, line_number: p.lineNumber },
    })),
    total?.n ?? 0,
    input,
  );
}
