import { sql } from "drizzle-orm";
import { boolean, customType, index, integer, jsonb, numeric, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import {
  DISBURSEMENT_STATUSES,
  PAYMENT_STATUSES,
  REGISTRATION_CONTACT_TYPES,
  type PaymentStatusHistoryEntry,
  type StatusHistoryEntry,
} from "../../server/domain/disbursement-types";
import { assets, wallets } from "./catalog";
import { organizations } from "./organizations";
import { receivers, receiverWallets, verificationFieldEnum } from "./receivers";
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
    walletId: uuid()
      .notNull()
      .references(() => wallets.id, { onDelete: "restrict" }),
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
    index("disbursements_org_status_idx").on(t.orgId, t.status),
    index("disbursements_org_created_idx").on(t.orgId, t.createdAt),
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
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    disbursementId: uuid()
      .notNull()
      .references(() => disbursements.id, { onDelete: "cascade" }),
    receiverId: uuid()
      .notNull()
      .references(() => receivers.id, { onDelete: "restrict" }),
    receiverWalletId: uuid()
      .notNull()
      .references(() => receiverWallets.id, { onDelete: "restrict" }),
    assetId: uuid()
      .notNull()
      .references(() => assets.id, { onDelete: "restrict" }),
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
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("payments_disbursement_status_idx").on(t.disbursementId, t.status),
    index("payments_org_status_idx").on(t.orgId, t.status),
    index("payments_org_created_idx").on(t.orgId, t.createdAt),
    index("payments_receiver_idx").on(t.receiverId),
    index("payments_receiver_wallet_idx").on(t.receiverWalletId),
    index("payments_ready_idx")
      .on(t.status)
      .where(sql`${t.status} = 'READY'`),
  ],
);

export type Disbursement = typeof disbursements.$inferSelect;
export type Payment = typeof payments.$inferSelect;
