import { and, eq, isNotNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apiKeys, assets, memberships, paymentConnections } from "@/db/schema";
import { createApiKey } from "../api-keys/create-api-key";
import { createAsset } from "../catalog/assets";
import { createConnection } from "../connections/create-connection";
import type { OrgContext } from "../context";
import { createRoutingRule } from "../routing/create-routing-rule";

export const DEMO_BANK_CONNECTION = "Example Bank";
const STATEMENTS_KEY_NAME = "Example bank statements";

export type DemoBank = { url: string; apiKey: string; fundingAccount: string; currency: string };

/**
 * The local demo's sponsor bank (docs/rails.md, docs/example-bank.md): the demo organization gets a
 * fiat currency, a bank connection to the example bank, a routing rule sending bank accounts and
 * IBANs to it, and an API key the bank posts its statements with (`write:statements`). Idempotent:
 * what exists is kept; the key is created (and returned) only when `knownKey` no longer works.
 */
export async function seedDemoBank(db: Db, orgId: string, bank: DemoBank, knownKey: string | null): Promise<{ statementsKey: string | null }> {
  const [owner] = await db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner"), eq(memberships.isActive, true), isNotNull(memberships.acceptedAt)))
    .limit(1);
  if (!owner) return { statementsKey: null };
  const ctx: OrgContext = { db, actor: { userId: owner.userId }, org: { id: orgId }, role: "owner" };

  const [existing] = await db
    .select({ id: paymentConnections.id })
    .from(paymentConnections)
    .where(and(eq(paymentConnections.orgId, orgId), sql`lower(${paymentConnections.name}) = lower(${DEMO_BANK_CONNECTION})`));
  if (!existing) {
    let [currency] = await db
      .select({ id: assets.id })
      .from(assets)
      .where(and(eq(assets.orgId, orgId), eq(assets.kind, "FIAT"), eq(assets.code, bank.currency)));
    currency ??= await createAsset(ctx, { kind: "FIAT", code: bank.currency });
    const connection = await createConnection(ctx, {
      rail_type: "BANK",
      name: DEMO_BANK_CONNECTION,
      settings: { baseUrl: bank.url, debtorAccountNumber: bank.fundingAccount, debtorBankCode: "EXAMPLE_BANK", debtorName: "Demo Organization", shipmentMode: "API" },
      credentials: { apiKey: bank.apiKey },
      currency_mapping: [{ asset_id: currency.id, rail_currency: bank.currency }],
    });
    await createRoutingRule(ctx, { name: "Bank accounts", conditions: { destination_kinds: ["BANK_ACCOUNT", "IBAN"] }, connection_id: connection.id });
  }

  if (knownKey) {
    const prefix = /^sdp_([^_]+)_/.exec(knownKey)?.[1];
    const [row] = prefix
      ? await db
          .select({ id: apiKeys.id, revokedAt: apiKeys.revokedAt })
          .from(apiKeys)
          .where(and(eq(apiKeys.orgId, orgId), eq(apiKeys.prefix, prefix)))
      : [];
    if (row && !row.revokedAt) return { statementsKey: null };
  }
  const created = await createApiKey(ctx, { name: `${STATEMENTS_KEY_NAME} ${new Date().toISOString().slice(0, 10)}`, scopes: ["write:statements"] });
  return { statementsKey: created.key };
}
