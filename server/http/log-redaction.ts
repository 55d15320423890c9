/**
 * Paths and query strings as they may appear in logs (docs/security.md, "Logs"): registration
 * links (/r/<token>), SEP-24 interactive tokens (JWTs in the query) and set-password links
 * (?token=) are bearer secrets, so they are replaced by "[redacted]". Pure: no server imports.
 */
const SECRET_SEGMENT_PREFIXES = ["/r/"];
const SECRET_QUERY_KEYS = new Set(["token", "jwt", "code", "otp", "secret", "password", "key", "signature", "callbackurl"]);
/** JWTs (SEP-10/24) and registration tokens (`<id>.<nonce>.<expiry>.<signature>`): dotted base64url parts. */
const JWT = /^(?=.{24,})[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){2,}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A value that looks like a bearer token: a JWT, or a long opaque string that is not a record id (UUID). */
function looksLikeToken(value: string): boolean {
  return JWT.test(value) || (/^[A-Za-z0-9_-]{32,}$/.test(value) && !UUID.test(value));
}

export const REDACTED = "[redacted]";

/** The path with secret segments replaced: "/r/abc123" → "/r/[redacted]". */
export function redactPath(pathname: string): string {
  for (const prefix of SECRET_SEGMENT_PREFIXES) {
    if (pathname.startsWith(prefix) && pathname.length > prefix.length) {
      const rest = pathname.slice(prefix.length);
      const slash = rest.indexOf("/");
      return `${prefix}${REDACTED}${slash === -1 ? "" : rest.slice(slash)}`;
    }
  }
  // A JWT or a long opaque value as a whole segment is a token too.
  return pathname
    .split("/")
    .map((segment) => (looksLikeToken(segment) ? REDACTED : segment))
    .join("/");
}

/** A query string ("?a=1&token=x") with secret-looking values replaced; "" stays "". */
export function redactSearch(search: string): string {
  if (!search || search === "?") return "";
  const params = new URLSearchParams(search.startsWith("?") ? search.slice(1) : search);
  const parts: string[] = [];
  for (const [key, value] of params) {
    const secret = SECRET_QUERY_KEYS.has(key.toLowerCase()) || looksLikeToken(value);
    parts.push(`${encodeURIComponent(key)}=${secret ? REDACTED : encodeURIComponent(value)}`);
  }
  return parts.length > 0 ? `?${parts.join("&")}` : "";
}

/** A whole URL or path+query for a log line. */
export function redactUrl(url: string): string {
  const q = url.indexOf("?");
  const hashless = url.split("#")[0]!;
  if (q === -1) {
    const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i.exec(hashless);
    return m ? m[1] + redactPath(m[2] || "/") : redactPath(hashless);
  }
  const before = hashless.slice(0, q);
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]*)(.*)$/i.exec(before);
  const path = m ? m[1] + redactPath(m[2] || "/") : redactPath(before);
  return path + redactSearch(hashless.slice(q));
}
