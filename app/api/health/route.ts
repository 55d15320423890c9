import { sql } from "drizzle-orm";
import { getDb } from "@/db/client";
import { logger } from "@/server/log";

export const dynamic = "force-dynamic";

/** Liveness and database reachability, for load balancers and the launcher. */
export async function GET() {
  const started = performance.now();
  try {
    await getDb().execute(sql`select 1`);
    return Response.json({ status: "ok", database: { reachable: true, latencyMs: Math.round(performance.now() - started) } });
  } catch (error) {
    logger.error({ err: error }, "health check: database unreachable");
    return Response.json({ status: "error", database: { reachable: false } }, { status: 503 });
  }
}
