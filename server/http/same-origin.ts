import { config } from "@/server/config";
/**
 * CSRF guard for cookie-authenticated state changes (docs/security.md, "CSRF"). Browsers send
 * `Origin` on every cross-origin POST (and on same-origin POSTs); a request is refused when that
 * origin is not the app's own. When `Origin` is absent, `Sec-Fetch-Site` must be `same-origin` or
 * `none` if present; a request with neither header does not come from a browser page, so it
 * carries no ambient cookies an attacker could ride on and is let through.
 *
 * "The app's own origin" is APP_URL's origin, or the origin the request itself was addressed to
 * (its Host header) so a local setup reached as 127.0.0.1 while APP_URL says localhost still
 * works. A page on another port or host never matches either (the port is part of the origin),
 * and a browser sets Host itself; a DNS-rebinding page gets a matching Host but the browser sends
 * it no cookies of this app, so there is nothing to forge. Pure: no server imports.
 */
export type OriginVerdict = { ok: true } | { ok: false; reason: string };

type HeaderSource = { get(name: string): string | null };

function originOf(value: string): string | null {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url.origin : null;
  } catch {
    return null;
  }
}

/** The origins a state-changing request may come from: APP_URL's and the request's own host. */
export function allowedOrigins(headers: HeaderSource, appUrl: string | undefined): string[] {
  const out = new Set<string>();
  const app = appUrl ? originOf(appUrl) : null;
  if (app) out.add(app);
  const host = headers.get("host")?.trim();
  if (host && /^[a-z0-9.\-[\]:]+$/i.test(host)) {
    // Same host and port under either scheme: a browser on http://h:p and https://h:p are the same server.
    for (const scheme of ["http", "https"]) {
      const o = originOf(`${scheme}://${host}`);
      if (o) out.add(o);
    }
  }
  return [...out];
}

export function checkSameOrigin(headers: HeaderSource, appUrl: string | undefined): OriginVerdict {
  const origin = headers.get("origin");
  if (origin !== null) {
    const normalized = originOf(origin.trim());
    if (normalized && allowedOrigins(headers, appUrl).includes(normalized)) return { ok: true };
    return { ok: false, reason: `requests from ${origin.slice(0, 100) || "an empty origin"} are not accepted` };
  }
  const site = headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") {
    return { ok: false, reason: `a ${site.slice(0, 20)} request without an Origin header is not accepted` };
  }
  return { ok: true };
}

/** The HTTP answer for a refused request: 403, JSON, naming the rule. */
export function crossOriginRefusal(verdict: { reason: string }): Response {
  return new Response(JSON.stringify({ error: "Forbidden", extras: { status: 403, message: `Cross-origin request refused: ${verdict.reason}.` } }), {
    status: 403,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/** The request's own guard: null when it may go on, else the 403 to send. */
export function refuseCrossOrigin(request: Request, appUrl = config().APP_URL): Response | null {
  const verdict = checkSameOrigin(request.headers, appUrl);
  return verdict.ok ? null : crossOriginRefusal(verdict);
}
