/**
 * `npm run bench:mojaloop`: payments through a Mojaloop switch end to end — the Mojaloop Testing
 * Toolkit as the switch (tests/support/ttk.ts; one per machine, so this waits for tests that hold it),
 * real worker processes (`npm run worker`'s launcher, the dispatcher on), a throw-away embedded
 * PostgreSQL, and the switch's callbacks received on loopback by the callbacks route's own entry point
 * (server/rails/mojaloop/receive-callback.ts, in this process) — in two timed phases:
 *
 *   1. party lookups: every payee looked up before start, as the preflight does (requestPartyLookups:
 *      GET /parties per payee, answered by PUT /parties callbacks);
 *   2. payments: the disbursement started; the workers claim stored batches and pay them in bulk
 *      quotes and bulk transfers (≤ 1,000 each) until every payment is SUCCESS or FAILED.
 *
 * Printed per phase: payments (or lookups) per second; callback latency p50/p95 per kind of request
 * (request sent → callback received: the toolkit's request history stamps each request as it
 * arrives, the loopback server stamps each callback as it arrives — one machine, one clock); the share
 * of wall time spent waiting on the switch (time during which at least one of our requests had no
 * callback yet, over the phase's wall time: the rest is the platform's own time — claims, database,
 * the worker's loop); CPU of the workers, PostgreSQL, the toolkit and this process (which applies the
 * callbacks), from /proc; and the machine's load average before and after. Not a test: it reports.
 *
 * BENCH_MOJALOOP_PAYMENTS (10000), BENCH_MOJALOOP_WORKERS (1), BENCH_MOJALOOP_BATCH (1000: payments per
 * stored batch, DISPATCH_BATCH_SIZE), BENCH_MOJALOOP_LOOKUPS (all: how many payees phase 1 looks up through
 * the switch; the others are stored RESOLVED directly), BENCH_MOJALOOP_PRELOOKUP (1; 0: the workers look the parties up
 * themselves, inside the payments phase). The cluster runs with fsync off (like `bench:payments`).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { freePort, startEmbeddedPostgres } from "./lib/embedded-postgres";
import { findDescendant } from "./lib/bench-profile";
import { cpuMsOf, loadAverage, pgCpuMs, spawnBenchWorker } from "./lib/bench-process";
import type { TtkHistoryRequest } from "../tests/support/ttk";
import type { ReceivedCallback } from "../tests/support/mojaloop-callback-server";

// This benchmark's own defaults, written to the environment before anything reads config() (server/config).
process.env.ENCRYPTION_KEY ||= "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
process.env.LOG_LEVEL ||= "warn";
// The toolkit listens on loopback, which the guarded outbound client refuses unless listed.
process.env.OUTBOUND_ALLOW_HOSTS ||= "127.0.0.1";

const COUNT = Number(process.env.BENCH_MOJALOOP_PAYMENTS || 10_000);
const WORKERS = Number(process.env.BENCH_MOJALOOP_WORKERS || 1);
const BATCH = Number(process.env.BENCH_MOJALOOP_BATCH || 1_000);
const PRELOOKUP = !/^(0|off|false|no)$/i.test(process.env.BENCH_MOJALOOP_PRELOOKUP ?? "1");
/** Payees looked up through the switch in phase 1; the rest are stored RESOLVED directly (default: all). */
const LOOKUPS = Math.min(COUNT, Number(process.env.BENCH_MOJALOOP_LOOKUPS || COUNT));
const OUR_FSP = "sdp-bench-payer";

