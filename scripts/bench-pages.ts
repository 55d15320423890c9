/**
 * `npm run bench:pages`: the pages and the REST API under load on a large organization
 * (docs/performance.md, "Pages"). Not a test: nothing fails, it reports.
 *
 * 1. Data set, in its own embedded PostgreSQL under --data-dir (kept and reused by the next run
 *    with the same size; --fresh rebuilds it): one organization, --disbursements disbursements
 *    sharing --payments payments, one receiver per payment (phone, email, external id) with a
 *    REGISTERED wallet. Loaded with `insert … select generate_series` straight into the real tables
 *    with every index and key; the triggers of migration 0006 maintain the payment totals, which
 *    are then checked against a recomputation (`checkPaymentTotals` must be empty).
 * 2. The production app, started by the same launcher users and the e2e tests run
 *    (scripts/start.ts: production build in --dist-dir, local ledger, one payment worker).
 * 3. With --worker (the default), one disbursement is started and paid at full speed on the local
 *    ledger while the load runs; when it completes the next one starts.
 * 4. A session cookie (sign-in over HTTP) and an API key; then per endpoint, from a second process
 *    (scripts/lib/bench-load.ts, autocannon): --connections clients for --duration seconds after a
 *    short warm-up. Prints p50/p95/p99, throughput, errors (non-2xx included), the throughput ratio
 *    to GET /api/health of the same run, and the load average before and after.
 *
 * Flags: --payments 1000000 --disbursements 10 --duration 30 --warmup 3 --connections 50 --runs 1
 * --no-worker --fresh --load-only (build the data set and stop) --screenshot (the detail page and /payments
 * in Chromium, loaded, and the detail page before its payments arrive; saved under --data-dir) --only <substring,...> --port 4720 (PostgreSQL on port+1, ledger on port+2)
 * --data-dir .test-data/bench-pages --dist-dir .next-pages --log-level info
 * --profile (a V8 CPU profile of the web server over each endpoint's measured load, saved under
 * <data-dir>/profiles and summarised as self time per request by package and function;
 * scripts/lib/bench-profile.ts).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Keypair } from "@stellar/stellar-sdk";
import { sql } from "drizzle-orm";
import { createDb, type Db } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { startEmbeddedPostgres } from "./lib/embedded-postgres";
import { ROOT } from "./lib/runtime-defaults";
import type { LoadResult } from "./lib/bench-load";

const { values: flags } = parseArgs({
  options: {
    payments: { type: "string", default: "1000000" },
    disbursements: { type: "string", default: "10" },
    duration: { type: "string", default: "30" },
    warmup: { type: "string", default: "3" },
    connections: { type: "string", default: "50" },
    runs: { type: "string", default: "1" },
    worker: { type: "boolean", default: true },
    "no-worker": { type: "boolean", default: false },
    fresh: { type: "boolean", default: false },
    "load-only": { type: "boolean", default: false },
    screenshot: { type: "boolean", default: false },
    only: { type: "string" },
    port: { type: "string", default: "4720" },
    "data-dir": { type: "string", default: ".test-data/bench-pages" },
    "dist-dir": { type: "string", default: ".next-pages" },
    "log-level": { type: "string", default: "info" },
    profile: { type: "boolean", default: false },
  },
});

const int = (name: keyof typeof flags) => {
  const n = Number(flags[name]);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive whole number (got ${String(flags[name])})`);
  return n;
};
const PAYMENTS = int("payments");
const DISBURSEMENTS = int("disbursements");
const DURATION = int("duration");
const WARMUP = Number(flags.warmup);
const CONNECTIONS = int("connections");
const RUNS = int("runs");
const WORKER = flags.worker && !flags["no-worker"];
const PORT = int("port");
const PG_PORT = PORT + 1;
const LEDGER_PORT = PORT + 2;
/** With --profile: the web server's inspector, opened by SIGUSR1 (scripts/lib/bench-profile.ts). */
const INSPECT_PORT = PORT + 3;
const DATA_DIR = path.resolve(ROOT, flags["data-dir"]!);
const BASE = `http://127.0.0.1:${PORT}`;
const PER = Math.ceil(PAYMENTS / DISBURSEMENTS);
/** Destination accounts on the local ledger, shared round-robin by the receivers' wallets. */
const DESTINATIONS = 50;
const OWNER = { email: "owner@bench-pages.local", password: "BenchPages-Password-1" };

