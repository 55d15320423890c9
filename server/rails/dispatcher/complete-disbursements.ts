import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { lockDisbursements, uuidArray } from "@/server/payments/payment-state-writer";

export type CompletionPorts = {
  db: Db;
  /** Only these organizations (null: all), for the sweep over every STARTED disbursement. */
  orgIds: readonly string[] | null;
  /** Port to the disbursement rules (server/services/disbursements/complete-if-done.ts in the worker). */
  completeDisbursementIfDone(tx: DbOrTx, orgId: string, disbursementId: string): Promise<unknown>;
};

/**
 * Complete the disbursements (of just-settled payments, or with `disbursementIds` null every STARTED
 * one) that have nothing left to pay, each in its own transaction in the lock order: the disbursement
 * row first, then the check on the maintained totals (completeDisbursementIfDone). The read that picks
 * them takes no lock and almost always finds nothing. The dispatcher's lanes also sweep every STARTED
 * disbursement with it, so a worker that crashed between a settlement and this step leaves nothing
 * STARTED for long (docs/rails/dispatcher.md).
 */
export async function completeFinishedDisbursements(ports: CompletionPorts, orgId: string | null, disbursementIds: readonly string[] | null): Promise<number> {
  if (disbursementIds && disbursementIds.length === 0) return 0;
  const which = disbursementIds
    ? sql`and d.id = any(${uuidArray([...new Set(disbursementIds)])})`
    : ports.orgIds
      ? sql`and d.org_id = any(${uuidArray(ports.orgIds)})`
      : sql``;
  const org = orgId ? sql`and d.org_id = ${orgId}` : sql``;
  const done = await ports.db.execute<{ id: string; org_id: string }>(sql`
    select d.id, d.org_id from disbursements d
    where d.status = 'STARTED' ${org} ${which}
      and not exists (
        select 1 from disbursement_payment_totals t
        where t.disbursement_id = d.id and t.payment_count > 0 and t.status in ('DRAFT', 'READY', 'PENDING', 'PAUSED', 'FAILED'))`);
  let completed = 0;
  for (const d of done) {
    await ports.db.transaction(async (tx) => {
      if ((await lockDisbursements(tx, d.org_id, [d.id])).length === 0) return;
      if (await ports.completeDisbursementIfDone(tx, d.org_id, d.id)) completed++;
    });
  }
  return completed;
}
