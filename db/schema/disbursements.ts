import { sql } from "drizzle-orm";
import { boolean, customType, foreignKey, index, integer, jsonb, numeric, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import {
  DISBURSEMENT_STATUSES,
  PAYMENT_STATUSES,
  REGISTRATION_CONTACT_TYPES,
  type PaymentStatusHistoryEntry,
  type StatusHistoryEntry,
} from "../../server/domain/disbursement-types";
import { assets, wallets } from "./catalog";
import { railBatches } from "./connections";
import { organizations } from "./organizations";
import { receiverWallets, verificationFieldEnum } from "./receivers";
import { users } from "./users";

export const disbursementStatusEnum = pgEnum("disbursement_status", DISBURSEMENT_STATUSES);
export const paymentStatusEnum = pgEnum("payment_status", PAYMENT_STATUSES);
export const registrationContactTypeEnum = pgEnum("registration_contact_type", REGISTRATION_CONTACT_TYPES);

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

export const disbursements = pgTable(
  "disbursements",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    /** The wallet provider receivers register with; null for BANK_ACCOUNT disbursements (payees given by bank account). */
    walletId: uuid().references(() => wallets.id, { onDelete: "restrict" }),
    assetId: uuid()
      .notNull()
      .references(() => assets.id, { onDelete: "restrict" }),
    status: disbursementStatusEnum().notNull().default("DRAFT"),
    registrationContactType: registrationContactTypeEnum().notNull(),
    verificationField: verificationFieldEnum(),
    receiverRegistrationMessageTemplate: text(),
    /** Append-only: `{user_id, status, timestamp}` per change, written with the change. */
    statusHistory: jsonb().$type<StatusHistoryEntry[]>().notNull().default([]),
    fileName: text(),
    /**
     * Envelope (G2P Bridge): what the disbursement declares it will hold and when it may be paid.
     * Payments are accepted only while the received count and total stay within the declared ones;
     * it starts only when they are equal and `scheduledAt` has come. Null: not declared.
     */
    declaredCount: integer(),
    declaredTotal: numeric({ precision: 19, scale: 7 }),
    scheduledAt: timestamp({ withTimezone: true }),
    /** Started by the scheduler once complete and due (G2P envelopes), rather than by a person. */
    autoStart: boolean().notNull().default(false),
    /** When the envelope was cancelled (status CANCELED); final. */
    cancelledAt: timestamp({ withTimezone: true }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("disbursements_org_name_key").on(t.orgId, t.name),
    // The target of payments_disbursement_org_asset_fk (migration 0008).
    uniqueIndex("disbursements_id_org_asset_key").on(t.id, t.orgId, t.assetId),
    // Keyset pagination: each index ends with a sort option's key and the id (migration 0007).
    index("disbursements_org_status_idx").on(t.orgId, t.status, t.createdAt, t.id),
    index("disbursements_org_created_idx").on(t.orgId, t.createdAt, t.id),
    // The claim's candidates: STARTED disbursements, oldest first (migration 0009).
    index("disbursements_started_idx")
      .on(t.createdAt, t.id)
      .where(sql`${t.status} = 'STARTED'`),
  ],
);

/** The instructions file as uploaded, kept for download and audit. */
export const disbursementFiles = pgTable("disbursement_files", {
  disbursementId: uuid()
    .primaryKey()
    .references(() => disbursements.id, { onDelete: "cascade" }),
  orgId: uuid()
    .notNull()
    .references(() => organizations.id, { onDelete: "cascade" }),
  fileName: text().notNull(),
  contentType: text().notNull().default("text/csv"),
  content: bytea().notNull(),
  sizeBytes: integer().notNull(),
  rowCount: integer().notNull(),
  uploadedBy: uuid().references(() => users.id, { onDelete: "set null" }),
  uploadedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
});

export const payments = pgTable(
  "payments",
  {
    id: uuid().primaryKey().defaultRandom(),
    // orgId, disbursementId and assetId: one composite key to the disbursement (payments_disbursement_org_asset_fk below).
    orgId: uuid().notNull(),
    disbursementId: uuid().notNull(),
    // receiverId and receiverWalletId: one composite key to the receiver wallet (payments_receiver_wallet_receiver_fk below).
    receiverId: uuid().notNull(),
    receiverWalletId: uuid().notNull(),
    assetId: uuid().notNull(),
    amount: numeric({ precision: 19, scale: 7 }).notNull(),
    status: paymentStatusEnum().notNull().default("DRAFT"),
    statusMessage: text(),
    statusHistory: jsonb().$type<PaymentStatusHistoryEntry[]>().notNull().default([]),
    /** `paymentID` column of the instructions: the organization's own reference. */
    externalPaymentId: text(),
    /** Line of the instructions file this payment came from. */
    lineNumber: integer(),
    stellarTransactionHash: text(),
    stellarOperationId: text(),
    senderAddress: text(),
    /**
     * The connection the payment goes through and the routing rule that chose it (docs/rails.md "Routing
     * rules"). Not foreign keys (migration 0011): a key probe per inserted payment locked the same
     * connection row 100,000 times in an import. Instead, whoever routes payments holds the
     * organization's connections FOR KEY SHARE (loadRouting), and deleteConnection locks the row and
     * refuses while any payment names it. The rule id is a record of what chose the payment: a deleted
     * rule leaves it in place (its audit row says what it was).
     */
    connectionId: uuid(),
    routingRuleId: uuid(),
    /** The shipment that carries this payment, for rails that settle later (docs/rails.md "Dispatcher"). */
    railBatchId: uuid().references(() => railBatches.id, { onDelete: "set null" }),
    /** The rail's identifier of this payment (a transaction hash, an end-to-end id, a transfer id), stored before sending. */
    railReference: text(),
    /** What the rail reported beyond the status (shipment, bank reply, fees), for display and audit. */
    railDetails: jsonb().$type<Record<string, unknown>>(),
    /** The rail's failure code (op_no_trust, AC01, …); the plain-words message is statusMessage. */
    failureCode: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // One foreign-key probe per inserted payment instead of three (migration 0008, docs/performance.md "Import"):
    // the payment's organization and asset are its disbursement's (which references both).
    foreignKey({
      name: "payments_disbursement_org_asset_fk",
      columns: [t.disbursementId, t.orgId, t.assetId],
      foreignColumns: [disbursements.id, disbursements.orgId, disbursements.assetId],
    }).onDelete("cascade"),
    // Likewise the payment's receiver is its receiver wallet's (whose key to the receiver cascades, so a
    // receiver with payments still cannot be deleted: this key restricts the wallet's delete).
    foreignKey({
      name: "payments_receiver_wallet_receiver_fk",
      columns: [t.receiverWalletId, t.receiverId],
      foreignColumns: [receiverWallets.id, receiverWallets.receiverId],
    }).onDelete("restrict"),
    // Lists page by keyset (sort key, id); search is by prefix (migration 0007, docs/performance.md "Lists").
    index("payments_disbursement_status_idx").on(t.disbursementId, t.status, t.lineNumber, t.id),
    index("payments_org_status_idx").on(t.orgId, t.status, t.createdAt, t.id),
    index("payments_org_created_idx").on(t.orgId, t.createdAt, t.id),
    index("payments_org_updated_idx").on(t.orgId, t.updatedAt, t.id),
    index("payments_org_amount_idx").on(t.orgId, t.amount, t.id),
    index("payments_org_external_payment_id_search_idx")
      .on(t.orgId, sql`lower(${t.externalPaymentId}) text_pattern_ops`)
      .where(sql`${t.externalPaymentId} is not null`),
    index("payments_receiver_idx").on(t.receiverId),
    index("payments_receiver_wallet_idx").on(t.receiverWalletId),
    index("payments_rail_batch_idx")
      .on(t.railBatchId)
      .where(sql`${t.railBatchId} is not null`),
    index("payments_connection_idx")
      .on(t.connectionId)
      .where(sql`${t.connectionId} is not null`),
    // The claim's "next READY payments of this disbursement" (server/rails/stellar/engine/claim-payment-batch.ts, migration 0009).
    index("payments_ready_claim_idx")
      .on(t.disbursementId, t.lineNumber, t.id)
      .where(sql`${t.status} = 'READY'`),
    // The dispatcher's "READY payments of this disbursement routed to this connection" (server/rails/dispatcher/claim-rail-batch.ts,
    // migration 0011): without it, a bank connection's idle poll walked every READY Stellar payment of a large disbursement.
    index("payments_ready_connection_claim_idx")
      .on(t.disbursementId, t.connectionId, t.lineNumber, t.id)
      .where(sql`${t.status} = 'READY'`),
  ],
);

export type Disbursement = typeof disbursements.$inferSelect;
export type Payment = typeof payments.$inferSelect;
