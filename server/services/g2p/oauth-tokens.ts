import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { and, count, eq, gt, isNull, lt, min, or } from "drizzle-orm";
import { SignJWT, jwtVerify } from "jose";
import type { Db } from "@/db/client";
import { g2pOauthClients, g2pOauthFailures, g2pSenders, type G2pOauthClient } from "@/db/schema";
import { config } from "@/server/config";
import { OAUTH_CLIENT_ID_PATTERN, OAUTH_CLIENT_SECRET_PATTERN, basicCredentials, grantedScopes } from "@/server/domain/g2p/oauth";
import { DEFAULT_THROTTLE_POLICY, waitInWords } from "@/server/domain/sign-in-throttle";
import { logger } from "@/server/log";
import type { OrgContext } from "../context";
import { subkey } from "../crypto/keys";
import { LAST_USED_RESOLUTION_MS } from "../api-keys/authenticate-api-key";
import { throttlePolicy } from "../auth/verify-credentials";

/**
 * The G2P token endpoint (OAuth2 client-credentials grant, RFC 6749 §4.4) and the access tokens it
 * issues (docs/g2p-connect.md#authorization).
 *
 * Tokens are JWTs (the spec's securityScheme is `bearerFormat: jwt`), HS256-signed with a subkey of
 * ENCRYPTION_KEY (no further secret to manage; never logged), lifetime G2P_OAUTH_TOKEN_TTL_SECONDS.
 * Every use still reads the client's row, so revoking the client refuses its tokens at once, and
 * the token acts only for the client's own sender with the scopes it was given.
 */

const ISSUER = "disbursement-platform";
const AUDIENCE = "g2p-connect";

/** `hmac-sha256$<salt>$<digest>` of a client secret, keyed with its own subkey (like API keys). */
export function hashOauthClientSecret(secret: string, salt: string = randomBytes(16).toString("base64url")): string {
  const digest = createHmac("sha256", subkey("g2p-oauth-clients")).update(`${salt}$${secret}`, "utf8").digest("base64url");
  return `hmac-sha256$${salt}$${digest}`;
}

function secretMatches(secret: string, stored: string): boolean {
  const [scheme, salt] = stored.split("$");
  if (scheme !== "hmac-sha256" || !salt) return false;
  const a = Buffer.from(hashOauthClientSecret(secret, salt));
  const b = Buffer.from(stored);
  return a.length === b.length && timingSafeEqual(a, b);
}

// Compared against when no client matches, so a miss costs about as much as a hit.
let dummyHash: string | undefined;

const signingKey = () => new Uint8Array(subkey("g2p-oauth-access-tokens"));

export type OauthAnswer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

const oauthError = (status: number, error: string, description: string, headers?: Record<string, string>): OauthAnswer => ({
  status,
  body: { error, error_description: description },
  headers,
});

/** RFC 6749 §5.2: invalid_client answers 401 with the scheme the client may use. */
const invalidClient = (description: string) => oauthError(401, "invalid_client", description, { "www-authenticate": 'Basic realm="g2p-connect", charset="UTF-8"' });

export type TokenRequest = { contentType: string | null; authorization: string | null; body: string; ip: string | null };

/**
 * Answer one token request: `{access_token, token_type: "Bearer", expires_in, scope}` or an RFC
 * 6749 §5.2 error (invalid_request, invalid_client 401, invalid_grant, unsupported_grant_type,
 * invalid_scope), or 429 when this address failed to authenticate too often (the sign-in limits,
 * server/domain/sign-in-throttle.ts: LOGIN_MAX_FAILURES per client and address, LOGIN_IP_MAX_FAILURES
 * per address).
 */
