import "server-only";
import { dehydrate, HydrationBoundary } from "@tanstack/react-query";
import { createTRPCOptionsProxy, type TRPCQueryOptions } from "@trpc/tanstack-react-query";
import { cookies, headers } from "next/headers";
import { cache } from "react";
import { makeQueryClient } from "@/lib/query-client";
import { getDb } from "@/db/client";
import { ACTIVE_ORG_COOKIE } from "@/server/auth/constants";
import { getCurrentMembership, getSessionIdentity } from "@/server/auth/session";
import { buildContext } from "./context";
import { appRouter } from "./root";

/** One query client per server request. */
export const getQueryClient = cache(makeQueryClient);

const createRscContext = cache(async () =>
  buildContext({
    db: getDb(),
    userId: (await getSessionIdentity())?.userId ?? null,
    sessionId: (await getSessionIdentity())?.sessionId ?? null,
    activeOrgId: (await cookies()).get(ACTIVE_ORG_COOKIE)?.value ?? null,
    requestId: (await headers()).get("x-request-id") ?? undefined,
    // The membership the page and layout already read for this request (same user, same
    // active-organization cookie), instead of one more read per prefetched procedure.
    membership: getCurrentMembership,
  }),
);

/** Server components prefetch through the same procedures (and permission checks) as the browser. */
export const trpc = createTRPCOptionsProxy({ ctx: createRscContext, router: appRouter, queryClient: getQueryClient });

/** Direct server-side calls, e.g. to decide what a page shows. */
export const serverCaller = cache(async () => appRouter.createCaller(await createRscContext()));

export function HydrateClient({ children }: { children: React.ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function prefetch<T extends ReturnType<TRPCQueryOptions<any>>>(queryOptions: T) {
  void getQueryClient().prefetchQuery(queryOptions);
}
