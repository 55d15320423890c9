import { and, asc, eq, sql } from "drizzle-orm";
import { assets, paymentConnections, type PaymentConnection } from "@/db/schema";
import { config } from "@/server/config";
import type { OrgContext } from "../context";

/**
 * What staff and API clients see of a payment connection. Credentials never leave the server: the
 * view says only whether they are set and since when (docs/rails.md "Payment connections").
 */
export type ConnectionView = ReturnType<typeof toView>;

type AssetRef = { id: string; code: string; kind: "STELLAR" | "FIAT"; issuer: string };

function toView(row: PaymentConnection, assetsById: Map<string, AssetRef>, usage: { routingRules: number; hasPayments: boolean }) {
  return {
    id: row.id,
    rail_type: row.railType,
    name: row.name,
    enabled: row.enabled,
    settings: row.settings,
    credentials: {
      set: row.credentialsSealed !== null,
      updated_at: row.credentialsSealed !== null && row.credentialsUpdatedAt ? row.credentialsUpdatedAt.toISOString() : null,
    },
    currency_mapping: row.currencyMapping.map((m) => {
      const asset = assetsById.get(m.assetId);
      return { asset_id: m.assetId, asset_code: asset?.code ?? null, asset_kind: asset?.kind ?? null, rail_currency: m.railCurrency };
    }),
    field_mapping: row.fieldMapping,
    health: {
      status: row.healthStatus,
      message: row.healthMessage,
      checked_at: row.healthCheckedAt ? row.healthCheckedAt.toISOString() : null,
    },
    usage: { routing_rules: usage.routingRules, has_payments: usage.hasPayments },
    /** MOJALOOP: where the switch sends its FSPIOP callbacks for this connection (configured at the switch). */
    callback_url: row.railType === "MOJALOOP" ? mojaloopCallbackUrl(row.id) : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** `<APP_URL>/api/mojaloop/<connection id>`: the switch appends the FSPIOP resource (`/parties/MSISDN/…`, `/bulkTransfers/…`). */
export function mojaloopCallbackUrl(connectionId: string): string {
  const { APP_URL, PORT } = config();
  const base = (APP_URL ?? `http://localhost:${PORT}`).replace(/\/+$/, "");
  return `${base}/api/mojaloop/${connectionId}`;
}

/** The organization's connections (or one), by rail type then name. */
export async function connectionViews(ctx: OrgContext, id?: string): Promise<ConnectionView[]> {
  const rows = await ctx.db
    .select({
      c: paymentConnections,
      // Qualified by hand: drizzle prints a lone table's columns unqualified, which the subquery would read as its own.
      routingRules: sql<number>`(select count(*)::int from routing_rules r where r.org_id = payment_connections.org_id and (r.connection_id = payment_connections.id or r.fallback_connection_id = payment_connections.id))`,
      // exists, not count: a connection may carry millions of payments (payments_connection_idx).
      hasPayments: sql<boolean>`exists (select 1 from payments p where p.connection_id = payment_connections.id)`,
    })
    .from(paymentConnections)
    .where(and(eq(paymentConnections.orgId, ctx.org.id), id ? eq(paymentConnections.id, id) : undefined))
    .orderBy(asc(paymentConnections.railType), asc(sql`lower(${paymentConnections.name})`), asc(paymentConnections.id));
  if (rows.length === 0) return [];
  const assetRows = await ctx.db.select({ id: assets.id, code: assets.code, kind: assets.kind, issuer: assets.issuer }).from(assets).where(eq(assets.orgId, ctx.org.id));
  const assetsById = new Map(assetRows.map((a) => [a.id, a]));
  return rows.map((r) => toView(r.c, assetsById, { routingRules: Number(r.routingRules), hasPayments: Boolean(r.hasPayments) }));
}
