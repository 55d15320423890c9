import { and, eq, isNull } from "drizzle-orm";
import { assets } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { connectionViews, ruleViews } from "./rule-view";

/** The organization's routing rules in order (docs/rails.md "Routing rules"). */
export async function listRoutingRules(ctx: OrgContext) {
  assertCan(ctx, "connections:read");
  return ruleViews(ctx.db, ctx.org.id);
}

export async function getRoutingRule(ctx: OrgContext, id: string) {
  assertCan(ctx, "connections:read");
  const [view] = await ruleViews(ctx.db, ctx.org.id, id);
  if (!view) throw notFound("The routing rule");
  return view;
}

/** What the rule form chooses from: the organization's connections and live (not soft-deleted) assets. */
export async function routingRuleOptions(ctx: OrgContext) {
  assertCan(ctx, "connections:read");
  const [connections, assetRows] = await Promise.all([
    connectionViews(ctx.db, ctx.org.id),
    ctx.db
      .select({ id: assets.id, code: assets.code, issuer: assets.issuer, enabled: assets.enabled })
      .from(assets)
      .where(and(eq(assets.orgId, ctx.org.id), isNull(assets.deletedAt))),
  ]);
  return { connections, assets: assetRows.sort((a, b) => a.code.localeCompare(b.code)) };
}
