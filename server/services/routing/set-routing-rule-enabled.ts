import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { routingRules } from "@/db/schema";
import { setRoutingRuleEnabledInput } from "@/server/schemas/routing.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { lockRoutingRules } from "./lock-rules";
import { ruleViews } from "./rule-view";

export { setRoutingRuleEnabledInput };

/** Turn a rule on or off; a disabled rule keeps its place and routes nothing. */
export async function setRoutingRuleEnabled(ctx: OrgContext, raw: z.input<typeof setRoutingRuleEnabledInput>) {
  assertCan(ctx, "routing:manage");
  const input = setRoutingRuleEnabledInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    await lockRoutingRules(tx, ctx.org.id);
    const [current] = await tx
      .select({ enabled: routingRules.enabled, name: routingRules.name })
      .from(routingRules)
      .where(and(eq(routingRules.id, input.id), eq(routingRules.orgId, ctx.org.id)));
    if (!current) throw notFound("The routing rule");
    if (current.enabled === input.enabled) return;
    await tx
      .update(routingRules)
      .set({ enabled: input.enabled, updatedAt: new Date() })
      .where(and(eq(routingRules.id, input.id), eq(routingRules.orgId, ctx.org.id)));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: input.enabled ? "routing_rule.enabled" : "routing_rule.disabled",
      targetId: input.id,
      details: { name: current.name, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
    });
  });
  const [view] = await ruleViews(ctx.db, ctx.org.id, input.id);
  return view!;
}
