import { getDb } from "@/db/client";
import { databaseLiveness } from "@/server/services/health/database-liveness";

export const dynamic = "force-dynamic";

/**
 * Liveness and database reachability, for load balancers and the launcher. The database probe is
 * shared by every request within one second (server/services/health/database-liveness.ts); the
 * answer gives its age.
 */
export async function GET() {
  const database = await databaseLiveness(getDb());
  if (database.reachable) return Response.json({ status: "ok", database });
  return Response.json({ status: "error", database }, { status: 503 });
}
