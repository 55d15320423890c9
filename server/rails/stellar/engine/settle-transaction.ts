import { and, eq, inArray, sql } from "drizzle-orm";
import { assets, stellarTransactions } from "@/db/schema";
import { OPEN_TRANSACTION_STATUSES } from "@/db/schema/stellar";
import type { PaymentStatus } from "@/server/domain/disbursement-types";
import { lockPaymentTotals, movePaymentStatus } from "@/server/payments/payment-state-writer";
import { getDistributionAccount } from "@/server/stellar/accounts";
import type { LandedTransaction } from "@/server/stellar/horizon";
import { decodeTransactionResult, failureMessage } from "@/server/stellar/result-codes";
import type { EngineContext } from "./context";

/**
 * Settlement: every way an open transaction ends, each in ONE short database transaction whose
 * first statement closes the transaction row (only if it is still open: nothing happens when another
 * worker settled it already) and frees its channel, and whose last statement moves its payments
 * through the payment-state writer. Its disbursements are locked FOR SHARE first (the lock order:
 * disbursements → payments → totals), so settlements and claims of one disbursement run side by side
 * and meet only on its totals rows (the writer's trigger), held from the last statement to the
 * commit, while pause, resume and cancel (FOR NO KEY UPDATE) wait for them (docs/performance.md,
 * "Lock order"). Completing a disbursement whose payments are all final happens after the commit, in
 * its own transaction that locks the disbursement FOR NO KEY UPDATE first, by the dispatcher
 * (ctx.completeFinished: server/rails/dispatcher/complete-disbursements.ts).
 */

type Tx = Parameters<Parameters<EngineContext["db"]["transaction"]>[0]>[0];

type ClosedTransaction = { id: string; orgId: string; hash: string; assetId: string; operationCount: number; network: string };

type Outcome = {
  status: "SUCCESS" | "FAILED" | "EXPIRED";
  resultCode: string | null;
  resultXdr?: string | null;
  ledger?: number | null;
  pagingToken?: string | null;
  lastError: string | null;
};

const OPEN = sql`${`{${OPEN_TRANSACTION_STATUSES.join(",")}}`}::stellar_transaction_status[]`;

/** The disbursements of a transaction's payments, FOR SHARE in id order (payment-state-writer.ts, shareDisbursements). */
async function shareDisbursementsOf(tx: Tx, transactionId: string): Promise<void> {
  await tx.execute(sql`
    select d.id from disbursements d
    where d.id in (select p.disbursement_id from stellar_transaction_payments stp join payments p on p.id = stp.payment_id where stp.transaction_id = ${transactionId})
    order by d.id for share of d`);
}

/**
 * Close the transaction row if it is still open (the update locks it; a concurrent settler waits and
 * then finds it closed) and free its channel — with the sequence number it consumed, or unknown when
 * it may not have consumed one — in one statement. Null when it was no longer open.
 */
async function closeOpen(tx: Tx, id: string, outcome: Outcome, consumedSequence: boolean): Promise<ClosedTransaction | null> {
  const [row] = await tx.execute<{ id: string; org_id: string; hash: string; asset_id: string; operation_count: number; network: string }>(sql`
    with closed as (
      update stellar_transactions set status = ${outcome.status}::stellar_transaction_status, result_code = ${outcome.resultCode},
        result_xdr = coalesce(${outcome.resultXdr ?? null}, result_xdr), ledger = coalesce(${outcome.ledger ?? null}::int, ledger),
        paging_token = coalesce(${outcome.pagingToken ?? null}, paging_token), last_error = ${outcome.lastError},
        completed_at = now(), updated_at = now()
      where id = ${id} and status = any(${OPEN})
      returning id, org_id, hash, asset_id, operation_count, network, channel_account_id, sequence
    ), released as (
      update stellar_accounts a set locked_by_tx = null, locked_until_ledger = null,
        sequence = ${consumedSequence ? sql`closed.sequence` : sql`null`}, updated_at = now()
      from closed where a.id = closed.channel_account_id and a.locked_by_tx = closed.id
      returning a.id
    )
    select closed.id, closed.org_id, closed.hash, closed.asset_id, closed.operation_count, closed.network, (select count(*) from released) as released
    from closed`);
  return row ? { id: row.id, orgId: row.org_id, hash: row.hash, assetId: row.asset_id, operationCount: Number(row.operation_count), network: row.network } : null;
}

/** The transaction's payments in operation order, locked (they are its own: nobody else waits for them). */
async function lockPaymentsOf(tx: Tx, transactionId: string): Promise<{ paymentId: string; opIndex: number; disbursementId: string }[]> {
  const rows = await tx.execute<{ payment_id: string; op_index: number; disbursement_id: string }>(sql`
    select stp.payment_id, stp.op_index, p.disbursement_id from stellar_transaction_payments stp join payments p on p.id = stp.payment_id
    where stp.transaction_id = ${transactionId} order by p.id for update of p`);
  return rows.map((r) => ({ paymentId: r.payment_id, opIndex: r.op_index, disbursementId: r.disbursement_id })).sort((a, b) => a.opIndex - b.opIndex);
}

