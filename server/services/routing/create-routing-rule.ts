import { count, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { routingRules } from "@/db/schema";
import { createRoutingRuleInput, RULES_MAX } from "@/server/schemas/routing.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { lockRoutingRules } from "./lock-rules";
import { assertRuleReferences } from "./rule-input";
import { conditionsToStore, ruleViews } from "./rule-view";

export { createRoutingRuleInput };

/** Add a rule at the end of the organization's list (move it with reorderRoutingRules). */
export async function createRoutingRule(ctx: OrgContext, raw: z.input<typeof createRoutingRuleInput>) {
  assertCan(ctx, "routing:manage");
  const input = createRoutingRuleInput.parse(raw);
  const conditions = conditionsToStore(input.conditions);
  const id = await ctx.db.transaction(async (tx) => {
    await lockRoutingRules(tx, ctx.org.id);
    await assertRuleReferences(tx, ctx.org.id, { connectionId: input.connection_id, fallbackConnectionId: input.fallback_connection_id, assetIds: conditions.assetIds });
    const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(routingRules).where(eq(routingRules.orgId, ctx.org.id));
    if (n >= RULES_MAX) throw badRequest(`An organization can have at most ${RULES_MAX} routing rules.`);
    const [row] = await tx
      .insert(routingRules)
      .values({
        orgId: ctx.org.id,
        position: sql`(select coalesce(max(position), 0) + 1 from routing_rules where org_id = ${ctx.org.id})`,
        name: input.name,
        enabled: input.enabled ?? true,
        conditions,
        connectionId: input.connection_id,
        fallbackConnectionId: input.fallback_connection_id,
        createdBy: ctx.actor.userId,
      })
      .returning({ id: routingRules.id, position: routingRules.position });
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "routing_rule.created",
      targetId: row!.id,
      details: {
        name: input.name,
        position: row!.position,
        conditions,
        connection_id: input.connection_id,
        fallback_connection_id: input.fallback_connection_id,
        ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
      },
    });
    return row!.id;
  });
  const [view] = await ruleViews(ctx.db, ctx.org.id, id);
  return view!;
}
