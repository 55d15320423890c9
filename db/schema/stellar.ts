import { sql } from "drizzle-orm";
import { bigint, index, integer, pgEnum, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { assets } from "./catalog";
import { payments } from "./disbursements";
import { organizations } from "./organizations";

export const STELLAR_ACCOUNT_KINDS = ["distribution", "channel", "issuer"] as const;
export type StellarAccountKind = (typeof STELLAR_ACCOUNT_KINDS)[number];
export const STELLAR_TRANSACTION_STATUSES = ["BUILT", "SUBMITTED", "SUCCESS", "FAILED", "EXPIRED"] as const;
export type StellarTransactionStatus = (typeof STELLAR_TRANSACTION_STATUSES)[number];
/** A transaction in these states may still land on the ledger: its payments stay PENDING. */
export const OPEN_TRANSACTION_STATUSES = ["BUILT", "SUBMITTED"] as const satisfies readonly StellarTransactionStatus[];

export const stellarAccountKindEnum = pgEnum("stellar_account_kind", STELLAR_ACCOUNT_KINDS);
export const stellarTransactionStatusEnum = pgEnum("stellar_transaction_status", STELLAR_TRANSACTION_STATUSES);

/**
 * Keypairs the platform holds: an organization's distribution account, its channel accounts
 * (transaction sources, sponsored by the distribution account) and, on the local network, the
 * issuer of its demo asset. The secret is AES-256-GCM encrypted (server/services/crypto/secret-box.ts).
 */
export const stellarAccounts = pgTable(
  "stellar_accounts",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    /** local | testnet | pubnet: a keypair belongs to the network it was set up on. */
    network: text().notNull(),
    kind: stellarAccountKindEnum().notNull(),
    publicKey: text().notNull(),
    encryptedSecret: text().notNull(),
    sponsorPublicKey: text(),
    /** Set once the account is known to exist on the ledger (channels are used only then). */
    activatedAt: timestamp({ withTimezone: true }),
    /** Channel lock: the open transaction using this channel as its source, until its max ledger. */
    lockedByTx: uuid(),
    lockedUntilLedger: integer(),
    /** The channel's sequence number on the ledger when known (after its last applied transaction). */
    sequence: bigint({ mode: "bigint" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("stellar_accounts_public_key_key").on(t.publicKey),
    uniqueIndex("stellar_accounts_org_distribution_key")
      .on(t.orgId, t.network)
      .where(sql`${t.kind} = 'distribution'`),
    index("stellar_accounts_org_kind_idx").on(t.orgId, t.network, t.kind),
  ],
);

/**
 * Every transaction the engine built. The hash and envelope are stored BEFORE submission, so a
 * crash or timeout is resolved by looking the hash up; a new transaction (new sequence number) for
 * the same payments is built only once this one can no longer land (EXPIRED).
 */
export const stellarTransactions = pgTable(
  "stellar_transactions",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    network: text().notNull(),
    channelAccountId: uuid()
      .notNull()
      .references(() => stellarAccounts.id, { onDelete: "restrict" }),
    assetId: uuid()
      .notNull()
      .references(() => assets.id, { onDelete: "restrict" }),
    /** Hash of the submitted envelope (the fee bump). */
    hash: text().notNull(),
    /** Hash of the inner transaction (what the channel account signed). */
    innerHash: text().notNull(),
    envelopeXdr: text().notNull(),
    status: stellarTransactionStatusEnum().notNull().default("BUILT"),
    /** The channel account's sequence number this transaction consumes. */
    sequence: bigint({ mode: "bigint" }).notNull(),
    maxTime: timestamp({ withTimezone: true }).notNull(),
    /** The transaction is valid only in ledgers before this one. */
    maxLedger: integer().notNull(),
    operationCount: integer().notNull(),
    attempts: integer().notNull().default(0),
    /** When a worker may next look at this open transaction (a lease while one works on it). */
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    lastError: text(),
    resultCode: text(),
    resultXdr: text(),
    ledger: integer(),
    /** Horizon's paging token of the transaction (its TOID); operation ids follow from it. */
    pagingToken: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    submittedAt: timestamp({ withTimezone: true }),
    completedAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("stellar_transactions_hash_key").on(t.hash),
    index("stellar_transactions_open_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('BUILT', 'SUBMITTED')`),
    index("stellar_transactions_org_created_idx").on(t.orgId, t.createdAt),
  ],
);

/** Which payment is which operation of which transaction (a payment may appear in several, one open at most). */
export const stellarTransactionPayments = pgTable(
  "stellar_transaction_payments",
  {
    transactionId: uuid()
      .notNull()
      .references(() => stellarTransactions.id, { onDelete: "cascade" }),
    paymentId: uuid()
      .notNull()
      .references(() => payments.id, { onDelete: "cascade" }),
    opIndex: integer().notNull(),
  },
  (t) => [primaryKey({ columns: [t.transactionId, t.opIndex] }), index("stellar_transaction_payments_payment_idx").on(t.paymentId)],
);

export type StellarAccount = typeof stellarAccounts.$inferSelect;
export type StellarTransaction = typeof stellarTransactions.$inferSelect;
