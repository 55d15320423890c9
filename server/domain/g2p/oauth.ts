import { hasScope } from "@/server/domain/api-scopes";
import { G2P_OAUTH_SCOPES, type G2pOauthScope } from "@/server/schemas/g2p-oauth.schema";

/**
 * Pure rules of the G2P token endpoint (OAuth2 client-credentials grant, RFC 6749 §4.4;
 * docs/g2p-connect.md#authorization).
 */

/** `client_id`: `g2pc_` and 16 base62 characters. */
export const OAUTH_CLIENT_ID_PATTERN = /^g2pc_[0-9A-Za-z]{16}$/;
/** `client_secret`: 32 random bytes, base64url. */
export const OAUTH_CLIENT_SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/**
 * The spec's indicative OIDC scope names (authz_core_api_v1.0.0.yaml `OidcScope`) a client written
 * from G2P Connect may ask for, mapped to the scope that covers the endpoint they name.
 */
const SPEC_SCOPE_ALIASES: Record<string, G2pOauthScope> = {
  "disburse.disburse": "write:disbursements",
  "disburse.on-disburse": "write:disbursements",
  "disburse.status": "read:disbursements",
  "disburse.on-status": "read:disbursements",
  "disburse.search": "read:disbursements",
  "disburse.on-search": "read:disbursements",
};

export type ScopeDecision = { ok: true; scopes: G2pOauthScope[] } | { ok: false; description: string };

/**
 * The scopes of a token: the requested `scope` parameter (space-delimited, RFC 6749 §3.3), each
 * of which the client must hold (`write:x` covers `read:x`), or every scope of the client when the
 * parameter is absent.
 */
export function grantedScopes(requested: string | null, clientScopes: readonly string[]): ScopeDecision {
  const held = G2P_OAUTH_SCOPES.filter((s) => hasScope(clientScopes, s));
  if (requested === null || requested.trim() === "") return { ok: true, scopes: normalize(held) };
  const out: G2pOauthScope[] = [];
  for (const word of requested.trim().split(/ +/)) {
    const scope = (G2P_OAUTH_SCOPES as readonly string[]).includes(word) ? (word as G2pOauthScope) : SPEC_SCOPE_ALIASES[word];
    if (!scope) return { ok: false, description: `Unknown scope "${word}"; use ${G2P_OAUTH_SCOPES.join(" or ")}.` };
    if (!hasScope(clientScopes, scope)) return { ok: false, description: `This client may not request "${word}" (it holds ${clientScopes.join(", ") || "no scope"}).` };
    if (!out.includes(scope)) out.push(scope);
  }
  return { ok: true, scopes: normalize(out) };
}

/** `write:disbursements` alone stands for both. */
function normalize(scopes: readonly G2pOauthScope[]): G2pOauthScope[] {
  return scopes.includes("write:disbursements") ? ["write:disbursements"] : [...scopes];
}

/**
 * The client credentials of an `Authorization: Basic` header (RFC 6749 §2.3.1: both parts
 * form-urlencoded before base64), null when the header is not Basic, "malformed" when it is
 * Basic but unreadable.
 */
export function basicCredentials(authorization: string | null): { clientId: string; clientSecret: string } | null | "malformed" {
  const match = /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(authorization ?? "");
  if (!match) return authorization && /^Basic\b/i.test(authorization) ? "malformed" : null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return "malformed";
  try {
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, " "));
    return { clientId: dec(decoded.slice(0, colon)), clientSecret: dec(decoded.slice(colon + 1)) };
  } catch {
    return "malformed";
  }
}
