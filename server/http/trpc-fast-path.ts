import type { IncomingMessage, ServerResponse } from "node:http";
import { ACTIVE_ORG_COOKIE } from "@/server/auth/constants";
import { answerBeforeNext } from "./rest-fast-path";

type Handler = (req: IncomingMessage, res: ServerResponse) => unknown;
type Answer = typeof import("@/server/trpc/http-handler").answerTrpcRequest;
type Identify = typeof import("@/server/auth/session-identity").sessionIdentityFromCookies;

/**
 * The request's cookies by name, parsed exactly as Next.js's `cookies()` parses them
 * (@edge-runtime/cookies): pairs split on `; `, a later pair of the same name wins, values
 * URI-decoded, a value that does not decode skipped, a pair without `=` read as "true".
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const pair of header.split(/; */)) {
    if (!pair) continue;
    const at = pair.indexOf("=");
    if (at === -1) {
      out[pair] = "true";
      continue;
    }
    try {
      out[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1));
    } catch {
      // skipped, as Next.js does
    }
  }
  return out;
}

/**
 * tRPC reads (`GET /api/trpc/…`: queries, batched or not) answered by the web server, before
 * Next.js (docs/performance/pages.md, "tRPC reads"). The same answer as the route
 * (app/api/trpc/[trpc]/route.ts): both identify the caller with sessionIdentityFromCookies
 * (server/auth/session-identity.ts: the session cookie decoded and its server-side session checked
 * live, on every request) and answer through answerTrpcRequest (server/trpc/http-handler.ts: the
 * same router, context, permission tiers and error shapes). Around it, what proxy.ts does for an
 * API request (request id, security headers, the request log line; answerBeforeNext). Next.js's
 * routing, proxy and route-module layers cost about 3 ms of CPU per call under load, more than most
 * procedures themselves.
 *
 * Only `GET`: mutations (POST) keep going through Next.js, with the route's Origin and content-type
 * checks. tRPC refuses a mutation sent as GET either way. Under `next dev` everything goes through
 * Next.js, so edits show up at once. If the modules cannot be loaded, requests fall back to Next.js.
 */
export function withTrpcFastPath(handler: Handler, options: { dev: boolean }): Handler {
  let modules: Promise<{ answer: Answer; identify: Identify }> | undefined;
  let unavailable = false;
  return (req, res) => {
    if (options.dev || unavailable || req.method !== "GET" || !req.url?.startsWith("/api/trpc/")) return handler(req, res);
    const [pathname = "", search = ""] = req.url.split(/\?(.*)/s, 2);
    modules ??= Promise.all([import("@/server/trpc/http-handler"), import("@/server/auth/session-identity")]).then(([h, s]) => ({
      answer: h.answerTrpcRequest,
      identify: s.sessionIdentityFromCookies,
    }));
    return modules.then(
      ({ answer, identify }) =>
        answerBeforeNext(
          async (request) => {
            const cookies = parseCookieHeader(request.headers.get("cookie") ?? undefined);
            const identity = await identify(cookies);
            return answer(request, { identity, activeOrgId: cookies[ACTIVE_ORG_COOKIE] ?? null });
          },
          req,
          res,
          { pathname, search, dev: options.dev },
        ),
      (error: unknown) => {
        // Said once; from then on Next.js answers every tRPC read, as without this path.
        if (!unavailable)
          process.stderr.write(`[web] the tRPC fast path is off, Next.js answers tRPC reads: ${error instanceof Error ? error.message : String(error)}\n`);
        unavailable = true;
        return handler(req, res);
      },
    );
  };
}
