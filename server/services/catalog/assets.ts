import { and, asc, eq, isNotNull, isNull } from "drizzle-orm";
import type { z } from "zod";
import { assets } from "@/db/schema";
import { createAssetInput, deleteAssetInput, setAssetEnabledInput } from "@/server/schemas/catalog.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";
import { catalogUsage, refuseWhileUsed } from "./catalog-usage";

export { createAssetInput, deleteAssetInput, setAssetEnabledInput };

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
    /** SDP's soft delete: null while the asset is live. */
    deleted_at: a.deletedAt ? a.deletedAt.toISOString() : null,
  };
}

/** The organization's live assets: soft-deleted ones are gone from every list and choice (as in SDP). */
export async function listAssets(ctx: OrgContext) {
  assertCan(ctx, "organization:read");
  const rows = await ctx.db
    .select()
    .from(assets)
    .where(and(eq(assets.orgId, ctx.org.id), isNull(assets.deletedAt)))
    .orderBy(asc(assets.code));
  return rows.map(assetView);
}

export async function createAsset(ctx: OrgContext, raw: z.input<typeof createAssetInput>) {
  assertCan(ctx, "assets:write");
  const input = createAssetInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    // As SDP's AssetModel.Insert: adding an asset that was deleted restores it (same id, so the
    // history and the wallets that listed it keep pointing at it), enabled again.
    const [restored] = await tx
      .update(assets)
      .set({ deletedAt: null, enabled: true, updatedAt: new Date() })
      .where(and(eq(assets.orgId, ctx.org.id), eq(assets.kind, input.kind), eq(assets.code, input.code), eq(assets.issuer, input.issuer), isNotNull(assets.deletedAt)))
      .returning();
    if (restored) {
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "asset.restored",
        targetId: restored.id,
        details: { code: restored.code, kind: restored.kind, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
      });
      return assetView(restored);
    }
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
      .where(and(eq(assets.id, input.id), eq(assets.orgId, ctx.org.id), isNull(assets.deletedAt)))
      .returning();
    if (!row) throw notFound("The asset");
    await recordAuditEvent(tx, { orgId: ctx.org.id, actorUserId: ctx.actor.userId, action: input.enabled ? "asset.enabled" : "asset.disabled", targetId: row.id });
    return assetView(row);
  });
}

/**
 * SDP's `DELETE /assets/{id}`: a soft delete. The asset leaves every list and choice (new
 * disbursements, wallets' supported assets, routing, G2P senders, SEP-24 and stellar.toml) while
 * payments and disbursements already made keep showing it. Refused, naming what uses it, while an
 * unfinished disbursement pays in it or a G2P sender defaults to it (server/services/catalog/catalog-usage.ts).
 * An asset already deleted answers `already_deleted` (SDP: 204); adding it again restores it (createAsset).
 */
export async function deleteAsset(ctx: OrgContext, raw: z.input<typeof deleteAssetInput>) {
  assertCan(ctx, "assets:write");
  const { id } = deleteAssetInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    // FOR UPDATE: a disbursement created meanwhile waits for its asset row (create-disbursement reads it FOR SHARE).
    const [current] = await tx
      .select()
      .from(assets)
      .where(and(eq(assets.id, id), eq(assets.orgId, ctx.org.id)))
      .for("update");
    if (!current) throw notFound("The asset");
    if (current.deletedAt) return { asset: assetView(current), already_deleted: true as const };
    const what = current.kind === "FIAT" ? `The currency ${current.code}` : `The asset ${current.code}`;
    refuseWhileUsed(what, await catalogUsage(tx, ctx.org.id, { assetId: id }));
    const [row] = await tx.update(assets).set({ deletedAt: new Date() }).where(eq(assets.id, id)).returning();
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "asset.deleted",
      targetId: id,
      details: { code: current.code, kind: current.kind, issuer: current.issuer, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
    });
    return { asset: assetView(row!), already_deleted: false as const };
  });
}
