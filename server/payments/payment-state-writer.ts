import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { PaymentStatus, PaymentStatusHistoryEntry } from "@/server/domain/disbursement-types";
import { PAYMENT_TRANSITIONS } from "@/server/domain/state-machines";

/**
 * The one place that changes a payment's status (docs/performance.md, "Payment status writer").
 * Every move is checked against PAYMENT_TRANSITIONS, appends its history entry in the same
 * statement, and takes the locks in the platform's one order — disbursement rows (by id), then
 * payment rows, then totals rows — so pause, resume, cancel, retry, claim and settlement never
 * deadlock. The engine's claim and settlement take the disbursement FOR SHARE (shareDisbursements,
 * `withoutDisbursementLock`), so they never queue on each other at its row. The per-status totals
 * follow by trigger in the same statement (db/schema/payment-totals.ts).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A PostgreSQL uuid[] literal: one parameter, whatever the number of ids (no 65,535-parameter limit). */
export function uuidArray(ids: readonly string[]) {
  for (const id of ids) if (!UUID.test(id)) throw new Error(`not a uuid: ${JSON.stringify(id)}`);
  return sql`${`{${ids.join(",")}}`}::uuid[]`;
}

/** A PostgreSQL payment_status[] parameter (statuses come from the typed enumeration, never from input text). */
export function paymentStatusArray(statuses: readonly PaymentStatus[]) {
  return sql`${`{${statuses.join(",")}}`}::payment_status[]`;
}

export type PaymentMove = {
  orgId: string;
  /** Only payments currently in one of these statuses move; each must be allowed to reach `to`. */
  from: readonly PaymentStatus[];
  to: PaymentStatus;
  message: string | null;
  /** Which payments: exactly these ids (those not in `from` stay as they are)… */
  ids?: readonly string[];
  /** …or every payment of this disbursement that is in `from`… */
  disbursementId?: string;
  /** …or the payments of this Stellar transaction (its stellar_transaction_payments rows). */
  stellarTransactionId?: string;
  /**
   * Rail columns written with the move (retry clears the previous transaction's). `operationIdBase`
   * (only with `stellarTransactionId`): Horizon's operation id of each payment is this TOID plus its
   * operation's 1-based index, written in the same statement as the move.
   */
  set?: {
    stellarTransactionHash?: string | null;
    stellarOperationId?: string | null;
    senderAddress?: string | null;
    operationIdBase?: string | null;
    /** Rail-neutral columns (docs/rails.md): the rail's reference, its shipment, its failure code. */
    railReference?: string | null;
    railBatchId?: string | null;
    failureCode?: string | null;
    /** Merged into rail_details (jsonb ||), not replacing it. */
    railDetails?: Record<string, unknown>;
    /** The routing a start records (server/services/routing/route-disbursement-payments.ts): written with the move, no second write. */
    connectionId?: string | null;
    routingRuleId?: string | null;
  };
  /**
   * Per-payment rail details merged into `rail_details` (and each one's failure code, when given) in the
   * same statement as the move — bank reconciliation's reply, booking date and reference differ per
   * payment (docs/rails.md, "Reconciliation"): one row version per payment instead of two. Needs `ids`;
   * only ids listed here move. Not combined with `set.railDetails`/`set.failureCode`. `reference`, when
   * given, is the payment's rail reference (the dispatcher's claim stores each one with the move).
   */
  railUpdates?: readonly { id: string; details: Record<string, unknown>; failureCode?: string | null; reference?: string }[];
  /**
   * `railUpdates` read from a staging table the caller filled in this transaction — columns `g int`,
   * `pay_id uuid`, `d jsonb`, `s boolean` (set the failure code), `c text` (the code), `r text` (the
   * reference) — instead of a JSON parameter: its rows whose `g` is `group` say which payments move
   * (in place of `ids`). A bank statement moves 100,000 payments in one statement this way, with nothing
   * to build or parse as JSON (server/services/bank-files/import-bank-file.ts). Needs `disbursementsLocked`.
   */
  railUpdatesTable?: { name: string; group: number };
  now?: Date;
  /** The caller already holds these payments' disbursement locks (lockDisbursements…): not taken again. */
  disbursementsLocked?: boolean;
  /**
   * The engine's payment-level moves (claim READY → PENDING, settlement PENDING → …): the caller
   * holds the disbursement FOR SHARE (shareDisbursements) and its payment rows (claim: FOR UPDATE SKIP
   * LOCKED; settlement: its transaction's own payments); the totals rows come last, so engine
   * transactions of one disbursement run side by side and meet only there (docs/performance.md, "Lock order").
   */
  withoutDisbursementLock?: boolean;
};

