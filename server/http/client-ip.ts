/**
 * The client address for allowed-IP checks. The web server the launcher runs
 * (server/http/web-server.ts) replaces X-Forwarded-For with the one address computed from the
 * socket and TRUSTED_PROXY_HOPS before the app sees the request, so the header holds exactly that
 * address and is not the client's to choose (docs/security.md, "Client address").
 */
export function clientIp(request: Request): string | null {
  const forwarded = request.headers.get("x-forwarded-for");
  const last = forwarded
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .pop();
  return last || request.headers.get("x-real-ip")?.trim() || null;
}
