import { createHash } from "node:crypto";
import { decode as nextAuthDecode, getToken, type JWT } from "next-auth/jwt";

/**
 * The session cookie's JWT, decoded once per process rather than once per read (docs/security.md,
 * "Sessions"; docs/performance/pages.md). next-auth derives the key with HKDF and decrypts the JWE
 * on every `getToken`, and a signed-in page read it twice (proxy.ts, then getSessionIdentity):
 * about 0.3 ms each under load. Decoding is a pure function of the cookie's bytes and the secret, so
 * the result is kept for the same bytes:
 *
 * - keyed by a SHA-256 of the secret and the token, so the cache holds no cookie value;
 * - only tokens that decoded and carry an expiry, and never past that expiry (a decode after it
 *   goes back to next-auth, which refuses an expired token);
 * - at most SESSION_TOKEN_CACHE_MAX entries, least recently used dropped first.
 *
 * This caches the decoding only. Whether the session is still live (not signed out, not ended by a
 * password change) is still read from `user_sessions` on every request (server/auth/session.ts), so
 * revocation takes effect on the next request, as before.
 */
export const SESSION_TOKEN_CACHE_MAX = 1_000;

type Entry = { token: Readonly<JWT>; until: number };
type Decode = (params: { token: string; secret: string }) => Promise<JWT | null>;

// One cache per process: proxy.ts and the app's routes are separate bundles with their own module
// instances, so the map lives on globalThis under a private symbol.
const STORE = Symbol.for("disbursements.session-token-cache");
const holder = globalThis as { [STORE]?: Map<string, Entry> };
function cache(): Map<string, Entry> {
  return (holder[STORE] ??= new Map());
}

/** The decoded session token, or null when absent, tampered with, signed with another secret or expired. */
export async function decodeSessionToken(
  raw: string | null | undefined,
  secret: string | undefined,
  options: { now?: number; decode?: Decode } = {},
): Promise<Readonly<JWT> | null> {
  if (!raw || !secret) return null;
  const now = options.now ?? Date.now();
  const entries = cache();
  const key = createHash("sha256").update(secret).update("\0").update(raw).digest("base64url");
  const hit = entries.get(key);
  if (hit) {
    entries.delete(key);
    if (hit.until > now) {
      entries.set(key, hit); // most recently used last
      return hit.token;
    }
  }
  let token: JWT | null;
  try {
    token = await (options.decode ?? nextAuthDecode)({ token: raw, secret });
  } catch {
    return null;
  }
  if (!token) return null;
  const frozen = Object.freeze({ ...token });
  const expiresAt = typeof token.exp === "number" ? token.exp * 1000 : 0;
  if (expiresAt > now) {
    entries.set(key, { token: frozen, until: expiresAt });
    while (entries.size > SESSION_TOKEN_CACHE_MAX) entries.delete(entries.keys().next().value!);
  }
  return frozen;
}

/** The session cookie's raw value as next-auth reads it (chunked cookies joined), or null. */
export async function rawSessionToken(req: Parameters<typeof getToken>[0]["req"], secureCookie: boolean): Promise<string | null> {
  // `raw: true` skips decoding; the secret is then unused but required by the type.
  return (await getToken({ req, secureCookie, raw: true, secret: "unused" })) || null;
}

/** Entries held now (tests). */
export function sessionTokenCacheSize(): number {
  return cache().size;
}

/** Empties the cache (tests). */
export function clearSessionTokenCache(): void {
  cache().clear();
}
