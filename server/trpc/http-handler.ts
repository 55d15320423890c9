import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { getDb } from "@/db/client";
import type { SessionIdentity } from "@/server/auth/session-identity";
import { buildContext } from "./context";
import { appRouter } from "./root";

/**
 * One tRPC request over HTTP, once the caller is known: the route (app/api/trpc/[trpc]/route.ts,
 * through Next.js) and the read fast path (server/http/trpc-fast-path.ts, before Next.js) both end
 * here, so they build the same context and answer the same way.
 */
export function answerTrpcRequest(req: Request, caller: { identity: SessionIdentity | null; activeOrgId: string | null }): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) =>
      buildContext({
        db: getDb(),
        userId: caller.identity?.userId ?? null,
        sessionId: caller.identity?.sessionId ?? null,
        // server/http/web-server.ts leaves exactly the client's address here.
        clientIp: req.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim() || null,
        activeOrgId: caller.activeOrgId,
        requestId: req.headers.get("x-request-id") ?? undefined,
        resHeaders,
      }),
  });
}
