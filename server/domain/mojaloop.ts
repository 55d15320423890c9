/**
 * The Mojaloop rail's states (docs/rails/mojaloop.md). Pure: shared by the schema, the rail and the browser.
 *
 * A rail batch of a Mojaloop connection is paid in bulks, one per payee FSP (FSPIOP bulk quotes and bulk
 * transfers name one payee FSP each) and at most 1,000 payments. Every id is chosen and stored before the
 * request that carries it is sent; a callback that never comes is answered by asking the switch
 * (GET /bulkQuotes/{id}, GET /bulkTransfers/{id}), never by sending a transfer again.
 */

/** Lookup of one payee (GET /parties): PENDING until the switch calls back. */
export const MOJALOOP_PARTY_STATUSES = ["PENDING", "RESOLVED", "NOT_FOUND", "FAILED"] as const;
export type MojaloopPartyStatus = (typeof MOJALOOP_PARTY_STATUSES)[number];

/**
 * One bulk: QUOTING (bulk quote id stored, request sent or about to be) → QUOTED (conditions stored) →
 * TRANSFERRING (bulk transfer id stored, request sent or about to be) → COMPLETED (every item final).
 * An expired quote goes back to QUOTING under a new bulk quote id; FAILED when the switch refuses the
 * whole bulk before any money moved.
 */
export const MOJALOOP_BULK_STATES = ["QUOTING", "QUOTED", "TRANSFERRING", "COMPLETED", "FAILED"] as const;
export type MojaloopBulkState = (typeof MOJALOOP_BULK_STATES)[number];

export const MOJALOOP_BULK_TRANSITIONS: Readonly<Record<MojaloopBulkState, readonly MojaloopBulkState[]>> = {
  QUOTING: ["QUOTED", "FAILED"],
  QUOTED: ["TRANSFERRING", "QUOTING", "FAILED"],
  TRANSFERRING: ["COMPLETED", "QUOTING"],
  COMPLETED: [],
  FAILED: [],
};

/**
 * One payment's transfer: QUOTING → QUOTED (ILP packet and condition stored) → TRANSFERRING → COMMITTED
 * (fulfilment checked against the condition) or FAILED (an FSPIOP error for this item, or ABORTED).
 */
export const MOJALOOP_TRANSFER_STATES = ["QUOTING", "QUOTED", "TRANSFERRING", "COMMITTED", "FAILED"] as const;
export type MojaloopTransferState = (typeof MOJALOOP_TRANSFER_STATES)[number];

export function canMoveBulk(from: MojaloopBulkState, to: MojaloopBulkState): boolean {
  return MOJALOOP_BULK_TRANSITIONS[from].includes(to);
}

/** FSPIOP caps a bulk quote and a bulk transfer at 1,000 individual items. */
export const MOJALOOP_MAX_BULK_ITEMS = 1_000;
