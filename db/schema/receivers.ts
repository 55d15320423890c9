import { sql } from "drizzle-orm";
import { index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { RECEIVER_WALLET_STATUSES, VERIFICATION_FIELDS, type StatusHistoryEntry } from "../../server/domain/disbursement-types";
import { wallets } from "./catalog";
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
    index("receivers_org_external_id_idx").on(t.orgId, t.externalId),
    index("receivers_org_created_idx").on(t.orgId, t.createdAt),
  ],
);

/** Verification values (date of birth, PIN, ...) are kept only as keyed hashes. */
export const receiverVerifications = pgTable(
  "receiver_verifications",
  {
    receiverId: uuid()
      .notNull()
      .references(() => receivers.id, { onDelete: "cascade" }),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    verificationField: verificationFieldEnum().notNull(),
    hashedValue: text().notNull(),
    attempts: integer().notNull().default(0),
    confirmedAt: timestamp({ withTimezone: true }),
    failedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.receiverId, t.verificationField] })],
);

/** A receiver's registration with one wallet provider, and the Stellar address they gave. */
export const receiverWallets = pgTable(
  "receiver_wallets",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    receiverId: uuid()
      .notNull()
      .references(() => receivers.id, { onDelete: "cascade" }),
    walletId: uuid()
      .notNull()
      .references(() => wallets.id, { onDelete: "restrict" }),
    status: receiverWalletStatusEnum().notNull().default("DRAFT"),
    stellarAddress: text(),
    stellarMemo: text(),
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
  (t) => [uniqueIndex("receiver_wallets_receiver_wallet_key").on(t.receiverId, t.walletId), index("receiver_wallets_org_address_idx").on(t.orgId, t.stellarAddress)],
);

export type Receiver = typeof receivers.$inferSelect;
export type ReceiverWallet = typeof receiverWallets.$inferSelect;
