/**
 * Security headers for every answer (docs/security.md, "Headers"), built by proxy.ts. Pure: no
 * server imports, so the proxy and the unit tests use the same code.
 */

/** Pages whose URL carries a bearer token (registration links, set-password links): never sent as a Referer. */
const NO_REFERRER_PREFIXES = ["/r", "/sep24", "/set-password", "/reset-password"];

export const PERMISSIONS_POLICY = [
  "accelerometer=()",
  "autoplay=()",
  "camera=()",
  "display-capture=()",
  "geolocation=()",
  "gyroscope=()",
  "magnetometer=()",
  "microphone=()",
  "midi=()",
  "payment=()",
  "publickey-credentials-get=()",
  "usb=()",
  "browsing-topics=()",
].join(", ");

export type CspOptions = { nonce: string; dev?: boolean; https?: boolean };

/**
 * The pages' policy. Scripts: only those carrying this request's nonce (Next.js puts it on its
 * own script tags when it finds it in the request's CSP header) and what they load
 * ('strict-dynamic'); no 'unsafe-inline'. 'unsafe-eval' only under `next dev` (React's dev
 * tooling). Styles keep 'unsafe-inline': Radix and React render `style` attributes, which nonces
 * cannot cover. Images: organization logos are external https URLs; QR codes are data: URLs.
 */
export function contentSecurityPolicy({ nonce, dev = false, https = false }: CspOptions): string {
  const directives = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob: https:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "frame-src 'none'",
    "worker-src 'self' blob:",
    "manifest-src 'self'",
  ];
  if (https) directives.push("upgrade-insecure-requests");
  return directives.join("; ");
}

/** API answers render nothing: no sources at all, never framed. */
export const API_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export function isNoReferrerPath(pathname: string): boolean {
  return NO_REFERRER_PREFIXES.some((p) => pathname === p || pathname.startsWith(`${p}/`));
}

export type SecurityHeaderOptions = {
  pathname: string;
  /** The page policy's nonce; absent for API routes. */
  nonce?: string;
  appUrl?: string;
  dev?: boolean;
};

/** Every security header for one answer. */
export function securityHeaders({ pathname, nonce, appUrl, dev = false }: SecurityHeaderOptions): Record<string, string> {
  const https = typeof appUrl === "string" && /^https:\/\//i.test(appUrl);
  const isApi = pathname === "/api" || pathname.startsWith("/api/");
  const headers: Record<string, string> = {
    "content-security-policy": isApi || !nonce ? API_CONTENT_SECURITY_POLICY : contentSecurityPolicy({ nonce, dev, https }),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": isNoReferrerPath(pathname) ? "no-referrer" : "strict-origin-when-cross-origin",
    "permissions-policy": PERMISSIONS_POLICY,
  };
  // A wallet opens the SEP-24 interactive page as a popup and may watch it (window.closed): keep
  // the opener relationship there; everywhere else another site's window gets no handle on ours.
  if (!(pathname === "/sep24" || pathname.startsWith("/sep24/"))) headers["cross-origin-opener-policy"] = "same-origin";
  if (https) headers["strict-transport-security"] = "max-age=31536000; includeSubDomains";
  return headers;
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
