import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { routingRules } from "@/db/schema";
import { routingRuleIdInput } from "@/server/schemas/routing.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { lockRoutingRules, renumberRules } from "./lock-rules";

export { routingRuleIdInput };

/**
 * Delete a rule; the rules after it move up. Payments it routed keep their connection (their
 * `routing_rule_id` keeps the deleted rule's id as a record), so what was paid stays explained by the audit row.
 */
export async function deleteRoutingRule(ctx: OrgContext, raw: z.input<typeof routingRuleIdInput>) {
  assertCan(ctx, "routing:manage");
  const input = routingRuleIdInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    await lockRoutingRules(tx, ctx.org.id);
    const [row] = await tx
      .delete(routingRules)
      .where(and(eq(routingRules.id, input.id), eq(routingRules.orgId, ctx.org.id)))
      .returning();
    if (!row) throw notFound("The routing rule");
    await renumberRules(tx, ctx.org.id);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "routing_rule.deleted",
      targetId: row.id,
      details: {
        name: row.name,
        position: row.position,
        conditions: row.conditions,
        connection_id: row.connectionId,
        fallback_connection_id: row.fallbackConnectionId,
        ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
      },
    });
  });
  return { id: input.id, deleted: true as const };
}
