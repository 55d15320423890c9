import { sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { logger } from "@/server/log";
import { startEnvelopeBySchedule } from "../disbursements/start-envelope-by-schedule";

/**
 * G2P Bridge envelopes start by themselves: every auto-start disbursement that is READY, not
 * cancelled and due (no schedule date, or the date has come) is handed to
 * `startEnvelopeBySchedule`, which checks that it is complete and funded and starts it, or says why
 * not. Safe with several workers: that verb locks the disbursement and re-checks its status.
 */

export type EnvelopeRunResult = { due: number; started: string[]; held: { id: string; reason: string | null }[] };

/** Last hold reason logged per envelope (and when), so a waiting envelope is not logged every tick. */
const lastHold = new Map<string, { reason: string | null; at: number }>();
const HOLD_LOG_EVERY_MS = 60_000;

export async function startDueEnvelopes(
  db: Db,
  options: { now?: Date; limit?: number; orgIds?: string[] | null; log?: Pick<typeof logger, "info" | "warn"> } = {},
): Promise<EnvelopeRunResult> {
  const now = options.now ?? new Date();
  const log = options.log ?? logger;
  const orgFilter = options.orgIds?.length
    ? sql`and org_id in (${sql.join(
        options.orgIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql``;
  const due = (await db.execute(sql`
    select id, org_id from disbursements
    where auto_start and status = 'READY' and cancelled_at is null
      and (scheduled_at is null or scheduled_at <= ${now.toISOString()}::timestamptz)
      ${orgFilter}
    order by scheduled_at asc nulls first, created_at asc
    limit ${options.limit ?? 100}`)) as unknown as { id: string; org_id: string }[];

  const result: EnvelopeRunResult = { due: due.length, started: [], held: [] };
  for (const d of due) {
    try {
      const outcome = await startEnvelopeBySchedule(db, d.org_id, d.id, now);
      if (outcome.started) {
        lastHold.delete(d.id);
        result.started.push(d.id);
        log.info({ event: "g2p.envelope.started", org_id: d.org_id, disbursement_id: d.id }, "envelope started by schedule");
        continue;
      }
      result.held.push({ id: d.id, reason: outcome.reason });
      noteHold(log, d, outcome.reason);
    } catch (error) {
      const reason = `error: ${(error as Error)?.message ?? String(error)}`;
      result.held.push({ id: d.id, reason });
      noteHold(log, d, reason, "warn");
    }
  }
  // Forget envelopes no longer due-and-waiting (started elsewhere, cancelled, ...).
  const waiting = new Set(due.map((d) => d.id));
  for (const id of lastHold.keys()) if (!waiting.has(id)) lastHold.delete(id);
  return result;
}

function noteHold(log: Pick<typeof logger, "info" | "warn">, d: { id: string; org_id: string }, reason: string | null, level: "info" | "warn" = "info") {
  const before = lastHold.get(d.id);
  const at = Date.now();
  if (before && before.reason === reason && at - before.at < HOLD_LOG_EVERY_MS) return;
  lastHold.set(d.id, { reason, at });
  log[level]({ event: "g2p.envelope.held", org_id: d.org_id, disbursement_id: d.id, reason }, "envelope due but not started");
}
