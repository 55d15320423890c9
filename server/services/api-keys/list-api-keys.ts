import { desc, eq } from "drizzle-orm";
import { apiKeys, users, type ApiKey } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";

export type ApiKeyStatus = "active" | "expired" | "revoked";

export function apiKeyStatus(row: Pick<ApiKey, "revokedAt" | "expiresAt">, now = new Date()): ApiKeyStatus {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** What the API keys page shows: never the hash. */
export function apiKeyView(row: ApiKey, creator: { id: string; name: string; email: string } | null) {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    /** How the key starts, to recognise it: `sdp_<prefix>_…`. */
    hint: `sdp_${row.prefix}_…`,
    scopes: row.scopes,
    allowed_ips: row.allowedIps,
    expires_at: row.expiresAt?.toISOString() ?? null,
    created_at: row.createdAt.toISOString(),
    created_by: creator,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    status: apiKeyStatus(row),
  };
}

export type ApiKeyView = ReturnType<typeof apiKeyView>;

/** The organization's API keys, newest first, revoked and expired ones included. */
export async function listApiKeys(ctx: OrgContext): Promise<ApiKeyView[]> {
  assertCan(ctx, "api_keys:manage");
  const rows = await ctx.db
    .select({ key: apiKeys, creatorId: users.id, creatorName: users.name, creatorEmail: users.email })
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(eq(apiKeys.orgId, ctx.org.id))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map((r) => apiKeyView(r.key, r.creatorId ? { id: r.creatorId, name: r.creatorName ?? "", email: r.creatorEmail ?? "" } : null));
}