const say = (line: string) => process.stdout.write(`[bench:pages] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const load = () =>
  os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(" ");

type Dataset = { payments: number; disbursements: number; orgId: string; ownerId: string; disbursementIds: string[]; destinations: string[]; searchPhone: string };

function secret(file: string, make: () => string): string {
  const p = path.join(DATA_DIR, file);
  if (!existsSync(p)) writeFileSync(p, make() + "\n", { mode: 0o600 });
  return readFileSync(p, "utf8").trim();
}

async function main() {
  if (flags.fresh) rmSync(DATA_DIR, { recursive: true, force: true });
  mkdirSync(DATA_DIR, { recursive: true });
  // The app's secrets, kept where scripts/start.ts looks for them (DATA_DIR), so a reused data set
  // keeps decrypting; this process reads the same ones through config().
  process.env.AUTH_SECRET = secret("auth-secret", () => randomBytes(32).toString("base64url"));
  process.env.ENCRYPTION_KEY = secret("encryption-key", () => randomBytes(32).toString("base64"));
  process.env.LOG_LEVEL = "warn";

  say(`load average before: ${load()}`);
  const pg = await startEmbeddedPostgres({ dir: DATA_DIR, port: PG_PORT, database: "disbursements" });
  if (!pg.owned) throw new Error(`port ${PG_PORT} already has a PostgreSQL for ${DATA_DIR}: is another bench:pages running?`);
  let app: ChildProcess | null = null;
  const { db, sql: pool } = createDb(pg.url, { max: 4 });
  let monitor: { stop: () => Promise<void> } | null = null;
  try {
    await applyMigrations(pg.url);
    const dataset = await ensureDataset(db);
    if (flags["load-only"]) return;
    app = await startApp(pg.url);
    await fundDestinations(dataset.destinations);
    const cookie = await signIn();
    const apiKey = await newApiKey(db, dataset);
    if (WORKER) monitor = await keepOneDisbursementRunning(db, dataset);
    const hot = (await runningOrFirst(db, dataset)).id;
    const paidBefore = await successTotal(db, dataset.orgId);
    const endpoints = await endpointsFor(dataset, hot, cookie, apiKey);
    const wanted = flags.only?.split(",").map((s) => s.trim());
    const chosen = endpoints.filter((e) => e.name === "GET /api/health" || !wanted || wanted.some((w) => e.name.includes(w)));

    // What proxy.ts costs per request, measured here in-process (scripts/lib/proxy-cost.ts).
    const { measureProxyCost } = await import("./lib/proxy-cost");
    const proxyCost = await measureProxyCost();

    const profiler = flags.profile ? await webServerProfiler(app) : null;
    const loadBefore = load();
    const started = Date.now();
    const runs: Map<string, LoadResult[]> = new Map(chosen.map((e) => [e.name, []]));
    for (let run = 1; run <= RUNS; run++) {
      for (const e of chosen) {
        if (WARMUP > 0) {
          await loadProcess({ url: e.url, connections: CONNECTIONS, seconds: WARMUP, headers: e.headers });
          await drain();
        }
        await profiler?.start();
        const r = await loadProcess({ url: e.url, connections: CONNECTIONS, seconds: DURATION, headers: e.headers });
        const cpu = await profiler?.stop(e.name, run, r.requests);
        runs.get(e.name)!.push(r);
        await drain();
        say(
          `run ${run}/${RUNS} ${e.name}: p50 ${ms(r.p50)} p95 ${ms(r.p95)} p99 ${ms(r.p99)} ${r.rps.toFixed(1)} req/s, ${r.errors} errors, ${r.unfinished} in flight at the end${r.non2xx ? ` (${JSON.stringify(r.statusCodes)})` : ""} · load ${load()}`,
        );
        for (const line of cpu ?? []) say(`  ${line}`);
      }
    }
    const seconds = (Date.now() - started) / 1000;
    const paid = (await successTotal(db, dataset.orgId)) - paidBefore;
    const loadAfter = load();
    const mismatches = await checkTotals(db, dataset.orgId);
    // The disbursement being paid now (the one under load may have completed meanwhile).
    if (flags.screenshot) await screenshot(`${BASE}/disbursements/${(await runningOrFirst(db, dataset)).id}`, cookie);

    say("");
    say(`${PAYMENTS.toLocaleString("en")} payments in ${DISBURSEMENTS} disbursements · ${CONNECTIONS} connections · ${DURATION} s per endpoint · ${RUNS} run(s)`);
    say(`worker: ${WORKER ? `${paid.toLocaleString("en")} payments paid during the load (${(paid / seconds).toFixed(0)}/s on average)` : "off"}`);
    say(`load average before ${loadBefore} · after ${loadAfter} · (${os.cpus().length} CPUs)`);
    say(`payment totals after the load: ${mismatches === 0 ? "equal to a recomputation from the rows" : `${mismatches} MISMATCHES`}`);
    printTable(
      chosen.map((e) => e.name),
      runs,
    );
    say("");
    say("proxy.ts per request (in-process, this machine, same load):");
    for (const r of proxyCost) say(`  ${r.case.padEnd(36)} ${r.usPerCall.toFixed(0).padStart(6)} µs`);
  } finally {
    profilerSession?.close();
    await monitor?.stop();
    if (app && app.exitCode === null) {
      app.kill("SIGTERM");
      await Promise.race([new Promise((r) => app!.once("exit", r)), sleep(30_000)]);
      if (app.exitCode === null) app.kill("SIGKILL");
    }
    await pool.end({ timeout: 5 });
    await pg.stop();
  }
}

const ms = (v: number) => (Number.isFinite(v) ? `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ms` : "-");

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One row per endpoint: the median over the runs (and, over several runs, the best p95 and throughput). */
function printTable(names: string[], runs: Map<string, LoadResult[]>) {
  const health = median(runs.get("GET /api/health")!.map((r) => r.rps));
  const multi = RUNS > 1;
  const head = ["request", "p50", "p95", "p99", ...(multi ? ["min p95"] : []), "req/s", ...(multi ? ["max req/s"] : []), "errors", "vs health"];
  const rows = names.map((name) => {
    const all = runs.get(name)!;
    const rps = median(all.map((r) => r.rps));
    // Latencies over the runs that got answers; a run with none was slower than it was long.
    const rs = all.filter((r) => r.requests > 0);
    const silent = all.length - rs.length;
    const late = silent === 0 ? "" : ` (${silent} of ${all.length} runs: no answer within ${DURATION} s)`;
    if (rs.length === 0)
      return [
        `\`${name}\``,
        `> ${DURATION} s`,
        `> ${DURATION} s`,
        `> ${DURATION} s`,
        ...(multi ? ["-"] : []),
        "0",
        ...(multi ? ["0"] : []),
        String(all.reduce((n, r) => n + r.errors, 0)),
        "0 %",
      ];
    return [
      `\`${name}\`${late}`,
      ms(median(rs.map((r) => r.p50))),
      ms(median(rs.map((r) => r.p95))),
      ms(median(rs.map((r) => r.p99))),
      ...(multi ? [ms(Math.min(...rs.map((r) => r.p95)))] : []),
      rps.toFixed(1),
      ...(multi ? [Math.max(...all.map((r) => r.rps)).toFixed(1)] : []),
      String(all.reduce((n, r) => n + r.errors, 0)),
      `${((rps / health) * 100).toFixed(1)} %`,
    ];
  });
  say("");
  say(`| ${head.join(" | ")} |`);
  say(`|${head.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`);
  for (const r of rows) say(`| ${r.join(" | ")} |`);
}