/** Move this transaction's PENDING payments (all, or only some operation indexes) to a status. */
async function movePendingPayments(
  tx: Tx,
  row: ClosedTransaction,
  ops: { paymentId: string; opIndex: number }[] | null,
  to: PaymentStatus,
  message: string | null,
  opIndexes?: number[],
) {
  if (!ops) {
    return movePaymentStatus(tx, { orgId: row.orgId, from: ["PENDING"], to, message, stellarTransactionId: row.id, withoutDisbursementLock: true });
  }
  const only = opIndexes ? new Set(opIndexes) : null;
  const ids = ops.filter((o) => !only || only.has(o.opIndex)).map((o) => o.paymentId);
  return movePaymentStatus(tx, { orgId: row.orgId, from: ["PENDING"], to, message, ids, withoutDisbursementLock: true });
}

/** The distribution account's public key (a distribution account is never replaced: kept per process). */
const senders = new Map<string, string | null>();
async function senderOf(tx: Tx, orgId: string, network: string): Promise<string | null> {
  const key = `${orgId}|${network}`;
  if (!senders.has(key)) {
    const distribution = await getDistributionAccount(tx, orgId, network);
    if (!distribution) return null;
    senders.set(key, distribution.publicKey);
  }
  return senders.get(key) ?? null;
}

const disbursementsOf = (moved: { disbursementId: string }[]) => [...new Set(moved.map((m) => m.disbursementId))];

/** The transaction is in a ledger: every payment SUCCESS, or (tx_failed) the failing ones FAILED and the rest READY again. */
export async function settleLanded(ctx: EngineContext, transactionId: string, landed: LandedTransaction): Promise<void> {
  if (!landed.successful) {
    const decoded = safeDecode(landed.resultXdr);
    if (decoded && decoded.code !== "tx_failed") {
      // A fee bump whose inner transaction was invalid when the ledger applied it (e.g. tx_bad_seq):
      // in the ledger, so it can never apply again, and nothing of it was paid.
      await settleExpired(ctx, transactionId, `${decoded.outerCode}/${decoded.code}`);
      return;
    }
    await settleFailedOperations(ctx, transactionId, decoded?.operations ?? null, landed.resultXdr, landed.ledger);
    return;
  }
  const token = landed.pagingToken;
  const t0 = performance.now();
  const settled = await ctx.db.transaction(async (tx) => {
    await shareDisbursementsOf(tx, transactionId);
    const row = await closeOpen(
      tx,
      transactionId,
      { status: "SUCCESS", resultCode: "tx_success", resultXdr: landed.resultXdr || null, ledger: landed.ledger || null, pagingToken: token, lastError: null },
      true,
    );
    if (!row) return null;
    const sender = await senderOf(tx, row.orgId, row.network);
    // Hash, sender and Horizon's operation id (the transaction's TOID plus the operation's 1-based index) go with the move.
    const moved = await movePaymentStatus(tx, {
      orgId: row.orgId,
      from: ["PENDING"],
      to: "SUCCESS",
      message: null,
      stellarTransactionId: row.id,
      set: { stellarTransactionHash: landed.hash, senderAddress: sender, railDetails: { ledger: landed.ledger }, ...(token ? { operationIdBase: token } : {}) },
      withoutDisbursementLock: true,
    });
    if (moved.length !== row.operationCount) {
      ctx.log.error({ event: "stellar.settle.mismatch", tx: row.hash, moved: moved.length, ops: row.operationCount }, "settled payments differ from operations");
    }
    return { row, moved };
  });
  if (!settled) return;
  if (ctx.counters) {
    ctx.counters.settleMs += performance.now() - t0;
    ctx.counters.settled++;
  }
  ctx.log.debug({ event: "stellar.tx.success", hash: landed.hash, ledger: landed.ledger }, "transaction succeeded");
  await ctx.completeFinished(settled.row.orgId, disbursementsOf(settled.moved));
}

function safeDecode(resultXdr: string | null) {
  if (!resultXdr) return null;
  try {
    return decodeTransactionResult(resultXdr);
  } catch {
    return null;
  }
}

/**
 * Applied with `tx_failed`: operations are atomic, so nothing was paid. The payments whose operation
 * failed are FAILED with the code and a plain-language message; the others go back to READY and
 * leave in another transaction. The channel's sequence number was consumed. This settlement moves
 * payments more than once, so it locks its payments and then every totals row it will touch, in the
 * trigger's order, before the first move (lockPaymentTotals).
 */
