import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, paymentConnections, type PaymentConnection } from "@/db/schema";
import type { RailConnection } from "@/server/rails/payment-rail";
import { stellarCurrencyOf, stellarRailSettings } from "@/server/rails/stellar/stellar-rail";
import { openCredentials } from "./credentials-box";

/**
 * A stored connection as a rail sees it (server/rails/payment-rail.ts): settings, decrypted
 * credentials and the currency of each asset. Built only where the rail is called (the test action,
 * the health loop, the dispatcher), outside any transaction; never logged or returned to a client.
 * A Stellar connection without a currency mapping pays every Stellar asset of the organization.
 */
export async function toRailConnection(db: DbOrTx, row: PaymentConnection): Promise<RailConnection> {
  const currencies = new Map(row.currencyMapping.map((m) => [m.assetId, m.railCurrency]));
  if (row.railType === "STELLAR" && currencies.size === 0) {
    const own = await db
      .select({ id: assets.id, code: assets.code, issuer: assets.issuer })
      .from(assets)
      .where(and(eq(assets.orgId, row.orgId), eq(assets.kind, "STELLAR")));
    for (const a of own) currencies.set(a.id, stellarCurrencyOf(a));
  }
  const settings = row.railType === "STELLAR" ? await stellarRailSettings(db, row.orgId, row.settings) : row.settings;
  const credentials = openCredentials(row.credentialsSealed);
  const connection: RailConnection = {
    id: row.id,
    orgId: row.orgId,
    railType: row.railType,
    name: row.name,
    settings,
    credentials,
    currencyFor: (assetId) => currencies.get(assetId),
    fieldMapping: row.fieldMapping ?? {},
  };
  // Printing the object (a stray console.log or a logger) must not show the credentials.
  Object.defineProperty(connection, "credentials", { value: credentials, enumerable: false });
  return connection;
}

/** One connection of an organization, ready for its rail; null when it does not exist there. */
export async function loadRailConnection(db: DbOrTx, orgId: string, connectionId: string): Promise<RailConnection | null> {
  const [row] = await db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.id, connectionId), eq(paymentConnections.orgId, orgId)));
  return row ? toRailConnection(db, row) : null;
}
