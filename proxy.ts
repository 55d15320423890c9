import { NextResponse, type NextRequest } from "next/server";
import { secureCookies } from "@/server/auth/cookie-security";
import { decodeSessionToken, rawSessionToken } from "@/server/auth/session-token";
import { redactPath } from "@/server/http/log-redaction";
import { newNonce, securityHeaders } from "@/server/http/security-headers";
import { config as appConfig } from "@/server/config";

// "/.well-known", "/sep10", "/sep24": Stellar wallet interop (SEP-1/10/24), public; wallets authenticate with SEP-10 JWTs.
// "/oauth2": the G2P token endpoint (docs/g2p-connect.md#authorization); clients authenticate with their client credentials.
const PUBLIC_PAGES = ["/login", "/forgot-password", "/set-password", "/r", "/.well-known", "/sep10", "/sep24", "/oauth2"];

/**
 * Gives every request an id (logged by handlers) and sends signed-out visitors of app pages to
 * /login. This is only a convenience: every page, procedure and route checks access on its own.
 * Also sets the security headers (docs/security.md, "Headers"): pages get a CSP with a fresh
 * nonce, which Next.js reads from the request's own CSP header and puts on its script tags.
 */
export async function proxy(request: NextRequest) {
  const requestId = request.headers.get("x-request-id") || crypto.randomUUID();
  const headers = new Headers(request.headers);
  headers.set("x-request-id", requestId);

  const { pathname, search } = request.nextUrl;
  // API routes authenticate themselves and pass here without a session or an Origin check: among them
  // /api/mojaloop/<connection id>/… (the switch's server-to-server PUT callbacks, no Origin, no cookie),
  // authenticated by source allowlist and JWS (server/rails/mojaloop/receive-callback.ts).
  const isPage = !pathname.startsWith("/api/");
  const nonce = isPage ? newNonce() : undefined;
  const { APP_URL, LOG_LEVEL, AUTH_SECRET } = appConfig();
  // NODE_ENV stays a process.env read: Next.js sets it and inlines it at build time.
  const security = securityHeaders({ pathname, nonce, appUrl: APP_URL, dev: process.env.NODE_ENV === "development" });
  if (nonce) headers.set("content-security-policy", security["content-security-policy"]!);
  // One structured line per request (pino's shape), correlated with handler logs by reqId. The path
  // is redacted: registration links carry their bearer token in it; the query string is never logged.
  if (LOG_LEVEL !== "silent" && LOG_LEVEL !== "warn" && LOG_LEVEL !== "error") {
    console.log(
      JSON.stringify({ level: 30, time: new Date().toISOString(), service: "web", reqId: requestId, method: request.method, path: redactPath(pathname), msg: "request" }),
    );
  }
  if (isPage && !PUBLIC_PAGES.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
    // Decoded once per process per cookie, shared with getSessionIdentity (server/auth/session-token.ts).
    const token = await decodeSessionToken(await rawSessionToken(request, secureCookies()), AUTH_SECRET);
    if (!token?.sub) {
      const login = new URL("/login", request.url);
      if (pathname !== "/") login.searchParams.set("callbackUrl", pathname + search);
      return withHeaders(NextResponse.redirect(login), security, requestId);
    }
  }
  return withHeaders(NextResponse.next({ request: { headers } }), security, requestId);
}

function withHeaders(response: NextResponse, security: Record<string, string>, requestId: string): NextResponse {
  for (const [name, value] of Object.entries(security)) response.headers.set(name, value);
  response.headers.set("x-request-id", requestId);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|.*\\.(?:png|svg|ico|webp|jpg)$).*)"],
};
