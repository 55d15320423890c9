import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { routingRules } from "@/db/schema";
import { updateRoutingRuleInput } from "@/server/schemas/routing.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { lockRoutingRules } from "./lock-rules";
import { assertRuleReferences } from "./rule-input";
import { conditionsToStore, ruleViews } from "./rule-view";

export { updateRoutingRuleInput };

/**
 * Change a rule: the fields given replace the rule's (conditions as a whole). Payments already
 * routed keep their connection; the next start routes by the new rule (docs/rails.md "Routing rules").
 */
export async function updateRoutingRule(ctx: OrgContext, raw: z.input<typeof updateRoutingRuleInput>) {
  assertCan(ctx, "routing:manage");
  const input = updateRoutingRuleInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    await lockRoutingRules(tx, ctx.org.id);
    const [current] = await tx
      .select()
      .from(routingRules)
      .where(and(eq(routingRules.id, input.id), eq(routingRules.orgId, ctx.org.id)));
    if (!current) throw notFound("The routing rule");
    const next = {
      name: input.name ?? current.name,
      enabled: input.enabled ?? current.enabled,
      conditions: input.conditions ? conditionsToStore(input.conditions) : current.conditions,
      connectionId: input.connection_id ?? current.connectionId,
      fallbackConnectionId: input.fallback_connection_id === undefined ? current.fallbackConnectionId : input.fallback_connection_id,
    };
    await assertRuleReferences(tx, ctx.org.id, { connectionId: next.connectionId, fallbackConnectionId: next.fallbackConnectionId, assetIds: next.conditions.assetIds });
    await tx
      .update(routingRules)
      .set({ ...next, updatedAt: new Date() })
      .where(and(eq(routingRules.id, input.id), eq(routingRules.orgId, ctx.org.id)));
    const changed = Object.fromEntries(Object.entries(next).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(current[key as keyof typeof next])));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "routing_rule.updated",
      targetId: input.id,
      details: { name: next.name, changed, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
    });
  });
  const [view] = await ruleViews(ctx.db, ctx.org.id, input.id);
  return view!;
}