export async function issueG2pAccessToken(db: Db, request: TokenRequest, now = new Date()): Promise<OauthAnswer> {
  const mediaType = (request.contentType ?? "").split(";")[0]!.trim().toLowerCase();
  if (mediaType !== "application/x-www-form-urlencoded") {
    return oauthError(400, "invalid_request", "Send the token request as application/x-www-form-urlencoded (RFC 6749 §4.4.2).");
  }
  const form = new URLSearchParams(request.body);
  for (const name of new Set(form.keys())) {
    if (form.getAll(name).length > 1) return oauthError(400, "invalid_request", `The parameter ${name} is repeated; send each parameter once.`);
  }
  const grantType = form.get("grant_type");
  if (!grantType) return oauthError(400, "invalid_request", "grant_type is missing; send grant_type=client_credentials.");
  if (grantType !== "client_credentials")
    return oauthError(400, "unsupported_grant_type", `grant_type "${grantType.slice(0, 60)}" is not supported; only client_credentials is.`);

  const basic = basicCredentials(request.authorization);
  if (basic === "malformed") return invalidClient("The Authorization: Basic header cannot be read; send base64(client_id:client_secret).");
  const inBody = form.has("client_id") || form.has("client_secret");
  if (basic && inBody) return oauthError(400, "invalid_request", "Send the client credentials either in the Authorization header or in the body, not both.");
  const clientId = basic ? basic.clientId : (form.get("client_id") ?? "");
  const clientSecret = basic ? basic.clientSecret : (form.get("client_secret") ?? "");
  if (!clientId || !clientSecret) return invalidClient("Client authentication is missing: send client_id and client_secret (body or HTTP Basic).");

  const ip = request.ip || "unknown";
  const throttled = await throttledFor(db, clientId, ip, now);
  if (throttled) return throttled;

  const fail = async (reason: string, client?: Pick<G2pOauthClient, "id" | "orgId">) => {
    logger.warn({ event: "g2p_oauth.client_refused", reason, oauthClientRowId: client?.id, orgId: client?.orgId, ip }, "G2P client authentication refused");
    await db.insert(g2pOauthFailures).values({ clientId: clientId.slice(0, 200), ip, createdAt: now });
    return invalidClient("Client authentication failed (unknown client, wrong secret or revoked).");
  };

  const row =
    OAUTH_CLIENT_ID_PATTERN.test(clientId) && OAUTH_CLIENT_SECRET_PATTERN.test(clientSecret)
      ? await db.query.g2pOauthClients.findFirst({ where: eq(g2pOauthClients.clientId, clientId) })
      : undefined;
  if (!row) {
    dummyHash ??= hashOauthClientSecret("x".repeat(43));
    secretMatches(clientSecret, dummyHash);
    return fail("unknown client");
  }
  if (!secretMatches(clientSecret, row.secretHash)) return fail("wrong secret", row);
  if (row.revokedAt) return fail("revoked", row);

  const [sender] = await db.select({ enabled: g2pSenders.enabled }).from(g2pSenders).where(eq(g2pSenders.id, row.senderRowId));
  if (!sender?.enabled) return oauthError(400, "invalid_grant", "The sender these credentials belong to is disabled; ask the organization to enable it.");
  if (!row.createdBy) return oauthError(400, "invalid_grant", "The person who created these credentials is no longer a member; create new credentials.");

  const scope = grantedScopes(form.get("scope"), row.scopes);
  if (!scope.ok) return oauthError(400, "invalid_scope", scope.description);

  const ttl = config().G2P_OAUTH_TOKEN_TTL_SECONDS;
  const iat = Math.floor(now.getTime() / 1000);
  const accessToken = await new SignJWT({ scope: scope.scopes.join(" "), cid: row.id })
    .setProtectedHeader({ alg: "HS256", typ: "at+jwt" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setSubject(row.clientId)
    .setJti(randomBytes(16).toString("base64url"))
    .setIssuedAt(iat)
    .setExpirationTime(iat + ttl)
    .sign(signingKey());
  await touch(db, row, now);
  logger.info({ event: "g2p_oauth.token_issued", oauthClientRowId: row.id, orgId: row.orgId, scope: scope.scopes }, "G2P access token issued");
  return {
    status: 200,
    body: { access_token: accessToken, token_type: "Bearer", expires_in: ttl, scope: scope.scopes.join(" ") },
  };
}

/** 429 when this client id from this address, or this address, failed too often lately. */
async function throttledFor(db: Db, clientId: string, ip: string, now: Date): Promise<OauthAnswer | null> {
  const policy = { ...DEFAULT_THROTTLE_POLICY, ...throttlePolicy() };
  const since = (seconds: number) => new Date(now.getTime() - seconds * 1000);
  const failures = async (where: ReturnType<typeof and>, windowSeconds: number) => {
    const [row] = await db
      .select({ n: count(), oldest: min(g2pOauthFailures.createdAt) })
      .from(g2pOauthFailures)
      .where(and(where, gt(g2pOauthFailures.createdAt, since(windowSeconds))));
    return { n: row?.n ?? 0, oldest: row?.oldest ?? now };
  };
  const refuse = (oldest: Date, windowSeconds: number, what: string) => {
    const retryAfter = Math.max(1, Math.ceil((oldest.getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
    logger.warn({ event: "g2p_oauth.throttled", ip, what }, "G2P client authentication throttled");
    return oauthError(429, "temporarily_unavailable", `Too many failed client authentications ${what}. Wait ${waitInWords(retryAfter)} and try again.`, {
      "retry-after": String(retryAfter),
    });
  };
  const pair = await failures(and(eq(g2pOauthFailures.clientId, clientId.slice(0, 200)), eq(g2pOauthFailures.ip, ip)), policy.windowSeconds);
  if (pair.n >= policy.maxFailures) return refuse(pair.oldest, policy.windowSeconds, "for this client from your address");
  const address = await failures(eq(g2pOauthFailures.ip, ip), policy.ipWindowSeconds);
  if (address.n >= policy.ipMaxFailures) return refuse(address.oldest, policy.ipWindowSeconds, "from your address");
  // Rows older than every window count for nothing; drop this address's.
  const longest = Math.max(policy.windowSeconds, policy.ipWindowSeconds);
  await db.delete(g2pOauthFailures).where(and(eq(g2pOauthFailures.ip, ip), lt(g2pOauthFailures.createdAt, since(longest))));
  return null;
}

async function touch(db: Db, row: G2pOauthClient, now: Date) {
  if (row.lastUsedAt && now.getTime() - row.lastUsedAt.getTime() < LAST_USED_RESOLUTION_MS) return;
  await db
    .update(g2pOauthClients)
    .set({ lastUsedAt: now })
    .where(and(eq(g2pOauthClients.id, row.id), or(isNull(g2pOauthClients.lastUsedAt), lt(g2pOauthClients.lastUsedAt, new Date(now.getTime() - LAST_USED_RESOLUTION_MS)))))
    .catch((err: unknown) => logger.error({ err, oauthClientRowId: row.id }, "could not record G2P client use"));
}

/** A JWT: three base64url parts (what tells an access token from an `sdp_…` API key). */
export const looksLikeJwt = (value: string) => /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);

/** The context a verified access token acts in: its client's creator, in the client's organization, with the token's scopes, for one sender. */
export type G2pTokenContext = OrgContext & { g2pSenderRowId: string; g2pOauthClientId: string };

/**
 * Verify an access token (signature, issuer, audience, expiry) and that its client still exists
 * and is not revoked; null when any of it fails (the reason is logged, not told).
 */
export async function verifyG2pAccessToken(db: Db, token: string, now = new Date()): Promise<G2pTokenContext | null> {
  let payload: { cid?: unknown; scope?: unknown; sub?: unknown };
  try {
    ({ payload } = await jwtVerify(token, signingKey(), { issuer: ISSUER, audience: AUDIENCE, algorithms: ["HS256"], currentDate: now, clockTolerance: 0 }));
  } catch (error) {
    logger.warn({ event: "g2p_oauth.token_refused", reason: (error as { code?: string }).code ?? "invalid" }, "G2P access token refused");
    return null;
  }
  if (typeof payload.cid !== "string" || typeof payload.scope !== "string") return null;
  const row = await db.query.g2pOauthClients.findFirst({ where: and(eq(g2pOauthClients.id, payload.cid), eq(g2pOauthClients.clientId, String(payload.sub))) });
  if (!row || row.revokedAt || !row.createdBy) {
    logger.warn(
      { event: "g2p_oauth.token_refused", reason: row ? (row.revokedAt ? "client revoked" : "creator gone") : "client gone", oauthClientRowId: payload.cid },
      "G2P access token refused",
    );
    return null;
  }
  // The token's scopes, as far as the client still holds them.
  const scopes = payload.scope.split(" ").filter((s) => row.scopes.includes(s) || (s === "read:disbursements" && row.scopes.includes("write:disbursements")));
  await touch(db, row, now);
  return { db, actor: { userId: row.createdBy }, org: { id: row.orgId }, role: "owner", scopes, g2pSenderRowId: row.senderRowId, g2pOauthClientId: row.clientId };
}