const say = (line: string) => process.stdout.write(`[bench:mojaloop] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Ctrl-C / SIGTERM: stop waiting and clean up (workers, toolkit, database) instead of leaving them running. */
let interrupted = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    if (!interrupted) say(`${signal}: stopping the workers, the toolkit and the database ...`);
    interrupted = true;
  });
}

async function main() {
  const { createOrganization } = await import("../server/services/organization/create-organization");
  const { assets, disbursements, paymentConnections } = await import("../db/schema");
  const { mojaloopSettingsSchema } = await import("../server/schemas/connections.schema");
  const { loadRailConnection } = await import("../server/services/connections/rail-connection");
  const { requestPartyLookups } = await import("../server/rails/mojaloop/party-lookups");
  const { receiveMojaloopCallback } = await import("../server/rails/mojaloop/receive-callback");
  const { checkPaymentTotals } = await import("../server/payments/payment-totals");
  const { createLogger } = await import("../server/log");
  const { startTtk, TTK_FSP_ID } = await import("../tests/support/ttk");
  const { startMojaloopCallbackServer } = await import("../tests/support/mojaloop-callback-server");

  say(
    `${COUNT.toLocaleString("en-US")} payments, ${WORKERS} worker process(es), stored batches of ${BATCH}; load average at start: ${loadAverage()} (${os.cpus().length} CPUs, node ${process.version})`,
  );
  const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-mojaloop-"));
  if (process.getuid?.() === 0) chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: tmp, port: await freePort(), database: "bench", fast: true });
  await applyMigrations(pg.url);
  const { db, sql: pool } = createDb(pg.url, { max: 10 });
  const pgDataDir = path.join(tmp, "pg");
  // The callbacks are applied in this process: its warnings and errors (the first few) are printed at the end.
  const applyErrors: string[] = [];
  const callbackLog = createLogger({ write: (line: string) => void (applyErrors.length < 20 && applyErrors.push(line.trim().slice(0, 300))) }, "warn");
  const callbacks = await startMojaloopCallbackServer((input) => receiveMojaloopCallback(input, { db, log: callbackLog }));
  let ttk: Awaited<ReturnType<typeof startTtk>> | null = null;
  const procs: ReturnType<typeof spawnBenchWorker>[] = [];

  try {
    const org = await createOrganization(db, { name: "Mojaloop bench", slug: `mojaloop-bench-${Date.now()}` });
    const [kes] = await db.insert(assets).values({ orgId: org.id, kind: "FIAT", code: "KES", decimals: 2, issuer: "" }).returning({ id: assets.id });
    const [connection] = await db
      .insert(paymentConnections)
      .values({
        orgId: org.id,
        railType: "MOJALOOP",
        name: "Testing Toolkit",
        settings: mojaloopSettingsSchema.parse({
          baseUrl: "http://127.0.0.1:4040",
          fspId: OUR_FSP,
          callbackAllowlist: ["127.0.0.1"],
          requestTimeoutSeconds: 30,
          callbackTimeoutSeconds: 120,
        }),
        currencyMapping: [{ assetId: kes!.id, railCurrency: "KES" }],
      })
      .returning({ id: paymentConnections.id });
    say("waiting for the Testing Toolkit (one per machine: tests that use it hold it) ...");
    ttk = await startTtk({ callbackUrl: callbacks.callbackUrl(connection!.id), lockTimeoutMs: 1_800_000 });
    const ttkPid = findDescendant(process.pid, path.join("ml-testing-toolkit", "src", "index.js"));

    // ---- the payees and payments, written directly (intake is not what is measured: bench:csv) ----
    const [d] = await db
      .insert(disbursements)
      .values({ orgId: org.id, name: `Bench ${Date.now()}`, assetId: kes!.id, registrationContactType: "DIRECT_PHONE", status: "READY" })
      .returning({ id: disbursements.id });
    await db.execute(sql`insert into receivers (org_id, external_id) select ${org.id}, 'bench-' || g from generate_series(1, ${COUNT}) g`);
    await db.execute(sql`
      insert into receiver_wallets (org_id, receiver_id, status, destination_kind, destination_value)
      select r.org_id, r.id, 'REGISTERED', 'MSISDN', '+2547' || (30000000 + substr(r.external_id, 7)::int)::text from receivers r where r.org_id = ${org.id}`);
    // Amounts with cents, none the toolkit's rule files give a meaning (12, 13, 17, 21).
    await db.execute(sql`
      insert into payments (org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, line_number, connection_id)
      select r.org_id, ${d!.id}, r.id, w.id, ${kes!.id}, ((10 + (g % 900))::text || '.' || lpad((g % 100)::text, 2, '0'))::numeric, 'READY', g + 1, ${connection!.id}
      from receivers r join receiver_wallets w on w.receiver_id = r.id, lateral (select substr(r.external_id, 7)::int as g) x
      where r.org_id = ${org.id}`);
    say(`${COUNT.toLocaleString("en-US")} READY payments to distinct phone numbers written`);

    const rows: PhaseResult[] = [];
    // ---- phase 1: party lookups, as the preflight makes them ----
    if (PRELOOKUP) {
      const rail = await loadRailConnection(db, org.id, connection!.id);
      // The payees beyond LOOKUPS are stored RESOLVED, as a preflight run earlier leaves them (the toolkit
      // spends ~0.1 s of CPU per lookup: on a loaded machine 10,000 lookups take longer than the payments).
      if (LOOKUPS < COUNT) {
        await db.execute(sql`
          insert into mojaloop_parties (org_id, connection_id, party_id_type, party_identifier, status, fsp_id, name, resolved_at)
          select ${org.id}, ${connection!.id}, 'MSISDN', '2547' || (30000000 + g)::text, 'RESOLVED', ${TTK_FSP_ID}, 'Payee 2547' || (30000000 + g)::text, now()
          from generate_series(${LOOKUPS + 1}::int, ${COUNT}::int) g`);
      }
      const identifiers = Array.from({ length: LOOKUPS }, (_, i) => `2547${30_000_000 + i + 1}`);
      const phase = startPhase(ttkPid, pgDataDir, []);
      const sent = await requestPartyLookups(db, rail!, identifiers);
      let pending = LOOKUPS;
      let lastAnswer = Date.now();
      while (pending > 0 && !interrupted) {
        const [row] = await db.execute<{ n: number }>(
          sql`select count(*)::int as n from mojaloop_parties where connection_id = ${connection!.id} and status = 'PENDING'`,
        );
        if ((row?.n ?? 0) < pending) lastAnswer = Date.now();
        pending = row?.n ?? 0;
        if (pending > 0 && Date.now() - lastAnswer > 120_000) {
          say(`no lookup answered for 2 minutes; ${pending} still PENDING (is the toolkit sending callbacks?)`);
          break;
        }
        if (pending > 0) await sleep(100);
      }
      if (interrupted) throw new Error("interrupted");
      const [resolved] = await db.execute<{ n: number }>(
        sql`select count(*)::int as n from mojaloop_parties where connection_id = ${connection!.id} and status = 'RESOLVED'`,
      );
      rows.push(
        await phase.end(
          ttk,
          callbacks.received,
          `party lookups of ${LOOKUPS.toLocaleString("en-US")} payees (${sent.requested} sent, ${sent.failedToSend} failed to send; ${resolved?.n ?? 0} payees RESOLVED in all)`,
          LOOKUPS - pending,
        ),
      );
    }

    // ---- phase 2: payments ----
    const workerEnv = {
      DATABASE_URL: pg.url,
      WORKER_ORG_IDS: org.id,
      DISPATCHER: "on",
      DISPATCH_BATCH_SIZE: String(BATCH),
      // No Stellar here (the organization has no Stellar payments), no other loops.
      WORKER_SETUP: "0",
      HORIZON_URL: "http://127.0.0.1:9",
      G2P_CALLBACKS: "off",
      G2P_STATUS_REPORTS: "off",
      G2P_ENVELOPE_SCHEDULER: "off",
      INVITATION_SCHEDULER_SECONDS: "0",
      CONNECTION_HEALTH_INTERVAL_MS: "0",
      LOG_LEVEL: "info",
    };
    for (let i = 0; i < WORKERS; i++) procs.push(spawnBenchWorker(workerEnv, say));
    const readyMs = await Promise.all(procs.map((p) => p.ready));
    say(`worker(s) claiming ${readyMs.join(", ")} ms after spawn`);
    await sleep(1_500); // the workers' loops idle and backed off: the first claim comes from an idle worker
    const phase = startPhase(
      ttkPid,
      pgDataDir,
      procs.map((p) => p.pid),
    );
    await db.execute(sql`update disbursements set status = 'STARTED', updated_at = now() where id = ${d!.id}`);
    const counts = async () => {
      const r = await db.execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from payments where disbursement_id = ${d!.id} group by status`);
      return Object.fromEntries([...r].map((x) => [x.status, x.n])) as Record<string, number>;
    };
    let final = 0;
    let last = "";
    let lastChange = Date.now();
    while (!interrupted) {
      const c = await counts();
      final = (c.SUCCESS ?? 0) + (c.FAILED ?? 0);
      if (final >= COUNT) break;
      const now = JSON.stringify(c);
      if (now !== last) {
        last = now;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 180_000) {
        say(`no progress for 3 minutes: ${now}`);
        break;
      }
      await sleep(200);
    }
    if (interrupted) throw new Error("interrupted");
    const outcome = await counts();
    rows.push(await phase.end(ttk, callbacks.received, `payments ${JSON.stringify(outcome)}`, final));
    const totals = await checkPaymentTotals(db, org.id);
    await Promise.all(procs.map((p) => p.stop()));
    const batches = await db.execute<{ bulks: number; batches: number; items: number }>(sql`
      select (select count(*)::int from mojaloop_bulks where org_id = ${org.id}) as bulks,
             (select count(*)::int from rail_batches where org_id = ${org.id}) as batches,
             (select count(*)::int from mojaloop_transfers where org_id = ${org.id}) as items`);

    say("");
    for (const r of rows) printPhase(r);
    say(
      `stored: ${batches[0]?.batches ?? 0} rail batches, ${batches[0]?.bulks ?? 0} bulks, ${batches[0]?.items ?? 0} transfers; maintained totals ${totals.length === 0 ? "consistent" : `INCONSISTENT (${JSON.stringify(totals).slice(0, 300)})`}; ` +
        `callbacks received ${callbacks.received.length} (${callbacks.received.filter((c) => c.status !== 200).length} not answered 200, ${callbacks.failures.length} failed in delivery)`,
    );
    if (applyErrors.length > 0) say(`callback warnings/errors (first ${applyErrors.length}): ${applyErrors.join(" | ")}`);
    say(`load average at end: ${loadAverage()}`);
  } finally {
    await Promise.all(procs.map((p) => p.stop().catch(() => null)));
    await ttk?.stop();
    await callbacks.close();
    await pool.end({ timeout: 5 });
    await pg.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}

