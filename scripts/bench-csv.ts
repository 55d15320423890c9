/**
 * `npm run bench:csv`: import generated instruction files of 10,000 and 100,000 rows through the
 * same service the API uses (importInstructions), into real PostgreSQL, three times, and print wall
 * time, PostgreSQL backend CPU, Node CPU and peak RSS beside two baselines on the SAME connection:
 *  - "COPY, same tables": the rows the import writes (receivers, verification values, receiver
 *    wallets, payments), prepared in memory beforehand, loaded by COPY in one transaction into the
 *    same tables with the same indexes, keys and triggers, payments routed as the import routes them:
 *    what any loader must pay in the database;
 *  - "COPY, bare floor": the CSV file into a table with no index and no key.
 * Each run prints the load average before and after; the summary gives min and median of the runs.
 * After each import the payment totals are recomputed from the rows (checkPaymentTotals) and must match.
 * INTAKE_TIMING=1 prints each step of every import on stderr (wall, Node CPU, PostgreSQL CPU, heap, peak RSS).
 *
 * PostgreSQL: BENCH_DATABASE_URL, else a throw-away embedded cluster in a temporary folder.
 * Targets (issue 12, 2-core machine, idle): 100,000 rows in ≤ 10 s, peak RSS ≤ 400 MB. Not a test.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { isValidPhoneNumber } from "libphonenumber-js";
import type { Sql, TransactionSql } from "postgres";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { checkPaymentTotals } from "../server/payments/payment-totals";
import { seedDemoCatalog } from "../server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "../server/services/context";
import { createDisbursement } from "../server/services/disbursements/create-disbursement";
import { importInstructions } from "../server/services/disbursements/import-instructions";
import { addUserToOrganization, createOrganization } from "../server/services/organization/create-organization";
import { benchDatabase } from "./lib/bench-database";

const SIZES = [10_000, 100_000];
const RUNS = 3;
/** Area codes of the generated files: one per run and size, so every first import creates its receivers. */
const AREA_CODES = [
  ["212", "312", "617"],
  ["415", "206", "303"],
];
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const formatInt = (n: number) => n.toLocaleString("en-US");
const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

// A full garbage collection before each measurement, so each baseline holds only live memory.
v8.setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** CPU time (ms) of a local PostgreSQL backend, from /proc; null when the server is elsewhere. */
function backendCpuMs(pid: number | null): number | null {
  if (pid === null || !existsSync(`/proc/${pid}/stat`)) return null;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
}

/** A CSV of `rows` PHONE_NUMBER/DATE_OF_BIRTH instructions with unique, valid US numbers. */
function generateCsv(rows: number, areaCode: string): Buffer {
  const lines = ["phone,id,amount,verification,paymentID"];
  for (let i = 0; i < rows; i++) {
    const phone = `+1${areaCode}${String(2_000_000 + i).padStart(7, "0")}`;
    const dob = `19${String(50 + (i % 50)).padStart(2, "0")}-${String((i % 12) + 1).padStart(2, "0")}-${String((i % 28) + 1).padStart(2, "0")}`;
    lines.push(`${phone},receiver-${areaCode}-${i},${(i % 997) + 1}.${String(i % 10_000_000).padStart(7, "0")},${dob},pay-${areaCode}-${i}`);
  }
  if (!isValidPhoneNumber(lines[1]!.split(",")[0]!)) throw new Error("generated phone numbers are not valid");
  return Buffer.from(lines.join("\n") + "\n", "utf8");
}

/** Increasing version-7-shaped ids, like the import's (so both baselines enter the indexes the same way). */
function increasingIds(): () => string {
  const stamp = Date.now().toString(16).padStart(12, "0");
  const random = randomBytes(6).toString("hex");
  let n = 0;
  return () => {
    const c = (n++).toString(16).padStart(7, "0");
    return `${stamp.slice(0, 8)}-${stamp.slice(8, 12)}-7${c.slice(0, 3)}-8${c.slice(3, 6)}-${c.slice(6)}${random.slice(0, 11)}`;
  };
}

type Loaded = { table: string; columns: string; text: () => Iterable<string> };

/**
 * What the import writes for `rows` new receivers, as COPY text per table, made piece by piece while
 * it is sent (as the import makes its own), so the baseline never holds the whole load in memory.
 */