export async function settleFailedOperations(
  ctx: EngineContext,
  transactionId: string,
  operationCodes: string[] | null,
  resultXdr: string | null,
  ledger: number | null = null,
): Promise<void> {
  const codes = operationCodes ?? [];
  const failing = codes.map((c, i) => ({ c, i })).filter(({ c }) => c !== "op_success");
  const settled = await ctx.db.transaction(async (tx) => {
    await shareDisbursementsOf(tx, transactionId);
    const row = await closeOpen(
      tx,
      transactionId,
      { status: "FAILED", resultCode: "tx_failed", resultXdr, ledger, lastError: failing.map((f) => `op ${f.i}: ${f.c}`).join(", ") || "tx_failed" },
      true,
    );
    if (!row) return null;
    const ops = await lockPaymentsOf(tx, row.id);
    const [asset] = await tx.select({ code: assets.code }).from(assets).where(eq(assets.id, row.assetId));
    const disbursementIds = disbursementsOf(ops);
    const moved: { disbursementId: string }[] = [];
    if (failing.length === 0) {
      // No operation to blame: fail them all rather than resubmit blindly.
      moved.push(...(await movePendingPayments(tx, row, ops, "FAILED", `tx_failed: ${failureMessage("tx_failed", asset?.code ?? "")}`)));
    } else {
      await lockPaymentTotals(tx, disbursementIds, ["READY", "PENDING", "FAILED"]);
      const byCode = new Map<string, number[]>();
      for (const { c, i } of failing) byCode.set(c, [...(byCode.get(c) ?? []), i]);
      for (const [code, indexes] of byCode) {
        moved.push(...(await movePendingPayments(tx, row, ops, "FAILED", `${code}: ${failureMessage(code, asset?.code ?? "")}`, indexes)));
      }
      moved.push(...(await movePendingPayments(tx, row, ops, "READY", "another payment in its transaction failed; it will be sent again")));
    }
    return { row, moved };
  });
  ctx.log.info({ event: "stellar.tx.failed_operations", tx: transactionId, codes: operationCodes }, "transaction failed; failing payments marked");
  if (settled) await ctx.completeFinished(settled.row.orgId, disbursementsOf(settled.moved));
}

/** It can no longer land (its bounds passed, or its sequence number is used): payments READY again. */
export async function settleExpired(ctx: EngineContext, transactionId: string, reason: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await shareDisbursementsOf(tx, transactionId);
    const row = await closeOpen(tx, transactionId, { status: "EXPIRED", resultCode: reason, lastError: reason }, false);
    if (!row) return;
    await movePendingPayments(tx, row, null, "READY", `transaction expired before reaching the ledger (${reason}); it will be sent again`);
  });
  ctx.log.info({ event: "stellar.tx.expired", tx: transactionId, reason }, "transaction expired; payments requeued");
}

/** Rejected for good (e.g. tx_bad_auth): its payments FAILED with the code. */
export async function settleRejected(ctx: EngineContext, transactionId: string, code: string, resultXdr: string | null): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    await shareDisbursementsOf(tx, transactionId);
    const row = await closeOpen(tx, transactionId, { status: "FAILED", resultCode: code, resultXdr, lastError: code }, false);
    if (!row) return;
    const [asset] = await tx.select({ code: assets.code }).from(assets).where(eq(assets.id, row.assetId));
    await movePendingPayments(tx, row, null, "FAILED", `${code}: ${failureMessage(code, asset?.code ?? "")}`);
  });
  ctx.log.warn({ event: "stellar.tx.rejected", tx: transactionId, code }, "transaction rejected; its payments failed");
}

/** About to be sent: SUBMITTED, one more attempt, and a lease so no other worker looks at it meanwhile. */
export async function markSubmitting(ctx: EngineContext, transactionId: string): Promise<boolean> {
  const updated = await ctx.db
    .update(stellarTransactions)
    .set({
      status: "SUBMITTED",
      attempts: sql`${stellarTransactions.attempts} + 1`,
      submittedAt: sql`coalesce(${stellarTransactions.submittedAt}, now())`,
      nextAttemptAt: new Date(Date.now() + ctx.leaseMs),
      updatedAt: new Date(),
    })
    .where(and(eq(stellarTransactions.id, transactionId), inArray(stellarTransactions.status, [...OPEN_TRANSACTION_STATUSES])))
    .returning({ id: stellarTransactions.id });
  return updated.length > 0;
}

/** No definite answer: keep the transaction (and its hash) and look again after `delayMs`. */
export async function deferTransaction(ctx: EngineContext, transactionId: string, reason: string, delayMs: number): Promise<void> {
  await ctx.db
    .update(stellarTransactions)
    .set({ lastError: reason.slice(0, 500), nextAttemptAt: new Date(Date.now() + delayMs), updatedAt: new Date() })
    .where(and(eq(stellarTransactions.id, transactionId), inArray(stellarTransactions.status, [...OPEN_TRANSACTION_STATUSES])));
}

/** Backoff for an unanswered or transiently refused submission: 0.5 s doubling to 8 s, with jitter. */
export function backoffMs(attempts: number): number {
  const base = Math.min(500 * 2 ** Math.max(0, attempts - 1), 8_000);
  return Math.round(base * (0.75 + Math.random() * 0.5));
}
