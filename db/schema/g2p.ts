import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { assets, wallets } from "./catalog";
import { disbursements, payments } from "./disbursements";
import { organizations } from "./organizations";
import { users } from "./users";

/**
 * Systems allowed to drive disbursements over G2P Connect (docs/g2p-connect.md#set-up-a-sender).
 * `senderId` is the `header.sender_id` they send; their messages must be signed with the private half of
 * `publicKey` (Ed25519). Callbacks go to `callbackUrl` (a message's `sender_uri` may only point at the
 * same origin).
 */
export const g2pSenders = pgTable(
  "g2p_senders",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    senderId: text().notNull(),
    name: text().notNull(),
    callbackUrl: text().notNull(),
    /** Ed25519 public key as registered (PEM or base64 of the 32 raw bytes), normalized to PEM. */
    publicKey: text().notNull(),
    /**
     * The sender's public encryption key (JWK JSON: X25519 or P-256 for ECDH-ES, RSA for RSA-OAEP), used to
     * encrypt what we send it when it asks for encrypted messages (docs/g2p-connect.md#encrypted-messages).
     * Null: we never encrypt to this sender.
     */
    encryptionPublicKey: text(),
    /** Where receivers of this sender's payments register, and what is paid when `currency_code` is absent. */
    walletId: uuid()
      .notNull()
      .references(() => wallets.id, { onDelete: "restrict" }),
    defaultAssetId: uuid().references(() => assets.id, { onDelete: "set null" }),
    enabled: boolean().notNull().default(true),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("g2p_senders_org_sender_key").on(t.orgId, t.senderId)],
);

/**
 * Every G2P message, both ways: requests we received (with the answer we gave) and callbacks we
 * send (an outbox: delivered with retries and backoff until the receiver acknowledges).
 */
export const g2pMessages = pgTable(
  "g2p_messages",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    senderRowId: uuid().references(() => g2pSenders.id, { onDelete: "set null" }),
    /** `header.sender_id` as received (also kept for unknown senders). */
    senderId: text(),
    direction: text({ enum: ["inbound", "outbound"] }).notNull(),
    /** Endpoint path, e.g. `/disburse` or `/on-disburse`. */
    endpoint: text().notNull(),
    action: text(),
    messageId: text().notNull(),
    /** Inbound: our answer's correlation id. Outbound: the correlation id of the request it answers. */
    correlationId: text(),
    transactionId: text(),
    /**
     * Inbound: ACK, NACK or ERR. Outbound: PENDING (waiting for its next attempt), DELIVERED or
     * FAILED (gave up after the last attempt).
     */
    status: text().notNull(),
    errorCode: text(),
    errorMessage: text(),
    itemCount: integer().notNull().default(0),
    /** Outbound: the signed body to POST; inbound: the request body as received. */
    body: jsonb().notNull(),
    url: text(),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }),
    lastAttemptAt: timestamp({ withTimezone: true }),
    lastHttpStatus: integer(),
    deliveredAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("g2p_messages_org_created_idx").on(t.orgId, t.createdAt),
    // Replay protection: an accepted message_id is never accepted again from the same sender.
    uniqueIndex("g2p_messages_accepted_message_key")
      .on(t.senderRowId, t.messageId)
      .where(sql`${t.direction} = 'inbound' and ${t.status} = 'ACK'`),
    index("g2p_messages_outbox_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.direction} = 'outbound' and ${t.status} = 'PENDING'`),
  ],
);

/** A sender's `transaction_id`: one envelope (disbursement) per transaction. */
export const g2pTransactions = pgTable(
  "g2p_transactions",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    senderRowId: uuid()
      .notNull()
      .references(() => g2pSenders.id, { onDelete: "restrict" }),
    transactionId: text().notNull(),
    disbursementId: uuid()
      .notNull()
      .references(() => disbursements.id, { onDelete: "cascade" }),
    /** `sender_uri` of the latest accepted request: where callbacks for this transaction go. */
    callbackBase: text().notNull(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("g2p_transactions_sender_txn_key").on(t.senderRowId, t.transactionId), uniqueIndex("g2p_transactions_disbursement_key").on(t.disbursementId)],
);

/** One disbursement item of a G2P request: the payment it became and the fields as sent. */
export const g2pItems = pgTable(
  "g2p_items",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    senderRowId: uuid()
      .notNull()
      .references(() => g2pSenders.id, { onDelete: "restrict" }),
    g2pTransactionId: uuid()
      .notNull()
      .references(() => g2pTransactions.id, { onDelete: "cascade" }),
    paymentId: uuid()
      .notNull()
      .references(() => payments.id, { onDelete: "cascade" }),
    referenceId: text().notNull(),
    /** The item as received (payer_fa, payee_fa, amount, names, note, purpose, ...). */
    request: jsonb().$type<Record<string, unknown>>().notNull(),
    /** The status last reported to the sender in a callback, and when: the outbox sends changes. */
    reportedStatus: text(),
    reportedAt: timestamp({ withTimezone: true }),
    receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // reference_id is unique per sender, across transactions.
    uniqueIndex("g2p_items_sender_reference_key").on(t.senderRowId, t.referenceId),
    uniqueIndex("g2p_items_payment_key").on(t.paymentId),
    index("g2p_items_transaction_idx").on(t.g2pTransactionId),
  ],
);

export type G2pSender = typeof g2pSenders.$inferSelect;
export type G2pMessage = typeof g2pMessages.$inferSelect;
export type G2pTransaction = typeof g2pTransactions.$inferSelect;
export type G2pItem = typeof g2pItems.$inferSelect;
