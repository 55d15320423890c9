import { and, asc, eq } from "drizzle-orm";
import type { z } from "zod";
import { assets } from "@/db/schema";
import { createAssetInput, setAssetEnabledInput } from "@/server/schemas/catalog.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";

export { createAssetInput, setAssetEnabledInput };

function assetView(a: typeof assets.$inferSelect) {
  return {
    id: a.id,
    kind: a.kind,
    code: a.code,
    issuer: a.issuer,
    decimals: a.decimals,
    enabled: a.enabled,
    created_at: a.createdAt.toISOString(),
    updated_at: a.updatedAt.toISOString(),
  };
}

export async function listAssets(ctx: OrgContext) {
  assertCan(ctx, "organization:read");
  const rows = await ctx.db.select().from(assets).where(eq(assets.orgId, ctx.org.id)).orderBy(asc(assets.code));
  return rows.map(assetView);
}

export async function createAsset(ctx: OrgContext, raw: z.input<typeof createAssetInput>) {
  assertCan(ctx, "assets:write");
  const input = createAssetInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(assets)
      .values({ orgId: ctx.org.id, kind: input.kind, code: input.code, issuer: input.issuer, decimals: input.decimals })
      .onConflictDoNothing()
      .returning();
    if (!row) {
      const what = input.kind === "FIAT" ? `The currency ${input.code}` : `The asset ${input.code}${input.issuer ? ` from ${input.issuer.slice(0, 6)}…` : ""}`;
      throw conflict(`${what} already exists.`, undefined, "ALREADY_EXISTS");
    }
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "asset.created",
      targetId: row.id,
      details: { code: row.code, kind: row.kind },
    });
    return assetView(row);
  });
}

export async function setAssetEnabled(ctx: OrgContext, raw: z.input<typeof setAssetEnabledInput>) {
  assertCan(ctx, "assets:write");
  const input = setAssetEnabledInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(assets)
      .set({ enabled: input.enabled, updatedAt: new Date() })
      .where(and(eq(assets.id, input.id), eq(assets.orgId, ctx.org.id)))
      .returning();
    if (!row) throw notFound("The asset");
    await recordAuditEvent(tx, { orgId: ctx.org.id, actorUserId: ctx.actor.userId, action: input.enabled ? "asset.enabled" : "asset.disabled", targetId: row.id });
    return assetView(row);
  });
}