// ---- one timed phase ------------------------------------------------------------------------------

type Latency = { kind: string; n: number; p50: number; p95: number; max: number; unanswered: number };
type PhaseResult = {
  name: string;
  done: number;
  seconds: number;
  latencies: Latency[];
  waitingShare: number;
  requests: number;
  cpuMs: { workers: number; pg: number; ttk: number; bench: number };
  loadBefore: string;
  loadAfter: string;
};

function startPhase(ttkPid: number | null, pgDataDir: string, workerPids: (number | undefined)[]) {
  const loadBefore = loadAverage();
  const cpu = () => ({
    workers: workerPids.reduce<number>((sum, pid) => sum + cpuMsOf(pid), 0),
    pg: pgCpuMs(pgDataDir),
    ttk: cpuMsOf(ttkPid ?? undefined),
    bench: (() => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    })(),
  });
  const before = cpu();
  const t0 = Date.now();
  return {
    t0,
    async end(ttk: { requests(): Promise<TtkHistoryRequest[]> }, received: ReceivedCallback[], name: string, done: number): Promise<PhaseResult> {
      const t1 = Date.now();
      const loadAfter = loadAverage();
      const after = cpu();
      // Callbacks still on their way are matched too (a request's answer may land just after the phase's last payment settled).
      await sleep(500);
      const requests = (await ttk.requests()).filter((r) => r.timestamp >= t0 && r.timestamp <= t1);
      const { latencies, waitingShare } = latencyOf(requests, received, t0, t1);
      return {
        name,
        done,
        seconds: (t1 - t0) / 1000,
        latencies,
        waitingShare,
        requests: requests.length,
        cpuMs: { workers: after.workers - before.workers, pg: after.pg - before.pg, ttk: after.ttk - before.ttk, bench: after.bench - before.bench },
        loadBefore,
        loadAfter,
      };
    },
  };
}