export type MovedPayment = { id: string; disbursementId: string };

/** Throws when a move breaks the payment transition table: a programming error, never user input. */
export function assertPaymentMove(from: readonly PaymentStatus[], to: PaymentStatus) {
  const bad = from.filter((s) => !PAYMENT_TRANSITIONS[s].includes(to));
  if (bad.length > 0) throw new Error(`payment transition not allowed: ${bad.join(", ")} → ${to}`);
}

/** Lock disbursements in id order (FOR NO KEY UPDATE): the first lock of every payment-status change. */
export async function lockDisbursements(tx: DbOrTx, orgId: string, disbursementIds: readonly string[]): Promise<string[]> {
  if (disbursementIds.length === 0) return [];
  const rows = await tx.execute<{ id: string }>(sql`
    select id from disbursements where org_id = ${orgId} and id = any(${uuidArray([...new Set(disbursementIds)])})
    order by id for no key update`);
  return rows.map((r) => r.id);
}

/**
 * The totals rows of these disbursements and statuses, locked in (disbursement, status) order — the
 * trigger's own order. For a transaction that moves payments of a disbursement more than once
 * without holding the disbursement lock (a settlement whose transaction failed: some payments FAILED,
 * the others READY): it takes every totals row it will touch at once, after its payment rows and
 * before its first move, so two such transactions can never hold one totals row each and wait for the other's.
 */
export async function lockPaymentTotals(tx: DbOrTx, disbursementIds: readonly string[], statuses: readonly PaymentStatus[]): Promise<void> {
  if (disbursementIds.length === 0 || statuses.length === 0) return;
  await tx.execute(sql`
    select 1 from disbursement_payment_totals
    where disbursement_id = any(${uuidArray([...new Set(disbursementIds)])}) and status = any(${paymentStatusArray(statuses)})
    order by disbursement_id, status for update`);
}

/**
 * The engine's disbursement lock (claim, settlement): FOR SHARE in id order. Claims and settlements
 * of one disbursement hold it together (they never queue on each other here: they meet only on the
 * totals rows, in their last statement), while pause, resume, cancel, retry and bank imports —
 * which lock FOR NO KEY UPDATE — wait for them and they for those. So no engine transaction ever
 * interleaves with a transaction that moves payments of the same disbursement several times in
 * its own order (docs/performance.md, "Lock order").
 */
export async function shareDisbursements(tx: DbOrTx, disbursementIds: readonly string[], onlyStarted = false): Promise<string[]> {
  if (disbursementIds.length === 0) return [];
  const rows = await tx.execute<{ id: string }>(sql`
    select id from disbursements where id = any(${uuidArray([...new Set(disbursementIds)])}) ${onlyStarted ? sql`and status = 'STARTED'` : sql``}
    order by id for share`);
  return rows.map((r) => r.id);
}

/** The disbursements these payments belong to, locked in id order. */
export async function lockDisbursementsOfPayments(tx: DbOrTx, orgId: string, paymentIds: readonly string[]): Promise<string[]> {
  if (paymentIds.length === 0) return [];
  const rows = await tx.execute<{ id: string }>(sql`
    select distinct disbursement_id as id from payments where org_id = ${orgId} and id = any(${uuidArray(paymentIds)})`);
  return lockDisbursements(
    tx,
    orgId,
    rows.map((r) => r.id),
  );
}

/** The disbursements of a Stellar transaction's payments, locked in id order. */
async function lockDisbursementsOfTransaction(tx: DbOrTx, orgId: string, transactionId: string): Promise<string[]> {
  const rows = await tx.execute<{ id: string }>(sql`
    select distinct p.disbursement_id as id from stellar_transaction_payments stp join payments p on p.id = stp.payment_id
    where stp.transaction_id = ${transactionId} and p.org_id = ${orgId}`);
  return lockDisbursements(
    tx,
    orgId,
    rows.map((r) => r.id),
  );
}

