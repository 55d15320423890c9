import { asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { paymentConnections, routingRules } from "@/db/schema";
import { compileRouting, type CompiledRule, type RoutingConnectionDef, type RoutingRuleDef } from "@/server/domain/routing-rules";

export type LoadedRouting = { rules: RoutingRuleDef[]; connections: RoutingConnectionDef[]; compiled: CompiledRule[] };

/** An organization's rules (in order) and connections, compiled once for a preview or a start (two small reads). */
export async function loadRouting(db: DbOrTx, orgId: string): Promise<LoadedRouting> {
  const [rules, connections] = await Promise.all([
    db
      .select({
        id: routingRules.id,
        name: routingRules.name,
        enabled: routingRules.enabled,
        conditions: routingRules.conditions,
        connectionId: routingRules.connectionId,
        fallbackConnectionId: routingRules.fallbackConnectionId,
      })
      .from(routingRules)
      .where(eq(routingRules.orgId, orgId))
      .orderBy(asc(routingRules.position), asc(routingRules.createdAt), asc(routingRules.id)),
    db
      .select({
        id: paymentConnections.id,
        name: paymentConnections.name,
        railType: paymentConnections.railType,
        enabled: paymentConnections.enabled,
        healthStatus: paymentConnections.healthStatus,
      })
      .from(paymentConnections)
      .where(eq(paymentConnections.orgId, orgId)),
  ]);
  return { rules, connections, compiled: compileRouting(rules, connections) };
}
