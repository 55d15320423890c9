import { StrKey } from "@stellar/stellar-sdk";
import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { assets } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";

export const createAssetInput = z
  .object({
    code: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9]{1,12}$/, "Asset code must be 1 to 12 letters or digits.")
      .transform((v) => v.toUpperCase()),
    issuer: z
      .string()
      .trim()
      .toUpperCase()
      .optional()
      .transform((v) => v ?? ""),
  })
  .superRefine((v, c) => {
    if (v.code === "XLM" && v.issuer === "") return;
    if (v.code === "XLM" && v.issuer !== "") c.addIssue({ code: "custom", path: ["issuer"], message: "XLM is native and has no issuer." });
    else if (!StrKey.isValidEd25519PublicKey(v.issuer)) {
      c.addIssue({ code: "custom", path: ["issuer"], message: "Issuer must be a valid Stellar public key (G…)." });
    }
  });

function assetView(a: typeof assets.$inferSelect) {
  return { id: a.id, code: a.code, issuer: a.issuer, enabled: a.enabled, created_at: a.createdAt.toISOString(), updated_at: a.updatedAt.toISOString() };
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
    const [row] = await tx.insert(assets).values({ orgId: ctx.org.id, code: input.code, issuer: input.issuer }).onConflictDoNothing().returning();
    if (!row) throw conflict(`The asset ${input.code}${input.issuer ? ` from ${input.issuer.slice(0, 6)}…` : ""} already exists.`, undefined, "ALREADY_EXISTS");
    await recordAuditEvent(tx, { orgId: ctx.org.id, actorUserId: ctx.actor.userId, action: "asset.created", targetId: row.id, details: { code: row.code } });
    return assetView(row);
  });
}

export const setAssetEnabledInput = z.object({ id: z.uuid(), enabled: z.boolean() });

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
