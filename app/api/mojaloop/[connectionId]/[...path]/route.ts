import { after } from "next/server";
import { getDb } from "@/db/client";
import { logger } from "@/server/log";
import { respondToMojaloopCallback } from "@/server/rails/mojaloop/receive-callback";

export const dynamic = "force-dynamic";

/**
 * The Mojaloop switch's callbacks for one connection (docs/rails/mojaloop-connections.md,
 * "Callbacks"): `PUT /api/mojaloop/<connection id>/parties/…`, `/quotes/…`, `/bulkQuotes/…`,
 * `/transfers/…`, `/bulkTransfers/…` and their `/error` forms. Server to server: the switch sends no
 * Origin and no session cookie, so there is no same-origin check here (there is no ambient
 * credential to ride on); each request is authenticated by the connection's source address
 * allowlist and, when a switch certificate is configured, its FSPIOP JWS signature
 * (server/rails/mojaloop/receive-callback.ts). Answered at once; the callback is applied after the
 * answer has been sent (`after`). Other methods: 405 from Next.js (only PUT is exported).
 */
export async function PUT(request: Request, context: { params: Promise<{ connectionId: string; path?: string[] }> }) {
  const params = await context.params;
  const log = logger.child({ reqId: request.headers.get("x-request-id") ?? undefined, route: "mojaloop.callback" });
  return respondToMojaloopCallback(request, params, { db: getDb(), log, schedule: (task) => after(task) });
}
