import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "@/db/client";
import { paymentConnections } from "@/db/schema";
import { logger } from "@/server/log";
import { createStopSignal } from "@/server/stop-signal";
import { probeConnection, storeHealth } from "./check-connection-health";

/** Connections checked at once. */
const CONCURRENCY = 4;

/**
 * One round of the periodic health check: every enabled connection (of `orgIds`, or all) is asked
 * by its rail, outside any transaction, and its health stored; an audit row is written only when a
 * status changes. Answers how many were checked and how many are unhealthy.
 */
export async function checkEnabledConnections(db: Db, options: { orgIds?: string[] | null } = {}): Promise<{ checked: number; unhealthy: number }> {
  const rows = await db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.enabled, true), options.orgIds?.length ? inArray(paymentConnections.orgId, options.orgIds) : undefined))
    .orderBy(asc(paymentConnections.orgId), asc(paymentConnections.id));
  let next = 0;
  let unhealthy = 0;
  const lane = async () => {
    while (next < rows.length) {
      const row = rows[next++]!;
      const health = await probeConnection(db, row);
      if (!health.healthy && !health.unknown) unhealthy++;
      await storeHealth(db, row, health, { actorUserId: null, audit: "changes" });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, rows.length) }, lane));
  return { checked: rows.length, unhealthy };
}

/**
 * The worker's connection health loop (scripts/worker.ts): a round every `everyMs`
 * (CONNECTION_HEALTH_INTERVAL_MS). Any number of workers may run it; each round only rewrites the
 * health columns.
 */
export function startConnectionHealthLoop(options: { db: Db; everyMs: number; orgIds?: string[] | null; log?: Pick<typeof logger, "info" | "warn"> }) {
  const log = options.log ?? logger;
  const signal = createStopSignal();
  const done = (async () => {
    while (!signal.stopped) {
      try {
        const { checked, unhealthy } = await checkEnabledConnections(options.db, { orgIds: options.orgIds });
        if (unhealthy > 0) log.warn({ event: "connections.health", checked, unhealthy }, "some payment connections are unhealthy");
      } catch (error) {
        log.warn({ event: "connections.health.error", error: (error as Error)?.message ?? String(error) }, "connection health round failed");
      }
      await signal.sleep(options.everyMs);
    }
  })();
  return {
    async stop() {
      signal.stop();
      await done;
    },
  };
}
