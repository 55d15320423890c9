import { sql } from "drizzle-orm";
import { railBatches } from "@/db/schema";
import { formatStroops, toStroops } from "@/server/domain/money";
import { movePaymentStatus, uuidArray } from "@/server/payments/payment-state-writer";
import type { RailType } from "@/server/domain/rails";
import type { DispatcherContext } from "./context";

const CLAIMED = { shipment: "CLAIMED" } as const;

type Candidate = { disbursement_id: string; org_id: string; connection_id: string; rail_type: string; asset_id: string };
type ReadyRow = { id: string; amount: string };

/**
 * Claim the next READY payments routed to one connection of a rail this dispatcher drives, and store
 * them as a batch before anything is sent (docs/rails.md "Dispatcher"): one transaction writes the
 * batch row, then moves the payments to PENDING with each one's rail reference (its pain.001
 * EndToEndId) in the same statement — each payment row written once — in the platform's lock order
 * (disbursement → payments → totals). Nothing remote happens here.
 */
export async function claimRailBatch(ctx: DispatcherContext): Promise<string | null> {
  if (ctx.railTypes.length === 0) return null;
  const railList = sql`${`{${ctx.railTypes.join(",")}}`}::rail_type[]`;
  return ctx.db.transaction(async (tx) => {
    // STARTED disbursements with READY payments (the maintained totals), holding a READY payment routed
    // to an enabled connection of these rails; the disbursement row is locked first, skipping those
    // another worker holds.
    const [candidate] = await tx.execute<Candidate>(sql`
      select d.id as disbursement_id, d.org_id, c.id as connection_id, c.rail_type, d.asset_id
      from disbursements d
      join payment_connections c on c.org_id = d.org_id and c.rail_type = any(${railList}) and c.enabled
      where d.status = 'STARTED' ${ctx.orgIds ? sql`and d.org_id = any(${uuidArray(ctx.orgIds)})` : sql``}
        and exists (select 1 from disbursement_payment_totals t where t.disbursement_id = d.id and t.status = 'READY' and t.payment_count > 0)
        and exists (select 1 from payments p where p.disbursement_id = d.id and p.status = 'READY' and p.connection_id = c.id)
      order by d.created_at, d.id, c.id
      limit 1
      for no key update of d skip locked`);
    if (!candidate) return null;
    const limit = Math.max(1, Math.trunc(ctx.batchSize));
    const rows = [
      ...(await tx.execute<ReadyRow>(sql`
        select p.id, p.amount::text as amount from payments p
        where p.disbursement_id = ${candidate.disbursement_id} and p.status = 'READY' and p.connection_id = ${candidate.connection_id}
        order by p.line_number, p.id
        limit ${sql.raw(String(limit))}
        for update of p skip locked`)),
    ];
    if (rows.length === 0) return null;
    const [currency] = await tx.execute<{ currency: string }>(sql`
      select coalesce((select m->>'railCurrency' from payment_connections c, jsonb_array_elements(c.currency_mapping) m
                       where c.id = ${candidate.connection_id} and m->>'assetId' = ${candidate.asset_id} limit 1), a.code) as currency
      from assets a where a.id = ${candidate.asset_id}`);
    const total = rows.reduce((sum, r) => sum + toStroops(r.amount), 0n);
    // pain.001 MsgId: at most 35 characters, unique per connection.
    const batchReference = `B${Date.now().toString(36).toUpperCase()}${crypto.randomUUID().replace(/-/g, "").slice(0, 16).toUpperCase()}`;
    const [batch] = await tx
      .insert(railBatches)
      .values({
        orgId: candidate.org_id,
        disbursementId: candidate.disbursement_id,
        connectionId: candidate.connection_id,
        railType: candidate.rail_type as "BANK",
        reference: batchReference,
        paymentCount: rows.length,
        amount: formatStroops(total),
        currency: currency?.currency ?? "",
      })
      .returning({ id: railBatches.id });
    if (!batch) throw new Error("rail batch insert returned nothing");
    // Each payment's reference (the rail's, e.g. the pain.001 EndToEndId) is stored with its move: one write per row.
    const rail = ctx.railFor(candidate.rail_type as RailType);
    await movePaymentStatus(tx, {
      orgId: candidate.org_id,
      from: ["READY"],
      to: "PENDING",
      message: "claimed for shipment to the bank",
      ids: rows.map((r) => r.id),
      set: { railBatchId: batch.id },
      railUpdates: rows.map((r) => ({ id: r.id, details: CLAIMED, reference: rail.paymentReference ? rail.paymentReference(r.id) : batchReference })),
      disbursementsLocked: true,
    });
    ctx.log.info({ batchId: batch.id, payments: rows.length, connectionId: candidate.connection_id }, "rail batch claimed");
    return batch.id;
  });
}
