import { and, eq, inArray, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, paymentConnections } from "@/db/schema";
import { badRequest } from "../errors";

/**
 * The checks of a rule that need the database: its connection and fallback and the assets it names
 * belong to the organization (another organization's id is "not found" in words, never a hint).
 */
export async function assertRuleReferences(db: DbOrTx, orgId: string, rule: { connectionId: string; fallbackConnectionId: string | null; assetIds?: string[] }) {
  const ids = [rule.connectionId, ...(rule.fallbackConnectionId ? [rule.fallbackConnectionId] : [])];
  const found = await db
    .select({ id: paymentConnections.id })
    .from(paymentConnections)
    .where(and(eq(paymentConnections.orgId, orgId), inArray(paymentConnections.id, ids)));
  const have = new Set(found.map((r) => r.id));
  if (!have.has(rule.connectionId)) throw badRequest("The connection was not found.", { connection_id: "Choose a connection of this organization." });
  if (rule.fallbackConnectionId && !have.has(rule.fallbackConnectionId)) {
    throw badRequest("The fallback connection was not found.", { fallback_connection_id: "Choose a connection of this organization." });
  }
  if (rule.fallbackConnectionId === rule.connectionId) {
    throw badRequest("The fallback must be another connection than the target.", { fallback_connection_id: "Choose another connection than the target." });
  }
  if (rule.assetIds?.length) {
    const known = await db
      .select({ id: assets.id })
      .from(assets)
      .where(and(eq(assets.orgId, orgId), inArray(assets.id, rule.assetIds), isNull(assets.deletedAt)));
    if (known.length !== new Set(rule.assetIds).size)
      throw badRequest("An asset of the rule was not found.", { "conditions.asset_ids": "Choose assets of this organization." });
  }
}
