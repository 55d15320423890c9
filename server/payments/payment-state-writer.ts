import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { PaymentStatus, PaymentStatusHistoryEntry } from "@/server/domain/disbursement-types";
import { PAYMENT_TRANSITIONS } from "@/server/domain/state-machines";

/**
 * The one place that changes a payment's status (docs/performance.md, "Payment status writer").
 * Every move is checked against PAYMENT_TRANSITIONS, appends its history entry in the same
 * statement, and takes the locks in the platform's one order — disbursement rows (by id), then
 * payment rows — so pause, resume, cancel, retry, claim and settlement never deadlock. The
 * per-status totals follow by trigger in the same statement (db/schema/payment-totals.ts).
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
  /** …or every payment of this disbursement that is in `from`. */
  disbursementId?: string;
  /** Rail columns written with the move (retry clears the previous transaction's). */
  set?: { stellarTransactionHash?: string | null; stellarOperationId?: string | null; senderAddress?: string | null };
  now?: Date;
  /** The caller already holds these payments' disbursement locks (lockDisbursements…): not taken again. */
  disbursementsLocked?: boolean;
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

/** Move payments to a status in one set-based statement; returns the payments that moved. */
export async function movePaymentStatus(tx: DbOrTx, move: PaymentMove): Promise<MovedPayment[]> {
  assertPaymentMove(move.from, move.to);
  if (!move.ids === !move.disbursementId) throw new Error("movePaymentStatus needs exactly one of ids or disbursementId");
  if (move.ids && move.ids.length === 0) return [];
  if (move.disbursementsLocked) {
    // The caller took step 1 of the lock order itself.
  } else if (move.disbursementId) await lockDisbursements(tx, move.orgId, [move.disbursementId]);
  else await lockDisbursementsOfPayments(tx, move.orgId, move.ids!);

  const now = move.now ?? new Date();
  const entry: PaymentStatusHistoryEntry[] = [{ status: move.to, status_message: move.message, timestamp: now.toISOString() }];
  const which = move.ids ? sql`id = any(${uuidArray(move.ids)})` : sql`disbursement_id = ${move.disbursementId}`;
  const extra = [
    "stellarTransactionHash" in (move.set ?? {}) ? sql`, stellar_transaction_hash = ${move.set!.stellarTransactionHash ?? null}` : sql``,
    "stellarOperationId" in (move.set ?? {}) ? sql`, stellar_operation_id = ${move.set!.stellarOperationId ?? null}` : sql``,
    "senderAddress" in (move.set ?? {}) ? sql`, sender_address = ${move.set!.senderAddress ?? null}` : sql``,
  ];
  const rows = await tx.execute<{ id: string; disbursement_id: string }>(sql`
    update payments set status = ${move.to}::payment_status, status_message = ${move.message},
      status_history = status_history || ${JSON.stringify(entry)}::jsonb, updated_at = ${now.toISOString()}::timestamptz
      ${sql.join(extra, sql``)}
    where org_id = ${move.orgId} and ${which} and status = any(${paymentStatusArray(move.from)})
    returning id, disbursement_id`);
  return rows.map((r) => ({ id: r.id, disbursementId: r.disbursement_id }));
}