/**
 * Wait until the server has worked off the requests a finished load left in flight (the client
 * closed them; the server still renders them), so they do not slow the next endpoint's run:
 * until a request through Next.js answers within 300 ms (at most 60 s).
 */
async function drain() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const started = performance.now();
    await fetch(`${BASE}/api/auth/csrf`)
      .then((r) => r.arrayBuffer())
      .catch(() => null);
    if (performance.now() - started < 300) return;
    await sleep(250);
  }
}

/** The load generator in its own process (scripts/lib/bench-load.ts). */
function loadProcess(input: { url: string; connections: number; seconds: number; headers: Record<string, string> }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "lib", "bench-load.ts"), JSON.stringify(input)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.once("exit", (code) => {
      if (code !== 0) return reject(new Error(`the load process exited with code ${code}`));
      resolve(JSON.parse(out.trim().split("\n").at(-1)!) as LoadResult);
    });
  });
}

// ------------------------------------------------------------------------------------ data set

async function ensureDataset(db: Db): Promise<Dataset> {
  const file = path.join(DATA_DIR, "dataset.json");
  if (existsSync(file)) {
    const d = JSON.parse(readFileSync(file, "utf8")) as Dataset;
    if (d.payments === PAYMENTS && d.disbursements === DISBURSEMENTS) {
      say(`reusing the data set in ${path.relative(ROOT, DATA_DIR)} (--fresh rebuilds it)`);
      return d;
    }
    throw new Error(`${path.relative(ROOT, DATA_DIR)} holds ${d.payments} payments in ${d.disbursements} disbursements: pass --fresh or another --data-dir`);
  }
  const { createOrganization, addUserToOrganization } = await import("../server/services/organization/create-organization");
  const { seedDemoCatalog } = await import("../server/services/catalog/seed-demo-catalog");
  const { createDisbursement } = await import("../server/services/disbursements/create-disbursement");

  const t0 = Date.now();
  const org = await createOrganization(db, { name: "Bench Pages", slug: "bench-pages" });
  const owner = await addUserToOrganization(db, { orgId: org.id, email: OWNER.email, name: "Bench Owner", role: "owner", password: OWNER.password });
  const ctx = { db, actor: { userId: owner.id }, org: { id: org.id }, role: "owner" as const };
  const catalog = await seedDemoCatalog(db, org.id);
  const destinations = Array.from({ length: DESTINATIONS }, () => Keypair.random().publicKey());
  const history = (status: string) => JSON.stringify([{ user_id: owner.id, status, timestamp: new Date().toISOString() }]);

  // Receivers and their registered wallets: ids derived from the row number (md5 → uuid) so the
  // payments can reference them without a lookup.
  for (let lo = 1; lo <= PAYMENTS; lo += 100_000) {
    const hi = Math.min(PAYMENTS, lo + 99_999);
    await db.execute(sql`
      insert into receivers (id, org_id, external_id, phone_number, email, created_at, updated_at)
      select md5('r' || i)::uuid, ${org.id}, 'EXT-' || lpad(i::text, 7, '0'), '+2547' || lpad(i::text, 8, '0'),
             'receiver' || i || '@example.org', now() - make_interval(secs => ${PAYMENTS} - i), now()
      from generate_series(${lo}::int, ${hi}::int) i`);
    await db.execute(sql`
      insert into receiver_wallets (id, org_id, receiver_id, wallet_id, status, destination_kind, destination_value, status_history)
      select md5('w' || i)::uuid, ${org.id}, md5('r' || i)::uuid, ${catalog.wallet.id}, 'REGISTERED', 'STELLAR_ADDRESS',
             (string_to_array(${destinations.join(",")}, ','))[1 + i % ${DESTINATIONS}], ${history("REGISTERED")}::jsonb
      from generate_series(${lo}::int, ${hi}::int) i`);
    say(`receivers and wallets ${hi.toLocaleString("en")} / ${PAYMENTS.toLocaleString("en")} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }

  // Disbursements through the service (audit row, totals rows by trigger), then their payments.
  const disbursementIds: string[] = [];
  const paymentHistory = JSON.stringify([{ status: "DRAFT", status_message: null, timestamp: new Date().toISOString() }]);
  for (let k = 0; k < DISBURSEMENTS; k++) {
    const lo = k * PER + 1;
    const hi = Math.min(PAYMENTS, (k + 1) * PER);
    if (lo > hi) break;
    const d = await createDisbursement(ctx, {
      name: `Bench ${k + 1} (${(hi - lo + 1).toLocaleString("en")} payments)`,
      wallet_id: catalog.wallet.id,
      asset_id: catalog.xlm.id,
      registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS",
    });
    disbursementIds.push(d.id);
    await db.transaction(async (tx) => {
      await tx.execute(sql`
        insert into payments (org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, status_history,
                              external_payment_id, line_number, created_at, updated_at)
        select ${org.id}, ${d.id}, md5('r' || i)::uuid, md5('w' || i)::uuid, ${catalog.xlm.id},
               (0.001 + (i % 100) * 0.0000001)::numeric(19,7), 'DRAFT', ${paymentHistory}::jsonb,
               'PAY-' || lpad(i::text, 7, '0'), i - ${lo} + 2, now() - make_interval(secs => ${PAYMENTS} - i), now()
        from generate_series(${lo}::int, ${hi}::int) i`);
      await tx.execute(sql`
        update disbursements set status = 'READY', file_name = ${`bench-${k + 1}.csv`}, status_history = status_history || ${history("READY")}::jsonb
        where id = ${d.id}`);
    });
    say(`disbursement ${k + 1}/${DISBURSEMENTS}: ${(hi - lo + 1).toLocaleString("en")} payments (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await db.execute(sql`vacuum analyze`);
  const loadSeconds = (Date.now() - t0) / 1000;
  const mismatches = await checkTotals(db, org.id);
  if (mismatches > 0) throw new Error(`${mismatches} payment totals differ from a recomputation after loading`);
  say(`data set loaded in ${loadSeconds.toFixed(0)} s; payment totals equal a recomputation from the rows`);
  const dataset: Dataset = {
    payments: PAYMENTS,
    disbursements: DISBURSEMENTS,
    orgId: org.id,
    ownerId: owner.id,
    disbursementIds,
    destinations,
    searchPhone: `+2547${String(Math.ceil(PAYMENTS / 2)).padStart(8, "0")}`,
  };
  writeFileSync(path.join(DATA_DIR, "dataset.json"), JSON.stringify(dataset, null, 2));
  return dataset;
}

async function checkTotals(db: Db, orgId: string): Promise<number> {
  const { checkPaymentTotals } = await import("../server/payments/payment-totals");
  return (await checkPaymentTotals(db, orgId)).length;
}

async function successTotal(db: Db, orgId: string): Promise<number> {
  const [r] = await db.execute<{ n: string }>(
    sql`select coalesce(sum(payment_count), 0)::text as n from disbursement_payment_totals where org_id = ${orgId} and status = 'SUCCESS'`,
  );
  return Number(r?.n ?? 0);
}

// ------------------------------------------------------------------------------------ the app

let profilerSession: { close: () => void } | null = null;

/** --profile: samples the web server process (a descendant of the launcher) over each measured load. */
async function webServerProfiler(app: ChildProcess) {
  const { attachProfiler, findDescendant, formatSummary, processCpuMs, summariseProfile } = await import("./lib/bench-profile");
  const pid = findDescendant(app.pid!, "scripts/web-server.ts");
  if (!pid) throw new Error("--profile: could not find the web server process");
  const session = await attachProfiler(pid, INSPECT_PORT);
  profilerSession = session;
  const dir = path.join(DATA_DIR, "profiles");
  mkdirSync(dir, { recursive: true });
  say(`--profile: sampling the web server (pid ${pid}); profiles in ${path.relative(ROOT, dir)}`);
  let cpuAtStart = 0;
  return {
    async start() {
      await session.start();
      cpuAtStart = processCpuMs(pid);
    },
    async stop(name: string, run: number, requests: number): Promise<string[]> {
      const cpu = processCpuMs(pid) - cpuAtStart;
      const profile = await session.stop();
      const file = path.join(dir, `${name.replace(/[^a-z0-9]+/gi, "-").replace(/^-|-$/g, "")}-run${run}.cpuprofile`);
      writeFileSync(file, JSON.stringify(profile));
      return [...formatSummary(summariseProfile(profile), requests, cpu), `profile: ${path.relative(ROOT, file)}`];
    },
  };
}

async function startApp(databaseUrl: string): Promise<ChildProcess> {
  const logFile = path.join(DATA_DIR, "app.log");
  const log = createWriteStream(logFile, { flags: "a" });
  say(`starting the production app on ${BASE} (launcher scripts/start.ts, build in ${flags["dist-dir"]}; output in ${path.relative(ROOT, logFile)})`);
  const child = spawn(process.execPath, [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), "scripts/start.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      DATA_DIR,
      PORT: String(PORT),
      APP_URL: BASE,
      NEXTAUTH_URL: BASE,
      NEXT_DIST_DIR: flags["dist-dir"],
      NEXT_TELEMETRY_DISABLED: "1",
      LEDGER_PORT: String(LEDGER_PORT),
      STELLAR_NETWORK: "local",
      HORIZON_URL: "",
      LOG_LEVEL: flags["log-level"],
      // Where SIGUSR1 opens a process's inspector (--profile opens the web server's only).
      ...(flags.profile ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --inspect-port=${INSPECT_PORT}`.trim() } : {}),
      CHANNEL_ACCOUNTS: "20",
      WORKER_CONCURRENCY: "20",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const deadline = Date.now() + 20 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the app exited with code ${child.exitCode}; see ${logFile}`);
    const ok = await fetch(`${BASE}/api/health`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) {
      say("app ready");
      return child;
    }
    await sleep(1000);
  }
  child.kill("SIGTERM");
  throw new Error(`the app did not answer within 20 minutes; see ${logFile}`);
}

/** The receivers' destination accounts exist on the local ledger (friendbot; already funded ones are skipped). */
async function fundDestinations(destinations: string[]) {
  const horizon = `http://127.0.0.1:${LEDGER_PORT}`;
  await Promise.all(
    destinations.map(async (address) => {
      const exists = await fetch(`${horizon}/accounts/${address}`).then((r) => r.ok);
      if (!exists) await fetch(`${horizon}/friendbot?addr=${address}`).then((r) => r.text());
    }),
  );
}

async function signIn(): Promise<string> {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(";");
      const eq = pair!.indexOf("=");
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join("; ");
  const csrf = await fetch(`${BASE}/api/auth/csrf`);
  keep(csrf);
  const { csrfToken } = (await csrf.json()) as { csrfToken: string };
  const res = await fetch(`${BASE}/api/auth/callback/credentials`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookie(), origin: BASE },
    body: new URLSearchParams({ csrfToken, email: OWNER.email, password: OWNER.password, json: "true", callbackUrl: `${BASE}/` }),
  });
  keep(res);
  const session = [...jar.keys()].find((k) => k.endsWith("next-auth.session-token"));
  if (!session) throw new Error(`sign-in failed (HTTP ${res.status}): ${await res.text()}`);
  return `${session}=${jar.get(session)}`;
}

async function newApiKey(db: Db, d: Dataset): Promise<string> {
  const { createApiKey } = await import("../server/services/api-keys/create-api-key");
  const key = await createApiKey({ db, actor: { userId: d.ownerId }, org: { id: d.orgId }, role: "owner" }, { name: `bench ${Date.now()}`, scopes: ["read:all"] });
  return key.key;
}

async function runningOrFirst(db: Db, d: Dataset): Promise<{ id: string; status: string }> {
  const rows = await db.execute<{ id: string; status: string }>(sql`select id, status::text from disbursements where org_id = ${d.orgId}`);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const ordered = d.disbursementIds.map((id) => byId.get(id)!);
  return ordered.find((r) => r.status === "STARTED") ?? ordered[0]!;
}

/** Start a READY disbursement whenever none is STARTED, so the worker pays at full speed throughout. */
async function keepOneDisbursementRunning(db: Db, d: Dataset) {
  const { changeDisbursementStatus } = await import("../server/services/disbursements/change-disbursement-status");
  const { setDistributionBalanceProvider } = await import("../server/services/disbursements/distribution-balance");
  // Start's balance check reads the ledger through HORIZON_URL, which this process does not have; the
  // distribution account holds 10,000 XLM and a disbursement here needs about 100.
  setDistributionBalanceProvider({ availableStroops: async () => 10n ** 15n });
  const ctx = { db, actor: { userId: d.ownerId }, org: { id: d.orgId }, role: "owner" as const };
  const tick = async () => {
    const rows = await db.execute<{ id: string; status: string }>(sql`select id, status::text from disbursements where org_id = ${d.orgId}`);
    if (rows.some((r) => r.status === "STARTED")) return;
    const next = d.disbursementIds.find((id) => rows.find((r) => r.id === id)?.status === "READY");
    if (!next) return;
    await changeDisbursementStatus(ctx, { id: next, status: "STARTED" });
    say(`started disbursement ${d.disbursementIds.indexOf(next) + 1} for the worker to pay`);
  };
  await tick();
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(2_000);
      await tick().catch((e: unknown) => say(`could not start the next disbursement: ${e instanceof Error ? e.message : String(e)}`));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** The detail page of the disbursement under load, as a signed-in user sees it (headless Chromium; CHROMIUM_PATH if set). */
async function screenshot(url: string, cookie: string) {
  const { chromium } = await import("@playwright/test");
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || undefined, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const [name, ...value] = cookie.split("=");
    await context.addCookies([{ name: name!, value: value.join("="), url: BASE }]);
    const page = await context.newPage();
    // The pages, loaded; then the detail page as it first shows, before its payments table's first
    // page arrives from the browser's tRPC read (held back here): skeleton rows, not an empty table.
    const shots = [
      { url, file: "disbursement-detail.png", hold: false },
      { url: `${BASE}/payments`, file: "payments.png", hold: false },
      { url, file: "disbursement-detail-loading.png", hold: true },
    ];
    for (const shot of shots) {
      if (shot.hold) await page.route(/\/api\/trpc\/[^?]*payments\.list/, () => undefined);
      const started = Date.now();
      if (shot.hold) await page.goto(shot.url, { waitUntil: "load", timeout: 120_000 });
      else await page.goto(shot.url, { waitUntil: "networkidle", timeout: 120_000 }).catch(() => page.waitForLoadState("load"));
      if (shot.hold) await sleep(1_000);
      // "networkidle" can come before hydration has sent the table's request on a busy machine.
      else await page.locator('[data-testid^="payment-row-"]').first().waitFor({ timeout: 60_000 });
      const file = path.join(DATA_DIR, shot.file);
      await page.screenshot({ path: file, fullPage: true });
      say(`screenshot of ${shot.url}${shot.hold ? " (payments held back)" : ""} (loaded in ${Date.now() - started} ms): ${path.relative(ROOT, file)}`);
      if (shot.hold) await page.unrouteAll({ behavior: "ignoreErrors" });
    }
  } finally {
    await browser.close();
  }
}

// ------------------------------------------------------------------------------------ endpoints

async function endpointsFor(d: Dataset, hot: string, cookie: string, apiKey: string) {
  const { paymentListInput, disbursementListInput } = await import("../components/disbursements/list-params");
  const api = { authorization: `Bearer ${apiKey}` };
  const browser = { cookie, origin: BASE };
  const trpc = (procedure: string, input: unknown) => `${BASE}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
  const q = encodeURIComponent(d.searchPhone);
  return [
    { name: "GET /api/health", url: `${BASE}/api/health`, headers: {} },
    { name: "GET /api/v1/wallets", url: `${BASE}/api/v1/wallets`, headers: api },
    { name: "GET /api/v1/disbursements/{id}", url: `${BASE}/api/v1/disbursements/${hot}`, headers: api },
    { name: "GET /api/v1/disbursements/{id}/receivers", url: `${BASE}/api/v1/disbursements/${hot}/receivers`, headers: api },
    { name: "GET /api/v1/payments?page=500&page_limit=100", url: `${BASE}/api/v1/payments?page=500&page_limit=100`, headers: api },
    { name: "GET /api/v1/payments?q=<phone>", url: `${BASE}/api/v1/payments?q=${q}`, headers: api },
    { name: "page /disbursements/{id}", url: `${BASE}/disbursements/${hot}`, headers: browser },
    { name: "page /payments", url: `${BASE}/payments`, headers: browser },
    { name: "tRPC disbursements.get", url: trpc("disbursements.get", { id: hot }), headers: browser },
    { name: "tRPC disbursements.progress", url: trpc("disbursements.progress", { id: hot }), headers: browser },
    { name: "tRPC payments.list (disbursement)", url: trpc("payments.list", paymentListInput({}, { disbursement_id: hot })), headers: browser },
    { name: "tRPC payments.list (all)", url: trpc("payments.list", paymentListInput({})), headers: browser },
    { name: "tRPC payments.list (q=<phone>)", url: trpc("payments.list", paymentListInput({ q: d.searchPhone })), headers: browser },
    { name: "tRPC disbursements.list", url: trpc("disbursements.list", disbursementListInput({})), headers: browser },
  ];
}

main().catch((error: unknown) => {
  process.stderr.write(`[bench:pages] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
