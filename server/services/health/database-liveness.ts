import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { logger } from "@/server/log";

/** How long one database round trip answers for every health check (docs/performance.md, "Health"). */
export const LIVENESS_TTL_MS = 1_000;

export type DatabaseLiveness = { reachable: boolean; latencyMs: number | null; checkedAt: string; ageMs: number };

type Probe = { reachable: boolean; latencyMs: number | null; checkedAt: number };

let last: Probe | null = null;
let inFlight: Promise<Probe> | null = null;

async function probe(db: Db, now: () => number): Promise<Probe> {
  const started = performance.now();
  try {
    await db.execute(sql`select 1`);
    return { reachable: true, latencyMs: Math.round(performance.now() - started), checkedAt: now() };
  } catch (error) {
    logger.error({ err: error }, "health check: database unreachable");
    return { reachable: false, latencyMs: null, checkedAt: now() };
  }
}

/**
 * Whether the database answered `select 1`, measured at most once per LIVENESS_TTL_MS per process:
 * a load balancer polling /api/health hundreds of times a second costs one round trip a second
 * instead of one per request (which queued behind the pool's 10 connections). Concurrent callers
 * share the probe in flight. The answer says how old the probe is (`checkedAt`, `ageMs`), so it
 * stays truthful: at most one second stale, never a cached "reachable" older than that.
 */
export async function databaseLiveness(db: Db, now: () => number = Date.now): Promise<DatabaseLiveness> {
  let current = last;
  if (!current || now() - current.checkedAt >= LIVENESS_TTL_MS) {
    inFlight ??= probe(db, now).finally(() => {
      inFlight = null;
    });
    current = await inFlight;
    last = current;
  }
  return {
    reachable: current.reachable,
    latencyMs: current.latencyMs,
    checkedAt: new Date(current.checkedAt).toISOString(),
    ageMs: Math.max(0, now() - current.checkedAt),
  };
}