/** The callback path that answers a request: /parties/T/ID, /bulkQuotes/ID, /bulkTransfers/ID, /quotes/ID, /transfers/ID. */
function answerKey(r: TtkHistoryRequest): { kind: string; key: string } | null {
  const method = r.method.toUpperCase();
  const body = (r.body ?? {}) as Record<string, unknown>;
  if (method === "GET") {
    const m = /^\/(parties|bulkQuotes|bulkTransfers|quotes|transfers)\/(.+)$/.exec(r.path);
    return m ? { kind: `GET /${m[1]}`, key: r.path } : null;
  }
  if (method !== "POST") return null;
  const ids: Record<string, string> = { "/bulkQuotes": "bulkQuoteId", "/bulkTransfers": "bulkTransferId", "/quotes": "quoteId", "/transfers": "transferId" };
  const field = ids[r.path];
  return field && typeof body[field] === "string" ? { kind: `POST ${r.path}`, key: `${r.path}/${body[field] as string}` } : null;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Each request matched to the first later callback on its path (or its /error form); latencies per kind and the union of waiting intervals. */
function latencyOf(requests: TtkHistoryRequest[], received: ReceivedCallback[], t0: number, t1: number) {
  const arrivals = new Map<string, number[]>();
  for (const c of received) {
    const key = c.path.replace(/\/error$/, "");
    arrivals.set(key, [...(arrivals.get(key) ?? []), c.at]);
  }
  for (const list of arrivals.values()) list.sort((a, b) => a - b);
  const used = new Map<string, number>();
  const perKind = new Map<string, { times: number[]; unanswered: number }>();
  const intervals: [number, number][] = [];
  for (const r of [...requests].sort((a, b) => a.timestamp - b.timestamp)) {
    const k = answerKey(r);
    if (!k) continue;
    const entry = perKind.get(k.kind) ?? { times: [], unanswered: 0 };
    perKind.set(k.kind, entry);
    const list = arrivals.get(k.key) ?? [];
    let i = used.get(k.key) ?? 0;
    while (i < list.length && list[i]! < r.timestamp) i++;
    if (i >= list.length) {
      entry.unanswered++;
      intervals.push([r.timestamp, t1]);
      continue;
    }
    used.set(k.key, i + 1);
    entry.times.push(list[i]! - r.timestamp);
    intervals.push([r.timestamp, Math.min(list[i]!, t1)]);
  }
  intervals.sort((a, b) => a[0] - b[0]);
  let covered = 0;
  let end = t0;
  for (const [from, to] of intervals) {
    const start = Math.max(from, end, t0);
    if (to > start) covered += to - start;
    end = Math.max(end, to);
  }
  const latencies = [...perKind].map(([kind, e]) => {
    const sorted = [...e.times].sort((a, b) => a - b);
    return { kind, n: sorted.length, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1) ?? Number.NaN, unanswered: e.unanswered };
  });
  return { latencies, waitingShare: t1 > t0 ? covered / (t1 - t0) : 0 };
}

