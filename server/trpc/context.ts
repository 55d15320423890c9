import { randomUUID } from "node:crypto";
import type { DbOrTx } from "@/db/client";
import { logger, type Logger } from "@/server/log";
import type { ResolvedMembership } from "@/server/services/auth/resolve-membership";

/** Per-request tRPC context. Route handlers and tests build it; membership is resolved by the org tier. */
export type TRPCContext = {
  db: DbOrTx;
  userId: string | null;
  /** The caller's server-side session (user_sessions.id), when signed in through the browser. */
  sessionId?: string | null;
  /**
   * The client's address (X-Forwarded-For as server/http/web-server.ts rewrites it with
   * TRUSTED_PROXY_HOPS), for throttling public requests such as "forgot password".
   */
  clientIp?: string | null;
  /** The organization the caller chose (cookie); validated against memberships by the org tier. */
  activeOrgId: string | null;
  requestId: string;
  log: Logger;
  /** Response headers, for procedures that set cookies. Absent for server-side callers. */
  resHeaders?: Headers;
  /**
   * The caller's membership as this request already resolved it (server components: the page and
   * layout read it through getCurrentMembership, once per request), so the organization tier does
   * not read it again for each prefetched procedure. Absent: the tier reads it itself.
   */
  membership?: () => Promise<ResolvedMembership | null>;
};

export function buildContext(input: Omit<TRPCContext, "requestId" | "log"> & { requestId?: string }): TRPCContext {
  const requestId = input.requestId ?? randomUUID();
  return { ...input, requestId, log: logger.child({ reqId: requestId, userId: input.userId ?? undefined }) };
}