function sameTablesData(
  rows: number,
  prefix: string,
  ids: { orgId: string; walletId: string; disbursementId: string; assetId: string; userId: string; connectionId: string; ruleId: string },
) {
  const id = increasingIds();
  const receiverIds = Array.from({ length: rows }, id);
  const walletIds = Array.from({ length: rows }, id);
  const now = new Date().toISOString();
  const walletHistory = JSON.stringify([{ user_id: ids.userId, status: "DRAFT", timestamp: now }]);
  const paymentHistory = JSON.stringify([{ status: "DRAFT", status_message: null, timestamp: now }]);
  const hash = (i: number) => (randomBytes(4).toString("hex") + String(i)).padEnd(64, "0");
  const build = (line: (i: number) => string) =>
    function* () {
      for (let start = 0; start < rows; start += 5_000) {
        let text = "";
        for (let i = start; i < Math.min(rows, start + 5_000); i++) text += line(i);
        yield text;
      }
    };
  const loads: Loaded[] = [
    {
      table: "receivers",
      columns: "id, org_id, external_id, phone_number",
      text: build((i) => `${receiverIds[i]}\t${ids.orgId}\treceiver-${prefix}-${i}\t+1${prefix}${String(i).padStart(7, "0")}\n`),
    },
    {
      table: "receiver_verifications",
      columns: "receiver_id, org_id, verification_field, hashed_value",
      text: build((i) => `${receiverIds[i]}\t${ids.orgId}\tDATE_OF_BIRTH\t${hash(i)}\n`),
    },
    {
      table: "receiver_wallets",
      columns: "id, org_id, receiver_id, wallet_id, status, status_history",
      text: build((i) => `${walletIds[i]}\t${ids.orgId}\t${receiverIds[i]}\t${ids.walletId}\tDRAFT\t${walletHistory}\n`),
    },
    {
      table: "payments",
      // Routed as the import routes them (connection and rule: one payments_connection_idx entry per payment).
      columns:
        "id, org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, status_history, external_payment_id, line_number, connection_id, routing_rule_id",
      text: build(
        (i) =>
          `${id()}\t${ids.orgId}\t${ids.disbursementId}\t${receiverIds[i]}\t${walletIds[i]}\t${ids.assetId}\t${(i % 997) + 1}.${String(i % 10_000_000).padStart(7, "0")}\tDRAFT\t${paymentHistory}\tpay-${prefix}-${i}\t${i + 2}\t${ids.connectionId}\t${ids.ruleId}\n`,
      ),
    },
  ];
  return loads;
}

async function copyInto(sql: Sql | TransactionSql, statement: string, pieces: Iterable<string | Buffer>) {
  const writable = await sql.unsafe(statement).writable();
  await pipeline(Readable.from(pieces), writable as Writable);
}

type Measure = { ms: number; baseline: number; peak: number; nodeCpuMs: number; pgCpuMs: number | null };

/**
 * Peak RSS while `fn` runs: sampled every 20 ms, and the process's high-water mark (maxRSS) when it rose
 * during `fn` — the samples miss what happens while the event loop is busy (validation is synchronous).
 */
async function measured<T>(backendPid: number | null, fn: () => Promise<T>): Promise<Measure & { value: T }> {
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const highWater = process.resourceUsage().maxRSS * 1024;
  const cpu = process.cpuUsage();
  const pgCpu = backendCpuMs(backendPid);
  const started = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    const highWaterAfter = process.resourceUsage().maxRSS * 1024;
    if (highWaterAfter > highWater) peak = Math.max(peak, highWaterAfter);
    const used = process.cpuUsage(cpu);
    const pgAfter = backendCpuMs(backendPid);
    return { value, ms, baseline, peak, nodeCpuMs: (used.user + used.system) / 1000, pgCpuMs: pgCpu !== null && pgAfter !== null ? pgAfter - pgCpu : null };
  } finally {
    clearInterval(timer);
  }
}

const KINDS = ["import", "re-upload", "COPY, same tables", "COPY, bare floor"] as const;
type Kind = (typeof KINDS)[number];

type RunResult = { size: number; kind: Kind; m: Measure };
const RESULT_PREFIX = "RESULT ";

/**
 * One run, in its own Node process (so each run's peak RSS is its own, not what V8 kept from the
 * run before): a new organization, the imports and both baselines on ONE connection — the same
 * footing (cache, plans, backend) — whose backend's CPU time is theirs alone.
 */
