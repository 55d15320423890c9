import { and, asc, inArray, lte, sql } from "drizzle-orm";
import { stellarTransactions, type StellarTransaction } from "@/db/schema";
import { OPEN_TRANSACTION_STATUSES } from "@/db/schema/stellar";
import { uuidArray } from "@/server/payments/payment-state-writer";
import type { EngineContext } from "./context";
import { backoffMs, deferTransaction } from "./settle-transaction";
import { applyRailOutcomes, engineConnection, railOf, submitPaymentTransaction, transactionPaymentIds } from "./submit-payment-batch";

/**
 * Open transactions nobody is working on (their lease ran out: a worker crashed, an answer never
 * came, a retry is due) are leased with SKIP LOCKED and resolved by their hash.
 */
export async function reconcileDueTransactions(ctx: EngineContext, limit: number): Promise<number> {
  const orgFilter = ctx.orgIds ? inArray(stellarTransactions.orgId, ctx.orgIds) : undefined;
  const due = await ctx.db.transaction(async (tx) => {
    const rows = await tx
      .select()
      .from(stellarTransactions)
      .where(
        and(
          inArray(stellarTransactions.status, [...OPEN_TRANSACTION_STATUSES]),
          lte(stellarTransactions.nextAttemptAt, sql`now()`),
          sql`${stellarTransactions.network} = ${ctx.config.network}`,
          orgFilter,
        ),
      )
      .orderBy(asc(stellarTransactions.nextAttemptAt))
      .limit(limit)
      .for("update", { skipLocked: true });
    if (rows.length > 0) {
      await tx
        .update(stellarTransactions)
        .set({ nextAttemptAt: new Date(Date.now() + ctx.leaseMs) })
        .where(
          inArray(
            stellarTransactions.id,
            rows.map((r) => r.id),
          ),
        );
    }
    return rows;
  });
  await Promise.all(
    due.map(async (row) => {
      ctx.working?.add(row.id);
      try {
        await reconcileTransaction(ctx, row);
      } catch (error) {
        ctx.log.warn({ event: "stellar.reconcile.error", hash: row.hash, error: (error as Error)?.message }, "reconciliation failed; will retry");
        await deferTransaction(ctx, row.id, `reconcile: ${(error as Error)?.message ?? String(error)}`, backoffMs(row.attempts)).catch(() => {});
      } finally {
        ctx.working?.delete(row.id);
      }
    }),
  );
  return due.length;
}

/**
 * Extend the leases of open transactions this worker is still working on (never shortening a later
 * retry time). Returns how many were renewed.
 */
export async function renewLeases(ctx: EngineContext, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await ctx.db.execute(sql`
    update stellar_transactions set next_attempt_at = greatest(next_attempt_at, now() + ${`${ctx.leaseMs} milliseconds`}::interval)
    where id = any(${uuidArray(ids)}) and status = any(${`{${OPEN_TRANSACTION_STATUSES.join(",")}}`}::stellar_transaction_status[])`);
  return rows.count;
}

/**
 * Resolve one open transaction by its hash, through the rail's `lookup` (stellar-submission.ts):
 * - in a ledger → settle it (success, or failed operations);
 * - not found, and the latest ledger is past its ledger bound or closed after its time bound → it
 *   can never land (UNKNOWN): EXPIRED, payments READY for a new transaction with a new sequence number;
 * - not found and still valid (PENDING) → submit the identical stored envelope again.
 */
export async function reconcileTransaction(ctx: EngineContext, row: StellarTransaction): Promise<void> {
  const paymentIds = await transactionPaymentIds(ctx, row.id);
  const open = { id: row.id, orgId: row.orgId, hash: row.hash, sequence: row.sequence, channelAccountId: row.channelAccountId, attempts: row.attempts };
  const outcomes = await railOf(ctx).lookup(
    engineConnection(row.orgId),
    paymentIds.map((paymentId) => ({ paymentId, reference: row.hash })),
    { reference: row.hash, payload: row.envelopeXdr },
  );
  if (outcomes.length > 0 && outcomes.every((o) => o.status === "PENDING")) {
    await submitPaymentTransaction(ctx, { ...open, envelopeXdr: row.envelopeXdr, paymentIds });
    return;
  }
  await applyRailOutcomes(ctx, open, outcomes);
}