function printPhase(r: PhaseResult) {
  const perK = (ms: number) => (r.done > 0 ? ((ms * 1000) / r.done).toFixed(0) : "-");
  say(
    `${r.name}: ${r.done.toLocaleString("en-US")} in ${r.seconds.toFixed(1)} s = ${(r.done / r.seconds).toFixed(1)}/s; load average before ${r.loadBefore}, after ${r.loadAfter}`,
  );
  for (const l of r.latencies) {
    say(
      `  ${l.kind.padEnd(20)} ${String(l.n).padStart(6)} answered: callback latency p50 ${l.p50.toFixed(0)} ms, p95 ${l.p95.toFixed(0)} ms, max ${l.max.toFixed(0)} ms` +
        (l.unanswered > 0 ? `; ${l.unanswered} without a callback` : ""),
    );
  }
  say(
    `  waiting on the switch ${(r.waitingShare * 100).toFixed(1)}% of wall time (${r.requests} requests to the switch); ` +
      `CPU s (per 1,000): workers ${(r.cpuMs.workers / 1000).toFixed(1)} (${perK(r.cpuMs.workers)} ms), PostgreSQL ${(r.cpuMs.pg / 1000).toFixed(1)} (${perK(r.cpuMs.pg)} ms), ` +
      `toolkit ${(r.cpuMs.ttk / 1000).toFixed(1)} (${perK(r.cpuMs.ttk)} ms), this process (callbacks applied) ${(r.cpuMs.bench / 1000).toFixed(1)} (${perK(r.cpuMs.bench)} ms)`,
  );
}

// ---- processes ------------------------------------------------------------------------------------

main().catch((error) => {
  const cause = error instanceof Error && error.cause instanceof Error ? `\ncaused by: ${error.cause.message}` : "";
  process.stderr.write(`[bench:mojaloop] ${error instanceof Error ? error.stack : String(error)}${cause}\n`);
  process.exit(1);
});
