import { timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { apiKeys, type ApiKey } from "@/db/schema";
import { logger } from "@/server/log";
import type { OrgContext } from "../context";
import { ServiceError } from "../errors";
import { API_KEY_PATTERN, hashApiKeySecret } from "./create-api-key";

/** `last_used_at` is written at most once per this interval per key, to keep reads from writing. */
export const LAST_USED_RESOLUTION_MS = 60_000;

const notAuthorized = () => new ServiceError("UNAUTHORIZED", "Not authorized");

// Compared against when the prefix matches no row, so a miss costs about as much as a hit.
let dummyHash: string | undefined;

function secretMatches(secret: string, stored: string): boolean {
  const [scheme, salt] = stored.split("$");
  if (scheme !== "hmac-sha256" || !salt) return false;
  const a = Buffer.from(hashApiKeySecret(secret, salt));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as the IPv4 address. */
function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  return (mapped?.[1] ?? ip).toLowerCase();
}

export function ipAllowed(rules: readonly string[], ip: string | null): boolean {
  if (rules.length === 0) return true;
  if (!ip) return false;
  const address = normalizeIp(ip);
  const family = isIP(address);
  if (family === 0) return false;
  const list = new BlockList();
  for (const rule of rules) {
    const [base, bits] = rule.split("/");
    const ruleFamily = isIP(base ?? "");
    if (!base || ruleFamily === 0) continue;
    const type = ruleFamily === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) list.addAddress(base, type);
    else list.addSubnet(base, Number(bits), type);
  }
  return list.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** The key from an `Authorization: Bearer <key>` header value, or null. */
export function bearerKey(authorization: string | null | undefined): string | null {
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? "");
  return match?.[1] ?? null;
}

/**
 * Turn an API key into the context its requests run in, or throw UNAUTHORIZED ("Not authorized":
 * missing, malformed, unknown, wrong secret, revoked, expired, or from an address not allowed; the
 * caller is not told which, the log is).
 *
 * The context's role is "owner" on purpose: what a key may do is decided by its scopes alone, which
 * `assertCan` checks on top of the role (server/services/context.ts), and `PERMISSION_SCOPES` maps
 * users:manage and api_keys:manage to no scope at all, so a key can never manage people or keys.
 * A key could only be created with scopes its creator's role may grant. The key acts as its
 * creator: status histories, audit rows and the two-person rule see that user.
 */
export async function authenticateApiKey(db: DbOrTx, request: { authorization: string | null; ip: string | null }): Promise<OrgContext> {
  const reject = (reason: string, key?: Pick<ApiKey, "id" | "orgId" | "prefix">) => {
    logger.warn({ event: "api_key.rejected", reason, apiKeyId: key?.id, orgId: key?.orgId, prefix: key?.prefix, ip: request.ip }, "API key refused");
    return notAuthorized();
  };
  // SDP clients send the key with or without the `Bearer ` scheme (issue 15): a bare header value
  // that looks like a key is taken as one.
  const bare = request.authorization?.trim() ?? "";
  const key = bearerKey(request.authorization) ?? (API_KEY_PATTERN.test(bare) ? bare : null);
  if (!key) throw reject(request.authorization ? "malformed authorization header" : "no authorization header");
  const match = API_KEY_PATTERN.exec(key);
  if (!match) throw reject("malformed key");
  const [, prefix, secret] = match as unknown as [string, string, string];

  const row = await db.query.apiKeys.findFirst({ where: eq(apiKeys.prefix, prefix) });
  if (!row) {
    dummyHash ??= hashApiKeySecret("x".repeat(43));
    secretMatches(secret, dummyHash);
    throw reject("unknown prefix");
  }
  if (!secretMatches(secret, row.secretHash)) throw reject("wrong secret", row);
  if (row.revokedAt) throw reject("revoked", row);
  const now = new Date();
  if (row.expiresAt && row.expiresAt.getTime() <= now.getTime()) throw reject("expired", row);
  if (!ipAllowed(row.allowedIps, request.ip)) throw reject("address not allowed", row);
  // Services record the acting user in foreign keys; a key whose creator is gone cannot act.
  if (!row.createdBy) throw reject("creator no longer exists", row);

  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    // Conditional, so concurrent requests write once; a failure here must not fail the request.
    await db
      .update(apiKeys)
      .set({ lastUsedAt: now })
      .where(and(eq(apiKeys.id, row.id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)))))
      .catch((err: unknown) => logger.error({ err, apiKeyId: row.id }, "could not record API key use"));
  }

  return { db, actor: { userId: row.createdBy }, org: { id: row.orgId }, role: "owner", scopes: row.scopes, apiKeyId: row.id };
}
