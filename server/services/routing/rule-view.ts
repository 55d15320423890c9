import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, paymentConnections, routingRules, type RoutingRule } from "@/db/schema";
import type { ConnectionHealth, DestinationKind, RailType } from "@/server/domain/rails";
import { describeRoutingRule, type RoutingConditions } from "@/server/domain/routing-rules";

export type RoutingConnectionView = { id: string; name: string; rail_type: RailType; enabled: boolean; health_status: ConnectionHealth };

export type RoutingRuleView = {
  id: string;
  position: number;
  name: string;
  enabled: boolean;
  conditions: {
    min_amount: string | null;
    max_amount: string | null;
    asset_ids: string[];
    destination_kinds: DestinationKind[];
    attribute: { name: string; values: string[] } | null;
  };
  connection: RoutingConnectionView;
  fallback_connection: RoutingConnectionView | null;
  /** The rule in words: "amount 0–500 KES, region is north or east, to bank account → Bank A, fallback Stellar". */
  description: string;
  created_at: string;
  updated_at: string;
};

/** The stored conditions (camelCase jsonb) in the API's shape. */
export function conditionsView(c: RoutingConditions): RoutingRuleView["conditions"] {
  return {
    min_amount: c.minAmount ?? null,
    max_amount: c.maxAmount ?? null,
    asset_ids: c.assetIds ?? [],
    destination_kinds: c.destinationKinds ?? [],
    attribute: c.attribute ?? null,
  };
}

/** The API's conditions (parsed by server/schemas/routing.schema.ts) as stored: absent conditions left out. */
export function conditionsToStore(c: {
  min_amount?: string;
  max_amount?: string;
  asset_ids?: string[];
  destination_kinds?: DestinationKind[];
  attribute?: { name: string; values: string[] };
}): RoutingConditions {
  const out: RoutingConditions = {};
  if (c.min_amount !== undefined) out.minAmount = c.min_amount;
  if (c.max_amount !== undefined) out.maxAmount = c.max_amount;
  if (c.asset_ids?.length) out.assetIds = c.asset_ids;
  if (c.destination_kinds?.length) out.destinationKinds = c.destination_kinds;
  if (c.attribute) out.attribute = { name: c.attribute.name, values: c.attribute.values };
  return out;
}

export async function connectionViews(db: DbOrTx, orgId: string): Promise<RoutingConnectionView[]> {
  const rows = await db
    .select({
      id: paymentConnections.id,
      name: paymentConnections.name,
      rail_type: paymentConnections.railType,
      enabled: paymentConnections.enabled,
      health_status: paymentConnections.healthStatus,
    })
    .from(paymentConnections)
    .where(eq(paymentConnections.orgId, orgId))
    .orderBy(asc(paymentConnections.name));
  return rows;
}

/** The organization's rules in order (or the one with `id`), each with its connections and its description. */
export async function ruleViews(db: DbOrTx, orgId: string, id?: string): Promise<RoutingRuleView[]> {
  const [rules, connections, assetRows] = await Promise.all([
    db
      .select()
      .from(routingRules)
      .where(id ? and(eq(routingRules.orgId, orgId), eq(routingRules.id, id)) : eq(routingRules.orgId, orgId))
      .orderBy(asc(routingRules.position), asc(routingRules.createdAt), asc(routingRules.id)),
    connectionViews(db, orgId),
    db.select({ id: assets.id, code: assets.code }).from(assets).where(eq(assets.orgId, orgId)),
  ]);
  const byId = new Map(connections.map((c) => [c.id, c]));
  const assetCode = new Map(assetRows.map((a) => [a.id, a.code]));
  const names = { connection: (cid: string) => byId.get(cid)?.name ?? "a deleted connection", asset: (aid: string) => assetCode.get(aid) ?? "an unknown asset" };
  return rules.map((r: RoutingRule) => ({
    id: r.id,
    position: r.position,
    name: r.name,
    enabled: r.enabled,
    conditions: conditionsView(r.conditions),
    connection: byId.get(r.connectionId)!,
    fallback_connection: r.fallbackConnectionId ? (byId.get(r.fallbackConnectionId) ?? null) : null,
    description: describeRoutingRule(r, names),
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  }));
}
