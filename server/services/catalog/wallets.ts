import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { z } from "zod";
import { assets, walletAssets, wallets } from "@/db/schema";
import { createWalletInput, deleteWalletInput, updateWalletInput } from "@/server/schemas/catalog.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict, notFound } from "../errors";
import { catalogUsage, refuseWhileUsed } from "./catalog-usage";

export { createWalletInput, deleteWalletInput, updateWalletInput };

/**
 * The organization's wallets with their assets, in one query (docs/performance.md, "Lists": under
 * load every round trip waits for a pooled connection, so a list reads what it shows at once).
 * Soft-deleted wallets are left out unless `include_deleted` (SDP's filter); a wallet lists only its
 * live assets, so a deleted asset is no longer offered through it.
 */
export async function listWallets(ctx: OrgContext, filter: { enabled?: boolean; include_deleted?: boolean } = {}) {
  assertCan(ctx, "organization:read");
  const rows = await ctx.db
    .select({
      w: wallets,
      assets: sql<{ id: string; code: string; issuer: string }[]>`coalesce((
        select json_agg(json_build_object('id', a.id, 'code', a.code, 'issuer', a.issuer) order by a.code, a.id)
        from ${walletAssets} wa join ${assets} a on a.id = wa.asset_id where wa.wallet_id = "wallets"."id" and a.deleted_at is null), '[]'::json)`,
    })
    .from(wallets)
    .where(
      and(
        eq(wallets.orgId, ctx.org.id),
        filter.enabled === undefined ? undefined : eq(wallets.enabled, filter.enabled),
        filter.include_deleted ? undefined : isNull(wallets.deletedAt),
      ),
    )
    .orderBy(asc(wallets.name));
  return rows.map(({ w, assets: linked }) => ({
    id: w.id,
    name: w.name,
    homepage: w.homepage,
    deep_link_schema: w.deepLinkSchema,
    sep_10_client_domain: w.sep10ClientDomain,
    enabled: w.enabled,
    created_at: w.createdAt.toISOString(),
    updated_at: w.updatedAt.toISOString(),
    assets: linked,
    // SDP keeps a wallet's deleted_at to itself; ours says it (null while live), useful with include_deleted.
    deleted_at: w.deletedAt ? w.deletedAt.toISOString() : null,
  }));
}

async function assertOwnAssets(ctx: OrgContext, assetIds: string[]) {
  const found = await ctx.db
    .select({ id: assets.id, kind: assets.kind, code: assets.code })
    .from(assets)
    .where(and(eq(assets.orgId, ctx.org.id), inArray(assets.id, assetIds), isNull(assets.deletedAt)));
  if (found.length !== new Set(assetIds).size) throw badRequest("Unknown asset", { asset_ids: "one or more assets were not found" });
  // Wallets hold Stellar assets; a fiat currency is paid through a bank or switch connection (docs/rails.md).
  const fiat = found.filter((a) => a.kind !== "STELLAR");
  if (fiat.length > 0)
    throw badRequest("Wallets hold Stellar assets only", {
      asset_ids: `${fiat.map((a) => a.code).join(", ")} is a fiat currency, paid through a bank connection, not a wallet`,
    });
}

export async function createWallet(ctx: OrgContext, raw: z.input<typeof createWalletInput>) {
  assertCan(ctx, "wallets:write");
  const input = createWalletInput.parse(raw);
  await assertOwnAssets(ctx, input.asset_ids);
  const id = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(wallets)
      .values({
        orgId: ctx.org.id,
        name: input.name,
        homepage: input.homepage,
        deepLinkSchema: input.deep_link_schema,
        sep10ClientDomain: input.sep_10_client_domain,
        enabled: input.enabled,
      })
      .onConflictDoNothing()
      .returning({ id: wallets.id });
    if (!row) {
      // As in SDP, a deleted wallet keeps its name (history shows it) and is not brought back by adding it again.
      const [existing] = await tx
        .select({ deletedAt: wallets.deletedAt })
        .from(wallets)
        .where(and(eq(wallets.orgId, ctx.org.id), sql`lower(${wallets.name}) = lower(${input.name})`));
      if (existing?.deletedAt)
        throw conflict(
          `A deleted wallet is named "${input.name}": deleted wallets keep their name for the payments made through them and are not restored. Choose another name.`,
          { name: "a deleted wallet has this name" },
          "ALREADY_EXISTS",
        );
      throw conflict(`A wallet named "${input.name}" already exists.`, { name: "already exists" }, "ALREADY_EXISTS");
    }
    await tx.insert(walletAssets).values([...new Set(input.asset_ids)].map((assetId) => ({ walletId: row.id, assetId })));
    await recordAuditEvent(tx, { orgId: ctx.org.id, actorUserId: ctx.actor.userId, action: "wallet.created", targetId: row.id, details: { name: input.name } });
    return row.id;
  });
  return (await listWallets(ctx)).find((w) => w.id === id)!;
}

export async function updateWallet(ctx: OrgContext, raw: z.input<typeof updateWalletInput>) {
  assertCan(ctx, "wallets:write");
  const input = updateWalletInput.parse(raw);
  if (input.asset_ids) await assertOwnAssets(ctx, input.asset_ids);
  await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .update(wallets)
      .set({ ...(input.enabled === undefined ? {} : { enabled: input.enabled }), updatedAt: new Date() })
      .where(and(eq(wallets.id, input.id), eq(wallets.orgId, ctx.org.id), isNull(wallets.deletedAt)))
      .returning({ id: wallets.id });
    if (!row) throw notFound("The wallet");
    if (input.asset_ids) {
      await tx.delete(walletAssets).where(eq(walletAssets.walletId, row.id));
      await tx.insert(walletAssets).values([...new Set(input.asset_ids)].map((assetId) => ({ walletId: row.id, assetId })));
    }
    await recordAuditEvent(tx, { orgId: ctx.org.id, actorUserId: ctx.actor.userId, action: "wallet.updated", targetId: row.id, details: { ...input } });
  });
  const wallet = (await listWallets(ctx)).find((w) => w.id === input.id);
  if (!wallet) throw notFound("The wallet");
  return wallet;
}

/**
 * SDP's `DELETE /wallets/{id}`: a soft delete. The wallet leaves every list and choice (new
 * disbursements, registration, SEP-24, G2P senders) while disbursements and payments already made
 * keep showing it. Refused, naming what uses it, while an unfinished disbursement pays through it, a
 * G2P sender pays into it, or receivers are still registering with it (SDP's refusal). A wallet
 * already deleted is not found (SDP: 404).
 */
export async function deleteWallet(ctx: OrgContext, raw: z.input<typeof deleteWalletInput>) {
  assertCan(ctx, "wallets:write");
  const { id } = deleteWalletInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    // FOR UPDATE: a disbursement created meanwhile waits for its wallet row (create-disbursement reads it FOR SHARE).
    const [current] = await tx
      .select({ name: wallets.name })
      .from(wallets)
      .where(and(eq(wallets.id, id), eq(wallets.orgId, ctx.org.id), isNull(wallets.deletedAt)))
      .for("update");
    if (!current) throw notFound("The wallet");
    refuseWhileUsed(`The wallet ${current.name}`, await catalogUsage(tx, ctx.org.id, { walletId: id }));
    await tx.update(wallets).set({ deletedAt: new Date() }).where(eq(wallets.id, id));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "wallet.deleted",
      targetId: id,
      details: { name: current.name, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
    });
  });
  return { id, deleted: true as const };
}
