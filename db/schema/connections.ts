import { sql } from "drizzle-orm";
import { boolean, index, integer, jsonb, numeric, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { CONNECTION_HEALTH, DESTINATION_KINDS, RAIL_BATCH_STATUSES, RAIL_TYPES } from "../../server/domain/rails";
import { organizations } from "./organizations";
import { users } from "./users";

export const railTypeEnum = pgEnum("rail_type", RAIL_TYPES);
export const connectionHealthEnum = pgEnum("connection_health", CONNECTION_HEALTH);
export const destinationKindEnum = pgEnum("destination_kind", DESTINATION_KINDS);

/** One asset of the organization as the connection's network names it (e.g. the bank's currency code). */
export type ConnectionCurrency = { assetId: string; railCurrency: string };

/**
 * A payment connection (OpenG2P's "DFSP connection", docs/rails.md): one way out of the platform over
 * one rail. Several per rail type are allowed (two banks, several Stellar distribution accounts).
 * `settings` holds what may be shown (endpoints, account identifiers, shipment mode); credentials are
 * sealed with the platform key (server/services/crypto/secret-box.ts) and never read back to a browser.
 */
export const paymentConnections = pgTable(
  "payment_connections",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    railType: railTypeEnum().notNull(),
    name: text().notNull(),
    enabled: boolean().notNull().default(true),
    settings: jsonb().$type<Record<string, unknown>>().notNull().default({}),
    credentialsSealed: text(),
    credentialsUpdatedAt: timestamp({ withTimezone: true }),
    currencyMapping: jsonb().$type<ConnectionCurrency[]>().notNull().default([]),
    fieldMapping: jsonb().$type<Record<string, string>>().notNull().default({}),
    healthStatus: connectionHealthEnum().notNull().default("UNKNOWN"),
    healthMessage: text(),
    healthCheckedAt: timestamp({ withTimezone: true }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("payment_connections_org_name_key").on(t.orgId, sql`lower(${t.name})`), index("payment_connections_org_rail_idx").on(t.orgId, t.railType)],
);

/**
 * Conditions of a routing rule; every present condition must hold (docs/rails.md "Routing rules").
 * Amounts are decimal strings; `attribute` matches a receiver attribute (e.g. region) case-insensitively.
 */
export type RoutingConditions = {
  minAmount?: string;
  maxAmount?: string;
  assetIds?: string[];
  destinationKinds?: (typeof DESTINATION_KINDS)[number][];
  attribute?: { name: string; values: string[] };
};

/** An ordered rule: the first enabled rule whose conditions hold routes the payment to its connection. */
export const routingRules = pgTable(
  "routing_rules",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    position: integer().notNull(),
    name: text().notNull(),
    enabled: boolean().notNull().default(true),
    conditions: jsonb().$type<RoutingConditions>().notNull().default({}),
    connectionId: uuid()
      .notNull()
      .references(() => paymentConnections.id, { onDelete: "restrict" }),
    /** Used when the target connection is disabled or unhealthy. */
    fallbackConnectionId: uuid().references(() => paymentConnections.id, { onDelete: "restrict" }),
    createdBy: uuid().references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("routing_rules_org_position_idx").on(t.orgId, t.position, t.id)],
);

export const railBatchStatusEnum = pgEnum("rail_batch_status", RAIL_BATCH_STATUSES);

/**
 * A batch of one disbursement's payments shipped through one connection of a rail that settles later
 * (a bank: one pain.001 or one initiate_payment call). Written with its payments' move to PENDING,
 * before anything is sent; after a crash the dispatcher asks the bank about a SHIPPING batch instead of
 * sending it again (docs/rails.md "Dispatcher").
 */
export const railBatches = pgTable(
  "rail_batches",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    // No key to disbursements here (schema files would import each other); payments carry the key.
    disbursementId: uuid().notNull(),
    connectionId: uuid()
      .notNull()
      .references(() => paymentConnections.id, { onDelete: "restrict" }),
    railType: railTypeEnum().notNull(),
    /** The rail's identifier of the batch (pain.001 MsgId, at most 35 characters). */
    reference: text().notNull(),
    status: railBatchStatusEnum().notNull().default("CLAIMED"),
    paymentCount: integer().notNull(),
    amount: numeric({ precision: 38, scale: 7 }).notNull(),
    currency: text().notNull(),
    /** G2P Bridge funds steps: attempts, the bank's answer and its block reference. */
    fundsAttempts: integer().notNull().default(0),
    fundsMessage: text(),
    fundsBlockReference: text(),
    /** Not before this time (a retry after FUNDS_NOT_AVAILABLE or an error). */
    nextAttemptAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** The worker working on it and until when; another takes over after it. */
    leasedBy: text(),
    leaseUntil: timestamp({ withTimezone: true }),
    shippedAt: timestamp({ withTimezone: true }),
    message: text(),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("rail_batches_connection_reference_key").on(t.connectionId, t.reference),
    index("rail_batches_disbursement_idx").on(t.disbursementId, t.createdAt, t.id),
    index("rail_batches_open_idx")
      .on(t.nextAttemptAt)
      .where(sql`${t.status} in ('CLAIMED', 'FUNDS_NOT_AVAILABLE', 'FUNDS_BLOCKED', 'SHIPPING')`),
  ],
);

export type RailBatch = typeof railBatches.$inferSelect;
export type PaymentConnection = typeof paymentConnections.$inferSelect;
export type RoutingRule = typeof routingRules.$inferSelect;
