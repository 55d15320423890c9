import { sql } from "drizzle-orm";
import { boolean, check, index, pgEnum, pgTable, primaryKey, smallint, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { ASSET_KINDS } from "../../server/domain/rails";
import { organizations } from "./organizations";

export const assetKindEnum = pgEnum("asset_kind", ASSET_KINDS);

/**
 * What an organization pays in: Stellar assets (XLM is native: no issuer) and fiat currencies paid
 * through a bank or switch (ISO 4217 code, no issuer). `decimals` is the currency's precision, used by
 * amount parsing, CSV validation and display (7 for Stellar assets, 2 for most fiat currencies).
 */
export const assets = pgTable(
  "assets",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    kind: assetKindEnum().notNull().default("STELLAR"),
    code: text().notNull(),
    decimals: smallint().notNull().default(7),
    // Empty string for the native asset and for fiat currencies, so the unique index covers them.
    issuer: text().notNull().default(""),
    enabled: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Soft delete (SDP's DELETE /assets/{id}): hidden from lists and new disbursements; history keeps it. */
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [
    uniqueIndex("assets_org_kind_code_issuer_key").on(t.orgId, t.kind, t.code, t.issuer),
    check("assets_decimals_check", sql`${t.decimals} between 0 and 7 and (${t.kind} = 'FIAT' or ${t.decimals} = 7)`),
    check("assets_fiat_issuer_check", sql`${t.kind} = 'STELLAR' or ${t.issuer} = ''`),
  ],
);

/** Wallet providers receivers can register with. */
export const wallets = pgTable(
  "wallets",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    name: text().notNull(),
    homepage: text().notNull(),
    deepLinkSchema: text().notNull(),
    sep10ClientDomain: text().notNull(),
    enabled: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    /** Soft delete (SDP's DELETE /wallets/{id}): hidden from lists and registration; history keeps it. */
    deletedAt: timestamp({ withTimezone: true }),
  },
  (t) => [uniqueIndex("wallets_org_name_key").on(sql`${t.orgId}`, sql`lower(${t.name})`)],
);

export const walletAssets = pgTable(
  "wallet_assets",
  {
    walletId: uuid()
      .notNull()
      .references(() => wallets.id, { onDelete: "cascade" }),
    assetId: uuid()
      .notNull()
      .references(() => assets.id, { onDelete: "cascade" }),
  },
  (t) => [primaryKey({ columns: [t.walletId, t.assetId] }), index("wallet_assets_asset_idx").on(t.assetId)],
);

export type Asset = typeof assets.$inferSelect;
export type Wallet = typeof wallets.$inferSelect;