/** Move payments to a status in one set-based statement; returns the payments that moved. */
export async function movePaymentStatus(tx: DbOrTx, move: PaymentMove): Promise<MovedPayment[]> {
  assertPaymentMove(move.from, move.to);
  if ([move.ids, move.disbursementId, move.stellarTransactionId, move.railUpdatesTable].filter((w) => w !== undefined).length !== 1) {
    throw new Error("movePaymentStatus needs exactly one of ids, disbursementId, stellarTransactionId or railUpdatesTable");
  }
  if (move.railUpdatesTable && (!move.disbursementsLocked || !/^[a-z_][a-z0-9_]*$/.test(move.railUpdatesTable.name) || move.railUpdates || move.set))
    throw new Error("railUpdatesTable needs disbursementsLocked, a plain table name and no railUpdates or set");
  if (move.ids && move.ids.length === 0) return [];
  if (move.set?.operationIdBase !== undefined && !move.stellarTransactionId) throw new Error("operationIdBase needs stellarTransactionId");
  if (move.disbursementsLocked || move.withoutDisbursementLock) {
    // The caller took step 1 of the lock order itself, or (engine) needs no disbursement lock.
  } else if (move.disbursementId) await lockDisbursements(tx, move.orgId, [move.disbursementId]);
  else if (move.ids) await lockDisbursementsOfPayments(tx, move.orgId, move.ids);
  else await lockDisbursementsOfTransaction(tx, move.orgId, move.stellarTransactionId!);

  const now = move.now ?? new Date();
  const entry: PaymentStatusHistoryEntry[] = [{ status: move.to, status_message: move.message, timestamp: now.toISOString() }];
  const which = move.ids
    ? sql`p.id = any(${uuidArray(move.ids)})`
    : move.disbursementId
      ? sql`p.disbursement_id = ${move.disbursementId}`
      : move.stellarTransactionId
        ? sql`stp.transaction_id = ${move.stellarTransactionId} and stp.payment_id = p.id`
        : sql`rail_update.g = ${move.railUpdatesTable!.group}`;
  if (move.railUpdates && (!move.ids || move.set?.railDetails || "failureCode" in (move.set ?? {}) || "railReference" in (move.set ?? {})))
    throw new Error("railUpdates needs ids and no set.railDetails/failureCode/railReference");
  const rail =
    move.railUpdates || move.railUpdatesTable
      ? {
          from: move.railUpdatesTable
            ? sql` from ${sql.identifier(move.railUpdatesTable.name)} as rail_update`
            : sql` from json_to_recordset(${JSON.stringify(move.railUpdates!.map((r) => ({ pay_id: r.id, d: r.details, s: r.failureCode !== undefined, c: r.failureCode ?? null, r: r.reference ?? null })))}::json)
          as rail_update(pay_id uuid, d jsonb, s boolean, c text, r text)`,
          set: sql`, rail_details = coalesce(p.rail_details, '{}'::jsonb) || rail_update.d, failure_code = case when rail_update.s then rail_update.c else p.failure_code end,
          rail_reference = coalesce(rail_update.r, p.rail_reference)`,
          where: sql` and p.id = rail_update.pay_id`,
        }
      : { from: sql``, set: sql``, where: sql`` };
  const set = move.set ?? {};
  const operationId = set.operationIdBase ? sql`, stellar_operation_id = (${set.operationIdBase}::bigint + stp.op_index + 1)::text` : sql``;
  const extra = [
    "stellarTransactionHash" in set ? sql`, stellar_transaction_hash = ${set.stellarTransactionHash ?? null}` : sql``,
    "stellarOperationId" in set ? sql`, stellar_operation_id = ${set.stellarOperationId ?? null}` : operationId,
    "senderAddress" in set ? sql`, sender_address = ${set.senderAddress ?? null}` : sql``,
    "railReference" in set ? sql`, rail_reference = ${set.railReference ?? null}` : sql``,
    "railBatchId" in set ? sql`, rail_batch_id = ${set.railBatchId ?? null}::uuid` : sql``,
    "failureCode" in set ? sql`, failure_code = ${set.failureCode ?? null}` : sql``,
    "connectionId" in set ? sql`, connection_id = ${set.connectionId ?? null}::uuid` : sql``,
    "routingRuleId" in set ? sql`, routing_rule_id = ${set.routingRuleId ?? null}::uuid` : sql``,
    set.railDetails ? sql`, rail_details = coalesce(p.rail_details, '{}'::jsonb) || ${JSON.stringify(set.railDetails)}::jsonb` : sql``,
  ];
  // The Stellar transaction's own link table, or the rail's per-payment details, joined in (never both: rail updates need ids).
  const from = move.stellarTransactionId ? sql` from stellar_transaction_payments stp` : rail.from;
  const rows = await tx.execute<{ id: string; disbursement_id: string }>(sql`
    update payments p set status = ${move.to}::payment_status, status_message = ${move.message},
      status_history = p.status_history || ${JSON.stringify(entry)}::jsonb, updated_at = ${now.toISOString()}::timestamptz
      ${sql.join(extra, sql``)}${rail.set}${from}
    where p.org_id = ${move.orgId} and ${which}${rail.where} and p.status = any(${paymentStatusArray(move.from)})
    returning p.id, p.disbursement_id`);
  return rows.map((r) => ({ id: r.id, disbursementId: r.disbursement_id }));
}
