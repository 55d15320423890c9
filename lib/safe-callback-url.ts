/**
 * Where to send the browser after sign-in (docs/security.md, "Redirects"). Only a same-origin
 * relative path is kept; anything else becomes "/". Browsers treat "\" like "/" and drop TAB, CR
 * and LF inside URLs, so "/\evil.example", "/\t/evil.example" and "/\/evil.example" are all the
 * protocol-relative "//evil.example": normalise first, then refuse. Pure, no server imports: the
 * login page and the login form both use it.
 */
const DUMMY_ORIGIN = "http://callback.invalid";

export function safeCallbackPath(raw: unknown, appOrigin?: string | null): string {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return "/";
  // What a URL parser does anyway: drop TAB/CR/LF, read backslashes as slashes.
  let value = raw.replace(/[\t\n\r]/g, "").replace(/\\/g, "/");
  // An absolute URL on the app's own origin is reduced to its path.
  if (appOrigin && /^[a-z][a-z0-9+.-]*:/i.test(value)) {
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return "/";
    }
    if (url.origin !== new URL(appOrigin).origin) return "/";
    value = url.pathname + url.search + url.hash;
  }
  // Any other control character, space or leading junk: refuse rather than guess.
  if (/[\x00-\x20\x7f]/.test(value)) return "/";
  if (!value.startsWith("/") || value.startsWith("//")) return "/";
  let parsed: URL;
  try {
    parsed = new URL(value, DUMMY_ORIGIN);
  } catch {
    return "/";
  }
  if (parsed.origin !== DUMMY_ORIGIN) return "/";
  const path = parsed.pathname + parsed.search + parsed.hash;
  // Dot segments can collapse into "//host" ("/..//evil" parses to the path "//evil").
  if (path.startsWith("//") || path.startsWith("/\\")) return "/";
  return path;
}
