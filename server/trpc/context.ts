import { randomUUID } from "node:crypto";
import type { DbOrTx } from "@/db/client";
import { logger, type Logger } from "@/server/log";

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
};

export function buildContext(input: Omit<TRPCContext, "requestId" | "log"> & { requestId?: string }): TRPCContext {
  const requestId = input.requestId ?? randomUUID();
  return { ...input, requestId, log: logger.child({ reqId: requestId, userId: input.userId ?? undefined }) };
}