async function runOnce(url: string, run: number, local: boolean) {
  const handle = createDb(url, { max: 1 });
  try {
    const [backend] = await handle.sql`select pg_backend_pid() as pid`;
    const backendPid = local ? Number(backend?.pid) : null;
    const suffix = randomBytes(4).toString("hex");
    const org = await createOrganization(handle.db, { name: `Bench ${suffix}`, slug: `bench-${suffix}` });
    const user = await addUserToOrganization(handle.db, { orgId: org.id, email: `bench.${suffix}@bench.local`, name: "Bench", role: "owner" });
    const catalog = await seedDemoCatalog(handle.db, org.id);
    const ctx: OrgContext = { db: handle.db, actor: { userId: user.id }, org: { id: org.id }, role: "owner" };
    // The organization's default rule and connection: where the import routes every row of these files.
    const [route] = await handle.sql<{ connectionId: string; ruleId: string }[]>`
      select connection_id as "connectionId", id as "ruleId" from routing_rules where org_id = ${org.id} order by position, created_at, id limit 1`;
    if (!route) throw new Error("the organization has no routing rule");
    const newDisbursement = (name: string) =>
      createDisbursement(ctx, {
        name,
        wallet_id: catalog.wallet.id,
        asset_id: catalog.usdc.id,
        registration_contact_type: "PHONE_NUMBER",
        verification_field: "DATE_OF_BIRTH",
      });
    const line = (label: string, m: Measure) =>
      `  ${label.padEnd(26)} wall ${seconds(m.ms).padStart(8)}  PG backend CPU ${(m.pgCpuMs === null ? "n/a" : seconds(m.pgCpuMs)).padStart(8)}  node CPU ${seconds(m.nodeCpuMs).padStart(7)}  RSS ${mb(m.baseline)} → ${mb(m.peak)}`;

    for (const [index, size] of SIZES.entries()) {
      const area = AREA_CODES[index]![run % 3]!;
      const csv = generateCsv(size, area);
      const d = await newDisbursement(`Bench ${size} ${run} ${suffix}`);
      const first = await measured(backendPid, () => importInstructions(ctx, { disbursementId: d.id, fileName: `bench-${size}.csv`, content: csv }));
      if (first.value.total_payments !== size) throw new Error(`expected ${size} payments, got ${first.value.total_payments}`);
      // Re-upload: READY → READY, payments replaced, every receiver already exists.
      const again = await measured(backendPid, () => importInstructions(ctx, { disbursementId: d.id, fileName: `bench-${size}.csv`, content: csv }));
      const mismatches = await checkPaymentTotals(handle.db, org.id);
      if (mismatches.length > 0) throw new Error(`payment totals differ from the rows after the import: ${JSON.stringify(mismatches.slice(0, 3))}`);

      const target = await newDisbursement(`Bench COPY ${size} ${run} ${suffix}`);
      const loads = sameTablesData(size, `9${index}${run}`, {
        orgId: org.id,
        walletId: catalog.wallet.id,
        disbursementId: target.id,
        assetId: catalog.usdc.id,
        userId: user.id,
        connectionId: route.connectionId,
        ruleId: route.ruleId,
      });
      const same = await measured(backendPid, () =>
        handle.sql.begin(async (tx) => {
          for (const load of loads) await copyInto(tx, `copy ${load.table} (${load.columns}) from stdin`, load.text());
        }),
      );
      await handle.sql`truncate bench_copy`;
      const bare = await measured(backendPid, () => copyInto(handle.sql, "copy bench_copy from stdin with (format csv, header true)", [csv]));

      const label = formatInt(size).padStart(7);
      for (const [kind, m] of [
        ["import", first],
        ["re-upload", again],
        ["COPY, same tables", same],
        ["COPY, bare floor", bare],
      ] as const) {
        console.log(line(`${label} ${kind}`, m));
        const { value: _value, ...measure } = m as Measure & { value?: unknown };
        console.log(RESULT_PREFIX + JSON.stringify({ size, kind, m: measure } satisfies RunResult));
      }
      console.log(`  ${label} payment totals recomputed from the rows: match (checkPaymentTotals → [])`);
    }
    console.log(`  process maxRSS of this run (resourceUsage, incl. file generation and the baselines' data): ${mb(process.resourceUsage().maxRSS * 1024)}`);
  } finally {
    await handle.sql.end({ timeout: 5 });
  }
}

