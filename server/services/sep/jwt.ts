import { createHmac, timingSafeEqual } from "node:crypto";

/** A minimal HS256 JWT (RFC 7519) for SEP-10 tokens; no external dependency. */
export type JwtClaims = Record<string, unknown> & { iss?: string; sub?: string; iat?: number; exp?: number; jti?: string };

const HEADER = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");

function mac(key: Buffer, input: string): string {
  return createHmac("sha256", key).update(input).digest("base64url");
}

export function signJwt(claims: JwtClaims, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString("base64url");
  const input = `${HEADER}.${payload}`;
  return `${input}.${mac(key, input)}`;
}

/** The claims of a token with a valid HS256 signature that has not expired; null otherwise. */
export function verifyJwt(token: string, key: Buffer, now = new Date()): JwtClaims | null {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  try {
    const h = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: unknown };
    if (h.alg !== "HS256") return null;
  } catch {
    return null;
  }
  const expected = Buffer.from(mac(key, `${header}.${payload}`));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return null;
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!claims || typeof claims !== "object" || Array.isArray(claims)) return null;
  const c = claims as JwtClaims;
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (typeof c.exp !== "number" || c.exp <= nowSeconds) return null;
  if (typeof c.iat === "number" && c.iat > nowSeconds + 60) return null;
  return c;
}
