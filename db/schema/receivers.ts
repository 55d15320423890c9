import { sql } from "drizzle-orm";
import { bigint, foreignKey, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { RECEIVER_WALLET_STATUSES, VERIFICATION_FIELDS, type StatusHistoryEntry } from "../../server/domain/disbursement-types";
import { wallets } from "./catalog";
import { destinationKindEnum } from "./connections";
import { organizations } from "./organizations";

export const receiverWalletStatusEnum = pgEnum("receiver_wallet_status", RECEIVER_WALLET_STATUSES);
export const verificationFieldEnum = pgEnum("verification_field", VERIFICATION_FIELDS);

/** People an organization pays. Matched by contact (phone or lower-cased email) within the organization. */
export const receivers = pgTable(
  "receivers",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    externalId: text().notNull(),
    phoneNumber: text(),
    email: text(),
    /** Attributes routing rules can match (e.g. `region`), from a CSV column or a G2P `meta` field; keys lower-case. */
    attributes: jsonb().$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("receivers_org_phone_key")
      .on(t.orgId, t.phoneNumber)
      .where(sql`${t.phoneNumber} is not null`),
    uniqueIndex("receivers_org_email_key")
      .on(t.orgId, t.email)
      .where(sql`${t.email} is not null`),
    // Lists page by keyset (sort key, id); search is by prefix (migration 0007, docs/performance.md "Lists").
    index("receivers_org_external_id_idx").on(t.orgId, t.externalId, t.id),
    // The target of the receiver_*_receiver_org_fk keys below (migration 0008).
    uniqueIndex("receivers_id_org_key").on(t.id, t.orgId),
    index("receivers_org_created_idx").on(t.orgId, t.createdAt, t.id),
    index("receivers_org_updated_idx").on(t.orgId, t.updatedAt, t.id),
    index("receivers_org_phone_search_idx")
      .on(t.orgId, t.phoneNumber.op("text_pattern_ops"))
      .where(sql`${t.phoneNumber} is not null`),
    index("receivers_org_email_search_idx")
      .on(t.orgId, t.email.op("text_pattern_ops"))
      .where(sql`${t.email} is not null`),
    index("receivers_org_external_id_search_idx").on(t.orgId, sql`lower(${t.externalId}) text_pattern_ops`),
  ],
);

/**
 * Receivers per organization, kept by statement-level triggers on `receivers` in the same transaction
 * as every insert and delete (migration 0007), so the receivers list's total is read, not counted.
 */
export const organizationReceiverCounts = pgTable("organization_receiver_counts", {
  orgId: uuid()
    .primaryKey()
    .references(() => organizations.id, { onDelete: "cascade" }),
  receiverCount: bigint({ mode: "number" }).notNull().default(0),
});

/** Verification values (date of birth, PIN, ...) are kept only as keyed hashes. */
export const receiverVerifications = pgTable(
  "receiver_verifications",
  {
    // receiverId and orgId: one composite key to the receiver (receiver_verifications_receiver_org_fk below).
    receiverId: uuid().notNull(),
    orgId: uuid().notNull(),
    verificationField: verificationFieldEnum().notNull(),
    hashedValue: text().notNull(),
    attempts: integer().notNull().default(0),
    confirmedAt: timestamp({ withTimezone: true }),
    failedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.receiverId, t.verificationField] }),
    // One foreign-key probe per inserted row instead of two (migration 0008, docs/performance.md "Import").
    foreignKey({ name: "receiver_verifications_receiver_org_fk", columns: [t.receiverId, t.orgId], foreignColumns: [receivers.id, receivers.orgId] }).onDelete("cascade"),
  ],
);

/**
 * A receiver's registration with one wallet provider and the destination payments go to: a Stellar
 * address given at registration or in the instructions, or a bank account given in the instructions
 * (docs/rails.md "Destinations"). `stellarAddress`/`stellarMemo` are derived from the destination
 * (generated columns) for the Stellar engine's readers; write the destination columns.
 */
export const receiverWallets = pgTable(
  "receiver_wallets",
  {
    id: uuid().primaryKey().defaultRandom(),
    // orgId and receiverId: one composite key to the receiver (receiver_wallets_receiver_org_fk below).
    orgId: uuid().notNull(),
    receiverId: uuid().notNull(),
    /** Null for a bank account given in the instructions (no wallet provider, nothing to register). */
    walletId: uuid().references(() => wallets.id, { onDelete: "restrict" }),
    status: receiverWalletStatusEnum().notNull().default("DRAFT"),
    destinationKind: destinationKindEnum(),
    /** Canonical value: G… address, IBAN without spaces, account number, E.164 phone, lower-case email. */
    destinationValue: text(),
    /** Stellar memo or a payment reference the destination needs. */
    destinationMemo: text(),
    /** Bank details beside an account number: bank code, BIC, branch, account holder's name. */
    destinationDetails: jsonb().$type<{ bankCode?: string; bic?: string; branch?: string; holderName?: string }>(),
    stellarAddress: text().generatedAlwaysAs(sql`case when destination_kind = 'STELLAR_ADDRESS' then destination_value end`),
    stellarMemo: text().generatedAlwaysAs(sql`case when destination_kind = 'STELLAR_ADDRESS' then destination_memo end`),
    statusHistory: jsonb().$type<StatusHistoryEntry[]>().notNull().default([]),
    /** Invitations sent for this wallet (first + resends) and when the last one went out. */
    invitationsSent: integer().notNull().default(0),
    lastInvitationAt: timestamp({ withTimezone: true }),
    /**
     * Registration: the current link's nonce (a new link replaces it; registering clears it, so a
     * used link stops working), and the one-time code sent to the contact (hashed) with its limits.
     */
    registrationNonce: text(),
    otpHash: text(),
    otpExpiresAt: timestamp({ withTimezone: true }),
    otpAttempts: integer().notNull().default(0),
    otpConfirmedAt: timestamp({ withTimezone: true }),
    /**
     * Daily caps on one-time codes (docs/security.md): codes sent and wrong guesses since
     * otpDayStartedAt; past either cap the registration locks until staff unlock it.
     */
    otpDayStartedAt: timestamp({ withTimezone: true }),
    otpCodesToday: integer().notNull().default(0),
    otpGuessesToday: integer().notNull().default(0),
    otpLockedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("receiver_wallets_receiver_wallet_key").on(t.receiverId, t.walletId),
    // One row per bank account of a receiver; payments point at the row holding their account.
    uniqueIndex("receiver_wallets_receiver_account_key")
      .on(t.receiverId, t.destinationKind, t.destinationValue)
      .where(sql`${t.walletId} is null`),
    index("receiver_wallets_org_destination_idx").on(t.orgId, t.destinationKind, t.destinationValue),
    // The target of payments_receiver_wallet_receiver_fk (migration 0008).
    uniqueIndex("receiver_wallets_id_receiver_key").on(t.id, t.receiverId),
    // One foreign-key probe per inserted row instead of two (migration 0008, docs/performance.md "Import").
    foreignKey({ name: "receiver_wallets_receiver_org_fk", columns: [t.receiverId, t.orgId], foreignColumns: [receivers.id, receivers.orgId] }).onDelete("cascade"),
  ],
);

export type Receiver = typeof receivers.$inferSelect;
export type ReceiverWallet = typeof receiverWallets.$inferSelect;