/** Runs `runOnce` in a child Node process (same loader flags), echoing its lines and collecting its results. */
function runChild(url: string, run: number, local: boolean): Promise<RunResult[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, "--run", String(run), ...(local ? ["--local"] : [])], {
      env: { ...process.env, BENCH_DATABASE_URL: url },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const results: RunResult[] = [];
    let pending = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const l of lines) {
        if (l.startsWith(RESULT_PREFIX)) results.push(JSON.parse(l.slice(RESULT_PREFIX.length)) as RunResult);
        else console.log(l);
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(results) : reject(new Error(`run ${run + 1} exited with code ${code}`))));
  });
}

async function main() {
  // This benchmark's own defaults, written to the environment before anything reads config() (server/config).
  process.env.ENCRYPTION_KEY ||= randomBytes(32).toString("hex");
  process.env.CSV_MAX_ROWS ||= "100000";
  const runFlag = process.argv.indexOf("--run");
  if (runFlag > 0) {
    const url = process.env.BENCH_DATABASE_URL;
    if (!url) throw new Error("a run needs BENCH_DATABASE_URL");
    return runOnce(url, Number(process.argv[runFlag + 1]), process.argv.includes("--local"));
  }
  console.log(`load average before: ${loadavg()}`);

  const database = await benchDatabase("sdp-bench-pg");
  const url = database.url;
  try {
    await applyMigrations(url);
    const handle = createDb(url, { max: 1 });
    let local = !database.external;
    try {
      const [version] = await handle.sql`select current_setting('server_version') as v, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc`;
      console.log(
        `PostgreSQL ${version?.v} (fsync=${version?.fsync}, synchronous_commit=${version?.sc}); node ${process.version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"})`,
      );
      const [backend] = await handle.sql`select inet_server_addr() as addr`;
      local ||= /^(127\.|::1|localhost)/.test(String(backend?.addr ?? ""));
      await handle.sql`create table if not exists bench_copy (phone text, external_id text, amount numeric(19,7), verification text, payment_id text)`;
    } finally {
      await handle.sql.end({ timeout: 5 });
    }

    const results: RunResult[] = [];
    for (let run = 0; run < RUNS; run++) {
      console.log(`\nrun ${run + 1}/${RUNS} (own process) — load average before: ${loadavg()}`);
      results.push(...(await runChild(url, run, local)));
      console.log(`run ${run + 1}/${RUNS} — load average after: ${loadavg()}`);
    }

    const min = (xs: number[]) => Math.min(...xs);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const header = ["rows", "what", "wall min", "wall median", "PG CPU min", "PG CPU median", "rows/s (median)", "peak RSS max"];
    const table: string[][] = [];
    for (const size of SIZES) {
      for (const kind of KINDS) {
        const ms = results.filter((r) => r.size === size && r.kind === kind).map((r) => r.m);
        if (ms.length === 0) continue;
        const pg = ms.map((m) => m.pgCpuMs).filter((v): v is number => v !== null);
        table.push([
          formatInt(size),
          kind,
          seconds(min(ms.map((m) => m.ms))),
          seconds(median(ms.map((m) => m.ms))),
          pg.length ? seconds(min(pg)) : "n/a",
          pg.length ? seconds(median(pg)) : "n/a",
          formatInt(Math.round((size / median(ms.map((m) => m.ms))) * 1000)),
          mb(Math.max(...ms.map((m) => m.peak))),
        ]);
      }
    }
    const widths = header.map((h, i) => Math.max(h.length, ...table.map((r) => r[i]!.length)));
    const row = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
    console.log(
      `\nsummary of ${RUNS} runs (PG CPU: the one backend of the run's connection, from /proc; peak RSS: of the run's Node process (samples every 20 ms and its high-water mark), counting what earlier steps of the run left; on a busy machine wall time also includes waiting for a core)`,
    );
    console.log(row(header));
    for (const r of table) console.log(row(r));
    console.log("targets: 100,000 rows ≤ 10 s on an idle machine, peak RSS ≤ 400 MB");
  } finally {
    await database.stop();
    console.log(`load average after: ${loadavg()}`);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
