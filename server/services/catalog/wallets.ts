import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { assets, walletAssets, wallets } from "@/db/schema";
import { createWalletInput, updateWalletInput } from "@/server/schemas/catalog.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict, notFound } from "../errors";

export { createWalletInput, updateWalletInput };

/**
 * The organization's wallets with their assets, in one query (docs/performance.md, "Lists": under
 * load every round trip waits for a pooled connection, so a list reads what it shows at once).
 */
export async function listWallets(ctx: OrgContext, filter: { enabled?: boolean } = {}) {
  assertCan(ctx, "organization:read");
  const rows = await ctx.db
    .select({
      w: wallets,
      assets: sql<{ id: string; code: string; issuer: string }[]>`coalesce((
        select json_agg(json_build_object('id', a.id, 'code', a.code, 'issuer', a.issuer) order by a.code, a.id)
        from ${walletAssets} wa join ${assets} a on a.id = wa.asset_id where wa.wallet_id = "wallets"."id"), '[]'::json)`,
    })
    .from(wallets)
    .where(and(eq(wallets.orgId, ctx.org.id), filter.enabled === undefined ? undefined : eq(wallets.enabled, filter.enabled)))
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
  }));
}

async function assertOwnAssets(ctx: OrgContext, assetIds: string[]) {
  const found = await ctx.db
    .select({ id: assets.id, kind: assets.kind, code: assets.code })
    .from(assets)
    .where(and(eq(assets.orgId, ctx.org.id), inArray(assets.id, assetIds)));
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
    if (!row) throw conflict(`A wallet named "${input.name}" already exists.`, { name: "already exists" }, "ALREADY_EXISTS");
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
      .where(and(eq(wallets.id, input.id), eq(wallets.orgId, ctx.org.id)))
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
