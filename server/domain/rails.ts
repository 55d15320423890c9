/**
 * Enumerations of the payment interoperability layer (docs/rails.md): which rails exist, what a
 * destination can be, the health of a payment connection, the kinds of assets and the bank files the
 * platform reads. Pure: shared by the schema, the services and the browser.
 */
export const RAIL_TYPES = ["STELLAR", "BANK", "MOJALOOP"] as const;
export type RailType = (typeof RAIL_TYPES)[number];

/** Where a payment goes. A receiver wallet holds exactly one destination once it is known. */
export const DESTINATION_KINDS = ["STELLAR_ADDRESS", "BANK_ACCOUNT", "IBAN", "MSISDN", "EMAIL"] as const;
export type DestinationKind = (typeof DESTINATION_KINDS)[number];

export const CONNECTION_HEALTH = ["UNKNOWN", "HEALTHY", "UNHEALTHY"] as const;
export type ConnectionHealth = (typeof CONNECTION_HEALTH)[number];

/** STELLAR: a Stellar asset (7 decimals; empty issuer = XLM). FIAT: an ISO 4217 currency paid through a bank or switch. */
export const ASSET_KINDS = ["STELLAR", "FIAT"] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

export const BANK_FILE_FORMATS = ["PAIN002", "CAMT053", "CAMT054", "MT940"] as const;
export type BankFileFormat = (typeof BANK_FILE_FORMATS)[number];

export const BANK_FILE_SOURCES = ["UPLOAD", "API", "BANK_PUSH"] as const;
export type BankFileSource = (typeof BANK_FILE_SOURCES)[number];

/**
 * What reconciliation did with one entry of a bank file. Nothing is dropped silently: every entry is
 * stored with its outcome, and every outcome but MATCHED and ALREADY_APPLIED is listed for staff.
 */
export const RECONCILIATION_OUTCOMES = ["MATCHED", "ALREADY_APPLIED", "UNMATCHED", "DUPLICATE", "AMOUNT_MISMATCH", "INVALID_STATE"] as const;
export type ReconciliationOutcome = (typeof RECONCILIATION_OUTCOMES)[number];

/**
 * Rails the platform can pay through today: the worker's one dispatcher pays them all (server/rails/dispatcher;
 * Stellar through its claim lanes, banks and Mojaloop switches through stored batches — Mojaloop's moved by
 * the rail's own batch steps, PaymentRail.advanceBatch). Starting a disbursement whose payments route to a
 * connection of another rail is refused with the payments listed (docs/rails.md "Routing rules").
 */
export const DISPATCHED_RAILS: readonly RailType[] = ["STELLAR", "BANK", "MOJALOOP"];

/**
 * A shipment of payments to a rail that does not settle synchronously (a bank): stored before anything
 * is sent (docs/rails.md "Dispatcher"). CLAIMED → (funds checked and blocked) FUNDS_BLOCKED → SHIPPING →
 * SHIPPED, or AWAITING_UPLOAD when the bank takes files through its portal; FUNDS_NOT_AVAILABLE is
 * retried; FAILED when the bank refuses the shipment (its payments fail with the reason). A switch
 * (Mojaloop) batch goes CLAIMED → QUOTING (its bulks are quoted and transferred, server/domain/mojaloop.ts)
 * → COMPLETED once every bulk has its final answer.
 */
export const RAIL_BATCH_STATUSES = [
  "CLAIMED",
  "FUNDS_NOT_AVAILABLE",
  "FUNDS_BLOCKED",
  "SHIPPING",
  "SHIPPED",
  "AWAITING_UPLOAD",
  "FAILED",
  "QUOTING",
  "COMPLETED",
] as const;
export type RailBatchStatus = (typeof RAIL_BATCH_STATUSES)[number];
