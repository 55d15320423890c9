import { and, desc, eq } from "drizzle-orm";
import { g2pOauthClients, g2pSenders, users, type G2pOauthClient } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";

/** What the Integrations page shows of client credentials (never the secret or its hash). */
export function oauthClientView(row: G2pOauthClient, sender: { senderId: string } | null, createdByEmail: string | null) {
  return {
    id: row.id,
    name: row.name,
    client_id: row.clientId,
    sender_row_id: row.senderRowId,
    sender_id: sender?.senderId ?? null,
    scopes: row.scopes,
    created_by: createdByEmail,
    created_at: row.createdAt.toISOString(),
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
  };
}

export type G2pOauthClientView = ReturnType<typeof oauthClientView>;

/** The organization's G2P client credentials (optionally one), newest first. */
export async function oauthClientViews(ctx: OrgContext, id?: string): Promise<G2pOauthClientView[]> {
  const rows = await ctx.db
    .select({ c: g2pOauthClients, senderId: g2pSenders.senderId, email: users.email })
    .from(g2pOauthClients)
    .leftJoin(g2pSenders, and(eq(g2pSenders.id, g2pOauthClients.senderRowId), eq(g2pSenders.orgId, ctx.org.id)))
    .leftJoin(users, eq(users.id, g2pOauthClients.createdBy))
    .where(and(eq(g2pOauthClients.orgId, ctx.org.id), id ? eq(g2pOauthClients.id, id) : undefined))
    .orderBy(desc(g2pOauthClients.createdAt));
  return rows.map(({ c, senderId, email }) => oauthClientView(c, senderId ? { senderId } : null, email));
}

/** The Integrations page's list of OAuth2 client credentials. */
export async function listG2pOauthClients(ctx: OrgContext) {
  assertCan(ctx, "integrations:manage");
  return oauthClientViews(ctx);
}
