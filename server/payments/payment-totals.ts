import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { PAYMENT_STATUSES, type PaymentStatus } from "@/server/domain/disbursement-types";
import { uuidArray } from "./payment-state-writer";

/** A disbursement's payments per status: count and exact sum (NUMERIC as a string). */
export type StatusTotals = Record<PaymentStatus, { count: number; amount: string }>;

export function emptyStatusTotals(): StatusTotals {
  return Object.fromEntries(PAYMENT_STATUSES.map((s) => [s, { count: 0, amount: "0.0000000" }])) as StatusTotals;
}

/** The maintained totals of these disbursements (one indexed read, no payment rows touched). */
export async function readDisbursementTotals(db: DbOrTx, orgId: string, disbursementIds: readonly string[]): Promise<Map<string, StatusTotals>> {
  const result = new Map<string, StatusTotals>();
  if (disbursementIds.length === 0) return result;
  const rows = await db.execute<{ disbursement_id: string; status: PaymentStatus; payment_count: string; amount: string }>(sql`
    select disbursement_id, status, payment_count::text, amount::numeric(38,7)::text as amount
    from disbursement_payment_totals where org_id = ${orgId} and disbursement_id = any(${uuidArray(disbursementIds)})`);
  for (const id of disbursementIds) result.set(id, emptyStatusTotals());
  for (const r of rows) result.get(r.disbursement_id)![r.status] = { count: Number(r.payment_count), amount: r.amount };
  return result;
}

/** The organization's totals per asset and status, summed from the disbursement totals. */
export async function readOrganizationTotals(db: DbOrTx, orgId: string): Promise<Map<string, StatusTotals>> {
  const rows = await db.execute<{ asset_id: string; status: PaymentStatus; payment_count: string; amount: string }>(sql`
    select asset_id, status, sum(payment_count)::text as payment_count, sum(amount)::numeric(38,7)::text as amount
    from disbursement_payment_totals where org_id = ${orgId} group by asset_id, status`);
  const result = new Map<string, StatusTotals>();
  for (const r of rows) {
    if (!result.has(r.asset_id)) result.set(r.asset_id, emptyStatusTotals());
    result.get(r.asset_id)![r.status] = { count: Number(r.payment_count), amount: r.amount };
  }
  return result;
}

export type TotalsMismatch = { disbursementId: string; status: PaymentStatus; stored: { count: number; amount: string }; actual: { count: number; amount: string } };

/**
 * Recompute every disbursement's totals from its payment rows and list where the maintained ones
 * differ (`npm run cli -- check-totals`; the crash tests run it after every run). Empty: consistent.
 */
export async function checkPaymentTotals(db: DbOrTx, orgId?: string): Promise<TotalsMismatch[]> {
  const scope = orgId ? sql`where d.org_id = ${orgId}` : sql``;
  const rows = await db.execute<{
    disbursement_id: string;
    status: PaymentStatus;
    stored_count: string;
    stored_amount: string;
    actual_count: string;
    actual_amount: string;
  }>(sql`
    with actual as (
      select p.disbursement_id, p.status, count(*) as n, sum(p.amount) as amount from payments p
      join disbursements d on d.id = p.disbursement_id ${scope}
      group by p.disbursement_id, p.status),
    stored as (
      select t.disbursement_id, t.status, t.payment_count as n, t.amount from disbursement_payment_totals t
      join disbursements d on d.id = t.disbursement_id ${scope}),
    expected as (
      select d.id as disbursement_id, s as status from disbursements d cross join unnest(enum_range(null::payment_status)) s ${scope})
    select e.disbursement_id, e.status,
      coalesce(st.n, -1)::text as stored_count, coalesce(st.amount, 0)::numeric(38,7)::text as stored_amount,
      coalesce(a.n, 0)::text as actual_count, coalesce(a.amount, 0)::numeric(38,7)::text as actual_amount
    from expected e
    left join stored st on st.disbursement_id = e.disbursement_id and st.status = e.status
    left join actual a on a.disbursement_id = e.disbursement_id and a.status = e.status
    where st.n is null or st.n <> coalesce(a.n, 0) or st.amount <> coalesce(a.amount, 0)
    order by e.disbursement_id, e.status`);
  return rows.map((r) => ({
    disbursementId: r.disbursement_id,
    status: r.status,
    stored: { count: Number(r.stored_count), amount: r.stored_amount },
    actual: { count: Number(r.actual_count), amount: r.actual_amount },
  }));
}
