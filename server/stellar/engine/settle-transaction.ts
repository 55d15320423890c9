import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, stellarAccounts, stellarTransactions, type StellarTransaction } from "@/db/schema";
import { OPEN_TRANSACTION_STATUSES } from "@/db/schema/stellar";
import type { PaymentStatus } from "@/server/domain/disbursement-types";
import { lockDisbursementsOfPayments, movePaymentStatus, uuidArray } from "@/server/payments/payment-state-writer";
import { getDistributionAccount } from "../accounts";
import type { LandedTransaction } from "../horizon";
import { decodeTransactionResult, failureMessage } from "../result-codes";
import type { EngineContext } from "./context";

/**
 * Settlement: every way an open transaction ends, each in ONE database transaction that locks the
 * transaction row first and does nothing when another worker settled it already, then locks the
 * disbursements of its payments (id order) before moving them through the payment-state writer.
 */

type Tx = Parameters<Parameters<EngineContext["db"]["transaction"]>[0]>[0];

/** Lock the transaction row; null when it is no longer open (someone else settled it). */
async function lockOpen(tx: Tx, id: string): Promise<StellarTransaction | null> {
  const [row] = await tx
    .select()
    .from(stellarTransactions)
    .where(and(eq(stellarTransactions.id, id), inArray(stellarTransactions.status, [...OPEN_TRANSACTION_STATUSES])))
    .for("update");
  return row ?? null;
}

/** The transaction's payments in operation order (the rail's own link: stellar_transaction_payments). */
async function paymentsOf(tx: Tx, transactionId: string): Promise<{ paymentId: string; opIndex: number }[]> {
  const rows = await tx.execute<{ payment_id: string; op_index: number }>(sql`
    select payment_id, op_index from stellar_transaction_payments where transaction_id = ${transactionId} order by op_index`);
  return rows.map((r) => ({ paymentId: r.payment_id, opIndex: r.op_index }));
}

/**
 * Everything a settlement does after locking the transaction row, in the platform's one lock order
 * (server/payments/payment-state-writer.ts): the disbursements of its payments (id order), then the
 * payments (moved by id through the writer), then the totals (trigger); so pause, resume and cancel
 * running beside settlement never deadlock with it.
 */
async function lockForSettlement(tx: Tx, row: StellarTransaction) {
  const ops = await paymentsOf(tx, row.id);
  const disbursementIds = await lockDisbursementsOfPayments(
    tx,
    row.orgId,
    ops.map((o) => o.paymentId),
  );
  return { ops, disbursementIds };
}

/** Move this transaction's PENDING payments (optionally only some operation indexes) to a status. */
async function movePendingPayments(
  tx: Tx,
  row: StellarTransaction,
  ops: { paymentId: string; opIndex: number }[],
  to: PaymentStatus,
  message: string | null,
  opIndexes?: number[],
) {
  const only = opIndexes ? new Set(opIndexes) : null;
  const ids = ops.filter((o) => !only || only.has(o.opIndex)).map((o) => o.paymentId);
  const moved = await movePaymentStatus(tx, { orgId: row.orgId, from: ["PENDING"], to, message, ids, disbursementsLocked: true });
  return moved.length;
}

async function releaseChannel(tx: DbOrTx, row: StellarTransaction, consumedSequence: boolean) {
  await tx
    .update(stellarAccounts)
    .set({ lockedByTx: null, lockedUntilLedger: null, sequence: consumedSequence ? row.sequence : null, updatedAt: new Date() })
    .where(and(eq(stellarAccounts.id, row.channelAccountId), eq(stellarAccounts.lockedByTx, row.id)));
}

/**
 * Complete the transaction's disbursements when nothing is left to pay. Their rows are already
 * locked (lockForSettlement): settlements of the same disbursement running at once then check one
 * after the other, each seeing what the previous one committed, so the last sees every payment settled.
 */
async function completeDisbursements(ctx: EngineContext, tx: DbOrTx, row: StellarTransaction, disbursementIds: string[]) {
  for (const id of disbursementIds) await ctx.completeDisbursementIfDone(tx, row.orgId, id);
}

