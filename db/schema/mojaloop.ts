import { sql } from "drizzle-orm";
import { index, integer, numeric, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { MOJALOOP_BULK_STATES, MOJALOOP_PARTY_STATUSES, MOJALOOP_TRANSFER_STATES } from "../../server/domain/mojaloop";
import { paymentConnections } from "./connections";
import { organizations } from "./organizations";

export const mojaloopPartyStatusEnum = pgEnum("mojaloop_party_status", MOJALOOP_PARTY_STATUSES);
export const mojaloopBulkStateEnum = pgEnum("mojaloop_bulk_state", MOJALOOP_BULK_STATES);
export const mojaloopTransferStateEnum = pgEnum("mojaloop_transfer_state", MOJALOOP_TRANSFER_STATES);

/**
 * What the switch said about a payee (GET /parties/{type}/{id} and its PUT callback), per connection:
 * shown before start and used to group payments by payee FSP (docs/rails/mojaloop.md).
 */
export const mojaloopParties = pgTable(
  "mojaloop_parties",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    connectionId: uuid()
      .notNull()
      .references(() => paymentConnections.id, { onDelete: "cascade" }),
    partyIdType: text().notNull(),
    partyIdentifier: text().notNull(),
    status: mojaloopPartyStatusEnum().notNull().default("PENDING"),
    fspId: text(),
    name: text(),
    errorCode: text(),
    errorMessage: text(),
    requestedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp({ withTimezone: true }),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("mojaloop_parties_connection_party_key").on(t.connectionId, t.partyIdType, t.partyIdentifier)],
);

/**
 * One bulk of a rail batch: one payee FSP, at most 1,000 payments. The bulk quote id and the bulk
 * transfer id are stored before the request that carries them is sent.
 */
export const mojaloopBulks = pgTable(
  "mojaloop_bulks",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    connectionId: uuid()
      .notNull()
      .references(() => paymentConnections.id, { onDelete: "restrict" }),
    railBatchId: uuid().notNull(),
    payeeFsp: text().notNull(),
    state: mojaloopBulkStateEnum().notNull().default("QUOTING"),
    bulkQuoteId: uuid().notNull(),
    quoteExpiresAt: timestamp({ withTimezone: true }),
    bulkTransferId: uuid(),
    transferExpiresAt: timestamp({ withTimezone: true }),
    /** When the last request of the current phase went out; a callback not heard by the timeout is asked for. */
    requestedAt: timestamp({ withTimezone: true }),
    attempts: integer().notNull().default(0),
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    leasedBy: text(),
    leaseUntil: timestamp({ withTimezone: true }),
    errorCode: text(),
    errorMessage: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("mojaloop_bulks_bulk_quote_key").on(t.bulkQuoteId),
    uniqueIndex("mojaloop_bulks_bulk_transfer_key")
      .on(t.bulkTransferId)
      .where(sql`${t.bulkTransferId} is not null`),
    index("mojaloop_bulks_batch_idx").on(t.railBatchId),
    index("mojaloop_bulks_open_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.state} in ('QUOTING', 'QUOTED', 'TRANSFERRING')`),
  ],
);

/**
 * One payment through a Mojaloop switch: its transfer id (stored before sending, also the payment's
 * rail reference), the quote's ILP packet and condition, and the fulfilment that proves it was paid.
 */
export const mojaloopTransfers = pgTable(
  "mojaloop_transfers",
  {
    paymentId: uuid().primaryKey(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    connectionId: uuid().notNull(),
    bulkId: uuid(),
    transferId: uuid().notNull(),
    quoteId: uuid().notNull(),
    transactionId: uuid().notNull(),
    partyIdType: text().notNull(),
    partyIdentifier: text().notNull(),
    payeeFsp: text(),
    payeeName: text(),
    amount: numeric({ precision: 38, scale: 7 }).notNull(),
    currency: text().notNull(),
    transferAmount: numeric({ precision: 38, scale: 7 }),
    payeeFspFee: numeric({ precision: 38, scale: 7 }),
    ilpPacket: text(),
    condition: text(),
    fulfilment: text(),
    state: mojaloopTransferStateEnum().notNull().default("QUOTING"),
    errorCode: text(),
    errorMessage: text(),
    completedAt: timestamp({ withTimezone: true }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("mojaloop_transfers_transfer_key").on(t.transferId),
    uniqueIndex("mojaloop_transfers_quote_key").on(t.quoteId),
    index("mojaloop_transfers_bulk_idx")
      .on(t.bulkId)
      .where(sql`${t.bulkId} is not null`),
  ],
);

export type MojaloopParty = typeof mojaloopParties.$inferSelect;
export type MojaloopBulk = typeof mojaloopBulks.$inferSelect;
export type MojaloopTransfer = typeof mojaloopTransfers.$inferSelect;
