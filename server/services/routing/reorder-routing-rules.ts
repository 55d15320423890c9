import { eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { routingRules } from "@/db/schema";
import { reorderRoutingRulesInput } from "@/server/schemas/routing.schema";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { lockRoutingRules } from "./lock-rules";
import { ruleViews } from "./rule-view";

export { reorderRoutingRulesInput };

/** Put the organization's rules in the given order (every rule exactly once): positions 1…n. */
export async function reorderRoutingRules(ctx: OrgContext, raw: z.input<typeof reorderRoutingRulesInput>) {
  assertCan(ctx, "routing:manage");
  const input = reorderRoutingRulesInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    await lockRoutingRules(tx, ctx.org.id);
    const current = await tx.select({ id: routingRules.id, position: routingRules.position }).from(routingRules).where(eq(routingRules.orgId, ctx.org.id));
    const known = new Set(current.map((r) => r.id));
    if (input.ids.length !== current.length || input.ids.some((id) => !known.has(id))) {
      throw badRequest("List every routing rule of the organization exactly once, in the new order.", {
        ids: `Expected the ${current.length} rule ids of this organization (the list may have changed: reload it).`,
      });
    }
    await tx.execute(sql`
      update routing_rules r set position = o.n, updated_at = now()
      from unnest(${uuidArray(input.ids)}) with ordinality as o(id, n)
      where r.id = o.id and r.org_id = ${ctx.org.id} and r.position <> o.n`);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "routing_rule.reordered",
      details: { order: input.ids, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
    });
  });
  return ruleViews(ctx.db, ctx.org.id);
}
