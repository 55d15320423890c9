import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { disbursements, payments, receivers, receiverWallets } from "@/db/schema";
import { PAYMENT_STATUSES } from "@/server/domain/disbursement-types";
import { readDisbursementTotals } from "@/server/payments/payment-totals";
import { cursorPageInput } from "@/server/schemas/pagination.schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { keysetPage } from "../pagination";
import { destinationView } from "../payments/payment-view";

/**
 * Receivers of one disbursement in file order, each with its payment and receiver-wallet status.
 * Pages by keyset (line_number, id): one range of payments_disbursement_status_idx per status,
 * merged; the total is the disbursement's maintained payment count (docs/performance.md, "Lists").
 */
export async function listDisbursementReceivers(ctx: OrgContext, disbursementId: string, raw: z.input<typeof cursorPageInput>) {
  assertCan(ctx, "disbursements:read");
  const input = cursorPageInput.parse(raw);
  if (!z.uuid().safeParse(disbursementId).success) throw notFound("The disbursement");
  const d = await ctx.db.query.disbursements.findFirst({
    where: and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, ctx.org.id)),
    columns: { id: true },
  });
  if (!d) throw notFound("The disbursement");
  const totals = (await readDisbursementTotals(ctx.db, ctx.org.id, [d.id])).get(d.id)!;
  const total = PAYMENT_STATUSES.reduce((n, s) => n + totals[s].count, 0);
  const { ids, pagination } = await keysetPage(
    {
      db: ctx.db,
      branches: PAYMENT_STATUSES.map((s) => sql`from payments p where p.disbursement_id = ${d.id} and p.status = ${sql.raw(`'${s}'::payment_status`)}`),
      keys: [
        { expr: sql`p.line_number`, type: "integer" },
        { expr: sql`p.id`, type: "uuid" },
      ],
      direction: "asc",
      shape: { list: "disbursement-receivers", d: d.id },
      total,
    },
    input,
  );
  const rows = ids.length
    ? await ctx.db
        .select({ p: payments, r: receivers, rw: receiverWallets })
        .from(payments)
        .innerJoin(receivers, eq(receivers.id, payments.receiverId))
        .innerJoin(receiverWallets, eq(receiverWallets.id, payments.receiverWalletId))
        .where(and(eq(payments.orgId, ctx.org.id), inArray(payments.id, ids)))
    : [];
  const byId = new Map(rows.map((row) => [row.p.id, row]));
  return {
    pagination,
    data: ids
      .map((id) => byId.get(id))
      .filter((row) => row !== undefined)
      .map(({ p, r, rw }) => ({
        id: r.id,
        external_id: r.externalId,
        phone_number: r.phoneNumber,
        email: r.email,
        created_at: r.createdAt.toISOString(),
        updated_at: r.updatedAt.toISOString(),
        receiver_wallet: { id: rw.id, status: rw.status, stellar_address: rw.stellarAddress, stellar_memo: rw.stellarMemo, destination: destinationView(rw) },
        payment: { id: p.id, amount: p.amount, status: p.status, external_payment_id: p.externalPaymentId, line_number: p.lineNumber },
      })),
  };
}
