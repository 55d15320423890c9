import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { cookies } from "next/headers";
import { getDb } from "@/db/client";
import { ACTIVE_ORG_COOKIE } from "@/server/auth/constants";
import { getSessionUserId } from "@/server/auth/session";
import { buildContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";

async function handler(req: Request) {
  const userId = await getSessionUserId();
  const activeOrgId = (await cookies()).get(ACTIVE_ORG_COOKIE)?.value ?? null;
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) =>
      buildContext({
        db: getDb(),
        userId,
        activeOrgId,
        requestId: req.headers.get("x-request-id") ?? undefined,
        resHeaders,
      }),
  });
}

export { handler as GET, handler as POST };
