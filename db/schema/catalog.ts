import { sql } from "drizzle-orm";
import { boolean, index, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { organizations } from "./organizations";

/** Stellar assets an organization pays in. XLM is native (no issuer). */
export const assets = pgTable(
  "assets",
  {
    id: uuid().primaryKey().defaultRandom(),
    orgId: uuid()
      .notNull()
      .references(() => organizations.id, { onDelete: "cascade" }),
    code: text().notNull(),
    // Empty string for the native asset, so the unique index covers it.
    issuer: text().notNull().default(""),
    enabled: boolean().notNull().default(true),
    createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("assets_org_code_issuer_key").on(t.orgId, t.code, t.issuer)],
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