async function finish(tx: DbOrTx, row: StellarTransaction, values: Partial<typeof stellarTransactions.$inferInsert>) {
  await tx
    .update(stellarTransactions)
    .set({ ...values, completedAt: new Date(), updatedAt: new Date() })
    .where(eq(stellarTransactions.id, row.id));
}

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
  await ctx.db.transaction(async (tx) => {
    const row = await lockOpen(tx, transactionId);
    if (!row) return;
    const { ops, disbursementIds } = await lockForSettlement(tx, row);
    const distribution = await getDistributionAccount(tx, row.orgId, row.network);
    const moved = await movePaymentStatus(tx, {
      orgId: row.orgId,
      from: ["PENDING"],
      to: "SUCCESS",
      message: null,
      ids: ops.map((o) => o.paymentId),
      set: { stellarTransactionHash: landed.hash, senderAddress: distribution?.publicKey ?? null },
      disbursementsLocked: true,
    });
    const token = landed.pagingToken;
    if (token && moved.length > 0) {
      // Horizon's operation id: the transaction's TOID plus the operation's 1-based index (one value per row: its own statement).
      await tx.execute(sql`
        update payments p set stellar_operation_id = (${token}::bigint + stp.op_index + 1)::text
        from stellar_transaction_payments stp
        where stp.transaction_id = ${row.id} and stp.payment_id = p.id and p.id = any(${uuidArray(moved.map((m) => m.id))})`);
    }
    if (moved.length !== row.operationCount) {
      ctx.log.error({ event: "stellar.settle.mismatch", tx: row.hash, moved: moved.length, ops: row.operationCount }, "settled payments differ from operations");
    }
    await finish(tx, row, {
      status: "SUCCESS",
      resultCode: "tx_success",
      resultXdr: landed.resultXdr || null,
      ledger: landed.ledger || null,
      pagingToken: token,
      lastError: null,
    });
    await releaseChannel(tx, row, true);
    await completeDisbursements(ctx, tx, row, disbursementIds);
  });
  ctx.log.debug({ event: "stellar.tx.success", hash: landed.hash, ledger: landed.ledger }, "transaction succeeded");
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
 * leave in another transaction. The channel's sequence number was consumed.
 */
export async function settleFailedOperations(
  ctx: EngineContext,
  transactionId: string,
  operationCodes: string[] | null,
  resultXdr: string | null,
  ledger: number | null = null,
): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await lockOpen(tx, transactionId);
    if (!row) return;
    const { ops, disbursementIds } = await lockForSettlement(tx, row);
    const [asset] = await tx.select({ code: assets.code }).from(assets).where(eq(assets.id, row.assetId));
    const codes = operationCodes ?? [];
    const failing = codes.map((c, i) => ({ c, i })).filter(({ c }) => c !== "op_success");
    if (failing.length === 0) {
      // No operation to blame: fail them all rather than resubmit blindly.
      await movePendingPayments(tx, row, ops, "FAILED", `tx_failed: ${failureMessage("tx_failed", asset?.code ?? "")}`);
    } else {
      const byCode = new Map<string, number[]>();
      for (const { c, i } of failing) byCode.set(c, [...(byCode.get(c) ?? []), i]);
      for (const [code, indexes] of byCode) {
        await movePendingPayments(tx, row, ops, "FAILED", `${code}: ${failureMessage(code, asset?.code ?? "")}`, indexes);
      }
      await movePendingPayments(tx, row, ops, "READY", "another payment in its transaction failed; it will be sent again");
    }
    await finish(tx, row, { status: "FAILED", resultCode: "tx_failed", resultXdr, ledger, lastError: failing.map((f) => `op ${f.i}: ${f.c}`).join(", ") || "tx_failed" });
    await releaseChannel(tx, row, true);
    await completeDisbursements(ctx, tx, row, disbursementIds);
  });
  ctx.log.info({ event: "stellar.tx.failed_operations", tx: transactionId, codes: operationCodes }, "transaction failed; failing payments marked");
}

/** It can no longer land (its bounds passed, or its sequence number is used): payments READY again. */
export async function settleExpired(ctx: EngineContext, transactionId: string, reason: string): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await lockOpen(tx, transactionId);
    if (!row) return;
    const { ops } = await lockForSettlement(tx, row);
    await movePendingPayments(tx, row, ops, "READY", `transaction expired before reaching the ledger (${reason}); it will be sent again`);
    await finish(tx, row, { status: "EXPIRED", resultCode: reason, lastError: reason });
    await releaseChannel(tx, row, false);
  });
  ctx.log.info({ event: "stellar.tx.expired", tx: transactionId, reason }, "transaction expired; payments requeued");
}

/** Rejected for good (e.g. tx_bad_auth): its payments FAILED with the code. */
export async function settleRejected(ctx: EngineContext, transactionId: string, code: string, resultXdr: string | null): Promise<void> {
  await ctx.db.transaction(async (tx) => {
    const row = await lockOpen(tx, transactionId);
    if (!row) return;
    const { ops } = await lockForSettlement(tx, row);
    const [asset] = await tx.select({ code: assets.code }).from(assets).where(eq(assets.id, row.assetId));
    await movePendingPayments(tx, row, ops, "FAILED", `${code}: ${failureMessage(code, asset?.code ?? "")}`);
    await finish(tx, row, { status: "FAILED", resultCode: code, resultXdr, lastError: code });
    await releaseChannel(tx, row, false);
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
