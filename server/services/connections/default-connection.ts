import type { DbOrTx } from "@/db/client";
import { paymentConnections, routingRules } from "@/db/schema";

export const DEFAULT_STELLAR_CONNECTION_NAME = "Stellar distribution account";
export const DEFAULT_STELLAR_RULE_NAME = "Stellar wallets";

/**
 * What every organization starts with (the migration 0010 did the same for existing ones): a STELLAR
 * connection paying from its distribution account, and the rule at position 1 routing Stellar
 * addresses to it, so an organization pays Stellar wallets as before without configuring anything.
 */
export async function createDefaultConnections(db: DbOrTx, orgId: string) {
  const [connection] = await db
    .insert(paymentConnections)
    .values({ orgId, railType: "STELLAR", name: DEFAULT_STELLAR_CONNECTION_NAME })
    .returning({ id: paymentConnections.id });
  if (!connection) throw new Error("creating the default Stellar connection returned nothing");
  const [rule] = await db
    .insert(routingRules)
    .values({ orgId, position: 1, name: DEFAULT_STELLAR_RULE_NAME, conditions: { destinationKinds: ["STELLAR_ADDRESS"] }, connectionId: connection.id })
    .returning({ id: routingRules.id });
  return { connectionId: connection.id, ruleId: rule!.id };
}
