import { asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { paymentConnections, routingRules } from "@/db/schema";
import { compileRouting, type CompiledRule, type RoutingConnectionDef, type RoutingRuleDef } from "@/server/domain/routing-rules";

export type LoadedRouting = { rules: RoutingRuleDef[]; connections: RoutingConnectionDef[]; compiled: CompiledRule[] };

/**
 * An organization's rules (in order) and connections, compiled once for a preview, an intake or a
 * start (two small reads). `lockConnections`: callers that write payments' `connection_id` hold the
 * connections FOR KEY SHARE until they commit, so deleteConnection (which locks the row FOR UPDATE,
 * then refuses while a payment names it) never sees a connection that an uncommitted intake or start is
 * routing payments to — what a foreign key did with one lock per payment (db/schema/disbursements.ts).
 */
export async function loadRouting(db: DbOrTx, orgId: string, options: { lockConnections?: boolean } = {}): Promise<LoadedRouting> {
  const connectionsQuery = db
    .select({
      id: paymentConnections.id,
      name: paymentConnections.name,
      railType: paymentConnections.railType,
      enabled: paymentConnections.enabled,
      healthStatus: paymentConnections.healthStatus,
    })
    .from(paymentConnections)
    .where(eq(paymentConnections.orgId, orgId))
    .orderBy(asc(paymentConnections.id));
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
    options.lockConnections ? connectionsQuery.for("key share") : connectionsQuery,
  ]);
  return { rules, connections, compiled: compileRouting(rules, connections) };
}
