import type { DisbursementStatus, PaymentStatus, ReceiverWalletStatus } from "./disbursement-types";

/**
 * The state machines of docs/domain.md#state-machines as explicit transition tables. The server enforces them;
 * the UI reads them to show only the actions that are allowed.
 */
export const DISBURSEMENT_TRANSITIONS: Record<DisbursementStatus, readonly DisbursementStatus[]> = {
  // CANCELED: an envelope cancelled before its schedule date (and before it started); final.
  DRAFT: ["READY", "CANCELED"],
  READY: ["READY", "STARTED", "CANCELED"],
  STARTED: ["PAUSED", "COMPLETED"],
  PAUSED: ["STARTED"],
  COMPLETED: [],
  CANCELED: [],
};

export const PAYMENT_TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  // DRAFT → CANCELED: a payment of an envelope cancelled (whole or this item) before it started.
  DRAFT: ["READY", "CANCELED"],
  READY: ["PENDING", "PAUSED", "CANCELED", "FAILED"],
  PAUSED: ["READY"],
  // PENDING → READY: the engine requeues a payment whose transaction expired unsubmitted or failed
  // only because another operation in it failed (operations in one transaction are atomic).
  PENDING: ["SUCCESS", "FAILED", "READY"],
  FAILED: ["READY"],
  // SUCCESS → FAILED: the bank reversed or returned a paid payment (MT940 `RD`, camt RvslInd/RtrInf),
  // read by reconciliation (server/services/bank-files/import-bank-file.ts, docs/rails.md).
  SUCCESS: ["FAILED"],
  CANCELED: [],
};

export const RECEIVER_WALLET_TRANSITIONS: Record<ReceiverWalletStatus, readonly ReceiverWalletStatus[]> = {
  DRAFT: ["READY"],
  READY: ["REGISTERED", "FLAGGED"],
  REGISTERED: ["FLAGGED", "READY"],
  FLAGGED: ["READY", "REGISTERED"],
};

/** Disbursements in these states may be deleted (with their draft payments). */
export const DELETABLE_DISBURSEMENT_STATUSES: readonly DisbursementStatus[] = ["DRAFT", "READY"];
/** Instructions may be (re-)uploaded in these states. */
export const UPLOADABLE_DISBURSEMENT_STATUSES: readonly DisbursementStatus[] = ["DRAFT", "READY"];

export function canTransition<S extends string>(table: Record<S, readonly S[]>, from: S, to: S): boolean {
  return table[from]?.includes(to) ?? false;
}

/** A message naming the allowed targets, for a 400 answer to a forbidden transition. */
export function transitionError<S extends string>(what: string, table: Record<S, readonly S[]>, from: S, to: S): string {
  const allowed = table[from] ?? [];
  return allowed.length === 0
    ? `A ${what} in status ${from} cannot change status (requested ${to}).`
    : `A ${what} cannot go from ${from} to ${to}. Allowed from ${from}: ${allowed.join(", ")}.`;
}

/** The status actions a user sees on a disbursement: the manual transitions (COMPLETED is automatic). */
export function manualDisbursementActions(status: DisbursementStatus): DisbursementStatus[] {
  return DISBURSEMENT_TRANSITIONS[status].filter((s) => s === "STARTED" || s === "PAUSED");
}
