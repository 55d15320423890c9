import { and, asc, eq, sql } from "drizzle-orm";
import { assets, g2pMessages, g2pSenders, wallets } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { parseEd25519PublicKey, rawPublicKeyBase64 } from "../g2p/signature";

function rawKey(pem: string): string | null {
  try {
    return rawPublicKeyBase64(parseEd25519PublicKey(pem));
  } catch {
    return null;
  }
}

/** The organization's senders (optionally one), with how much each has used the interface. */
export async function senderViews(ctx: OrgContext, id?: string) {
  const rows = await ctx.db
    .select({
      s: g2pSenders,
      wallet: { id: wallets.id, name: wallets.name, enabled: wallets.enabled },
      asset: { id: assets.id, code: assets.code, issuer: assets.issuer },
      transactions: sql<number>`(select count(*)::int from g2p_transactions t where t.sender_row_id = ${g2pSenders.id})`,
      lastMessageAt: sql<Date | null>`(select max(m.created_at) from g2p_messages m where m.sender_row_id = ${g2pSenders.id})`.mapWith(g2pMessages.createdAt),
    })
    .from(g2pSenders)
    .leftJoin(wallets, and(eq(wallets.id, g2pSenders.walletId), eq(wallets.orgId, ctx.org.id)))
    .leftJoin(assets, and(eq(assets.id, g2pSenders.defaultAssetId), eq(assets.orgId, ctx.org.id)))
    .where(and(eq(g2pSenders.orgId, ctx.org.id), id ? eq(g2pSenders.id, id) : undefined))
    .orderBy(asc(g2pSenders.name), asc(g2pSenders.senderId));
  return rows.map(({ s, wallet, asset, transactions, lastMessageAt }) => ({
    id: s.id,
    sender_id: s.senderId,
    name: s.name,
    callback_url: s.callbackUrl,
    public_key: s.publicKey,
    public_key_base64: rawKey(s.publicKey),
    /** The public encryption JWK (JSON) we encrypt to, or null. */
    encryption_public_key: s.encryptionPublicKey,
    wallet: wallet?.id ? wallet : null,
    default_asset: asset?.id ? asset : null,
    enabled: s.enabled,
    transactions: Number(transactions),
    last_message_at: lastMessageAt ? new Date(lastMessageAt).toISOString() : null,
    created_at: s.createdAt.toISOString(),
    updated_at: s.updatedAt.toISOString(),
  }));
}

export type G2pSenderView = Awaited<ReturnType<typeof senderViews>>[number];

/** Systems registered to drive disbursements over G2P Connect, by name. */
export async function listG2pSenders(ctx: OrgContext) {
  assertCan(ctx, "integrations:manage");
  return senderViews(ctx);
}
