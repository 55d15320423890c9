/**
 * `npm run bench:payments`: payments end to end on the local ledger (start → all SUCCESS), through
 * real worker processes, a throw-away embedded PostgreSQL and a fresh ledger per scenario:
 *
 *   (a) uncapped ledger (1 s closes, no operation cap)
 *   (b) capped like mainnet: 1,000 operations per 5-second ledger
 *
 * each with batches (up to BENCH_MAX_OPS payments per transaction) run with 1, 2, 4… worker
 * PROCESSES (BENCH_WORKERS) BENCH_RUNS times each, beside SDP's way (one payment per transaction,
 * same channel accounts, one worker), which runs for at most BENCH_SINGLE_SECONDS. Prints per run:
 * payments per second, the first payment's latency after start, worker start (spawn → claiming),
 * mean claim time per batch (the workers' own counters; of it, the last statement, where claims and
 * settlements of one disbursement meet) and settlement time per transaction, transactions sent, ledger
 * use over EVERY ledger closed during the run (not only those that carried operations), the CPU of
 * the workers, of PostgreSQL and of this process (the ledger) per 1,000 payments (Linux /proc), and
 * database transactions per Stellar transaction; then min and median
 * per worker count. The machine's load average is printed before and after each run (the machine is
 * shared: read ratios). Not a test: nothing fails, it reports.
 *
 * `npm run bench:payments -- claim`: EXPLAIN (ANALYZE, BUFFERS) of the claim's queries with
 * BENCH_CLAIM_SIZES READY payments (default 1,000 and 1,000,000), beside the pre-0009 claim query,
 * for docs/performance.md.
 *
 * `npm run bench:payments -- start`: a worker's start (spawn → claiming) through `npm run worker`'s
 * bundle and through tsx, BENCH_RUNS times each (scripts/lib/bench-worker-start.ts).
 *
 * BENCH_PAYMENTS (10000), BENCH_MAX_OPS (99: a fee-bumped 99-payment transaction counts 100
 * operations, so ten fill a 1,000-operation ledger), BENCH_CHANNELS_UNCAPPED (20),
 * BENCH_CHANNELS_CAPPED (12), BENCH_SINGLE_SECONDS (30), BENCH_SCENARIOS (uncapped,capped),
 * BENCH_WORKERS (1), BENCH_RUNS (1), BENCH_MODES (batched,single), BENCH_CLAIM_SIZES (1000,1000000).
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Keypair, Operation } from "@stellar/stellar-sdk";
import { sql } from "drizzle-orm";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { freePort, startEmbeddedPostgres } from "./lib/embedded-postgres";
import { cpuMsOf, loadAverage, pgCpuMs, spawnBenchWorker } from "./lib/bench-process";
import { config } from "../server/config";

// This benchmark's own defaults, written to the environment before anything reads config() (server/config).
process.env.ENCRYPTION_KEY ||= "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
process.env.LOG_LEVEL ||= "warn";

const BENCH = config();
const COUNT = BENCH.BENCH_PAYMENTS;
const MAX_OPS = BENCH.BENCH_MAX_OPS;
const SINGLE_SECONDS = BENCH.BENCH_SINGLE_SECONDS;
const SCENARIOS = BENCH.BENCH_SCENARIOS.split(",").map((s) => s.trim());
const WORKERS = BENCH.BENCH_WORKERS.split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => n > 0);
const RUNS = BENCH.BENCH_RUNS;
const MODES = BENCH.BENCH_MODES.split(",").map((s) => s.trim()) as ("batched" | "single")[];
const SCENARIO = {
  uncapped: { closeIntervalMs: 1000, maxOpsPerLedger: 0, channels: BENCH.BENCH_CHANNELS_UNCAPPED },
  capped: { closeIntervalMs: 5000, maxOpsPerLedger: 1000, channels: BENCH.BENCH_CHANNELS_CAPPED },
} as const;

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Row = {
  scenario: string;
  mode: string;
  workers: number;
  paid: number;
  seconds: number;
  firstPaymentMs: number | null;
  workerReadyMs: number;
  claimMsPerBatch: number | null;
  txs: number;
  submissions: number;
  ledgers: number;
  ledgersWithOps: number;
  opsPerLedger: number;
  utilization: number | null;
  loadBefore: string;
  loadAfter: string;
};

async function main() {
  if (process.argv.includes("start")) {
    const { benchWorkerStart } = await import("./lib/bench-worker-start");
    await benchWorkerStart(RUNS);
    return;
  }
  if (process.argv.includes("claim")) {
    const { explainClaim } = await import("./lib/bench-claim");
    await explainClaim(BENCH.BENCH_CLAIM_SIZES.split(",").map((s) => Number(s.trim())));
    return;
  }
  const { createOrganization, addUserToOrganization } = await import("../server/services/organization/create-organization");
  const { seedDemoCatalog } = await import("../server/services/catalog/seed-demo-catalog");
  const { createDisbursement } = await import("../server/services/disbursements/create-disbursement");
  const { importInstructions } = await import("../server/services/disbursements/import-instructions");
  const { changeDisbursementStatus } = await import("../server/services/disbursements/change-disbursement-status");
  const { setDistributionBalanceProvider } = await import("../server/services/disbursements/distribution-balance");
  const { setupOrganizationAccounts, submitSetupTransaction } = await import("../server/stellar/accounts");
  const { friendbot } = await import("../server/stellar/horizon");
  const { stellarConfig } = await import("../server/stellar/network");
  const { startLocalLedger } = await import("../server/stellar/local-ledger");
  const { readDisbursementTotals } = await import("../server/payments/payment-totals");

  say(`load average at start: ${loadAverage()} (${os.cpus().length} CPUs)`);
  const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-payments-"));
  if (process.getuid?.() === 0) chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: tmp, port: await freePort(), database: "bench", fast: true });
  await applyMigrations(pg.url);
  const { db, sql: pool } = createDb(pg.url, { max: 5 });
  const pgDataDir = path.join(tmp, "pg");
  // Start's balance check is not what is measured here.
  setDistributionBalanceProvider({ availableStroops: async () => 10n ** 15n });
  const rows: Row[] = [];

  try {
    const org = await createOrganization(db, { name: "Bench", slug: `bench-${Date.now()}` });
    const owner = await addUserToOrganization(db, { orgId: org.id, email: "owner@bench.local", name: "Owner", role: "owner", password: "BenchPassword-1" });
    const ctx = { db, actor: { userId: owner.id }, org: { id: org.id }, role: "owner" as const };
    const catalog = await seedDemoCatalog(db, org.id);
    const counts = async (id: string) => (await readDisbursementTotals(db, org.id, [id])).get(id)!;

    for (const name of SCENARIOS) {
      const scenario = SCENARIO[name as keyof typeof SCENARIO];
      if (!scenario) throw new Error(`unknown scenario ${name}`);
      const ledgerDir = path.join(tmp, `ledger-${name}`);

      // 1. Accounts on a fast, uncapped ledger: receivers, distribution, channels.
      let ledger = await startLocalLedger({ dataDir: ledgerDir, closeIntervalMs: 250, maxOpsPerLedger: 0 });
      let config = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: ledger.url, CHANNEL_ACCOUNTS: String(scenario.channels) });
      const t0 = Date.now();
      const receivers = Array.from({ length: COUNT }, () => Keypair.random().publicKey());
      // A friendbot-funded account holds 10,000 XLM: at most 5,000 one-XLM accounts per funder.
      const funders = Array.from({ length: Math.max(10, Math.ceil(COUNT / 5_000)) }, () => Keypair.random());
      await Promise.all(funders.map((f) => friendbot(config.horizonUrl, f.publicKey())));
      const share = Math.ceil(COUNT / funders.length);
      await Promise.all(
        funders.map(async (funder, f) => {
          const mine = receivers.slice(f * share, (f + 1) * share);
          for (let i = 0; i < mine.length; i += 100) {
            await submitSetupTransaction(
              config,
              funder,
              mine.slice(i, i + 100).map((destination) => Operation.createAccount({ destination, startingBalance: "1" })),
              [],
            );
          }
        }),
      );
      await setupOrganizationAccounts(db, org.id, config);
      await ledger.close();
      say(`${name}: ${COUNT} receivers and ${scenario.channels} channels ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

      // 2. The same ledger, restarted with the scenario's close interval and cap.
      ledger = await startLocalLedger({
        dataDir: ledgerDir,
        closeIntervalMs: scenario.closeIntervalMs,
        maxOpsPerLedger: scenario.maxOpsPerLedger,
        port: await freePort(),
      });
      config = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: ledger.url, CHANNEL_ACCOUNTS: String(scenario.channels) });
      // Channels' tracked sequence numbers belong to the set-up ledger run; reload them from this one.
      await db.execute(sql`update stellar_accounts set sequence = null where org_id = ${org.id}`);

      // Phones per scenario: the previous scenario's receivers may still have payments in flight.
      const csv = [
        "phone,id,amount,walletAddress",
        // UK mobiles 0791d nnnnnn: up to a million distinct numbers per scenario.
        ...receivers.map((a, i) => `+44791${"1278"[SCENARIOS.indexOf(name) % 4]}${String(i).padStart(6, "0")},r${i},${(0.01 + i / 1e7).toFixed(7)},${a}`),
      ].join("\n");
      // Runs interleaved (1, 2, 4 workers, then again): a change in the machine's load hits every worker count alike.
      const plan = Array.from({ length: RUNS }, (_, run) =>
        MODES.flatMap((mode) => (mode === "batched" ? WORKERS : [1]).map((workers) => ({ mode, workers, run }))),
      ).flat();
      for (const { mode, workers, run } of plan) {
        const d = await createDisbursement(ctx, {
          name: `${name} ${mode} ${workers}w #${run + 1} ${Date.now()}`,
          wallet_id: catalog.wallet.id,
          asset_id: catalog.xlm.id,
          registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS",
        });
        const tImport = Date.now();
        await importInstructions(ctx, { disbursementId: d.id, fileName: "bench.csv", content: Buffer.from(csv) });
        say(`${name} ${mode} ${workers} worker(s) run ${run + 1}: ${COUNT} payments imported in ${((Date.now() - tImport) / 1000).toFixed(1)} s`);
        const env = {
          DATABASE_URL: pg.url,
          HORIZON_URL: ledger.url,
          STELLAR_NETWORK: "local",
          CHANNEL_ACCOUNTS: String(scenario.channels),
          WORKER_CONCURRENCY: String(scenario.channels),
          WORKER_MAX_OPS: String(mode === "batched" ? MAX_OPS : 1),
          WORKER_ORG_IDS: org.id,
          WORKER_SETUP: "0",
          LOG_LEVEL: "info",
        };
        const procs = Array.from({ length: workers }, () => spawnBenchWorker(env, say));
        const readyMs = Math.max(...(await Promise.all(procs.map((p) => p.ready))));
        await sleep(1_500); // every lane idle and backed off: the first claim comes from an idle worker
        const loadBefore = loadAverage();
        // CPU from here to the end of the run, per part: workers, PostgreSQL, this process (the ledger).
        const cpuBefore = { workers: procs.map((p) => cpuMsOf(p.pid)), pg: pgCpuMs(pgDataDir), bench: process.cpuUsage() };
        const [xactsBefore] = await db.execute<{ n: string }>(
          sql`select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()`,
        );
        const startLedger = await latestLedgerSeq(ledger.url);
        const started = Date.now();
        await changeDisbursementStatus(ctx, { id: d.id, status: "STARTED" });
        const limitMs = mode === "single" ? SINGLE_SECONDS * 1000 : 900_000;
        let paid = 0;
        let firstPaymentMs: number | null = null;
        while (Date.now() - started < limitMs) {
          paid = (await counts(d.id)).SUCCESS.count;
          if (paid > 0 && firstPaymentMs === null) firstPaymentMs = Date.now() - started;
          if (paid >= COUNT) break;
          await sleep(firstPaymentMs === null ? 20 : 100);
        }
        const seconds = (Date.now() - started) / 1000;
        const endLedger = await latestLedgerSeq(ledger.url);
        const loadAfter = loadAverage();
        const cpu = {
          workers: procs.reduce((sum, p, i) => sum + cpuMsOf(p.pid) - cpuBefore.workers[i]!, 0),
          pg: pgCpuMs(pgDataDir) - cpuBefore.pg,
          bench: (() => {
            const u = process.cpuUsage(cpuBefore.bench);
            return (u.user + u.system) / 1000;
          })(),
        };
        const [xactsAfter] = await db.execute<{ n: string }>(
          sql`select (xact_commit + xact_rollback)::text as n from pg_stat_database where datname = current_database()`,
        );
        const xacts = Number(xactsAfter?.n ?? 0) - Number(xactsBefore?.n ?? 0);
        if (paid < COUNT) {
          await changeDisbursementStatus(ctx, { id: d.id, status: "PAUSED" });
          const settleBy = Date.now() + 60_000;
          while (Date.now() < settleBy && (await counts(d.id)).PENDING.count > 0) await sleep(200);
          paid = (await counts(d.id)).SUCCESS.count;
        }
        const stops = await Promise.all(procs.map((p) => p.stop()));
        const built = stops.reduce((n, s) => n + Number(s?.built ?? 0), 0);
        const claimMs = stops.reduce((n, s) => n + Number(s?.claimMs ?? 0), 0);
        const claimMoveMs = stops.reduce((n, s) => n + Number(s?.claimMoveMs ?? 0), 0);
        const settleMs = stops.reduce((n, s) => n + Number(s?.settleMs ?? 0), 0);
        const settled = stops.reduce((n, s) => n + Number(s?.settled ?? 0), 0);
        const [txStats] = await db.execute<{ txs: number; submissions: number }>(sql`
          select count(*)::int as txs, coalesce(sum(attempts), 0)::int as submissions from stellar_transactions
          where id in (select stp.transaction_id from stellar_transaction_payments stp join payments p on p.id = stp.payment_id where p.disbursement_id = ${d.id})`);
        const usage = await ledgerUsage(ledger.url, startLedger + 1, endLedger);
        const row: Row = {
          scenario: name,
          mode: mode === "batched" ? `batched (${MAX_OPS}/tx)` : "1 per tx (SDP)",
          workers,
          paid,
          seconds,
          firstPaymentMs,
          workerReadyMs: readyMs,
          claimMsPerBatch: built > 0 ? claimMs / built : null,
          txs: txStats?.txs ?? 0,
          submissions: txStats?.submissions ?? 0,
          ledgers: usage.ledgers,
          ledgersWithOps: usage.ledgersWithOps,
          opsPerLedger: usage.ledgers ? usage.ops / usage.ledgers : 0,
          utilization: scenario.maxOpsPerLedger > 0 && usage.ledgers ? usage.ops / (usage.ledgers * scenario.maxOpsPerLedger) : null,
          loadBefore,
          loadAfter,
        };
        rows.push(row);
        say(
          `${name} ${row.mode} ${workers} worker(s) run ${run + 1}: ${paid} paid in ${seconds.toFixed(1)} s = ${(paid / seconds).toFixed(0)} payments/s; ` +
            `first payment ${firstPaymentMs ?? "-"} ms after start; workers claiming ${readyMs} ms after spawn; ` +
            `claim ${row.claimMsPerBatch === null ? "-" : row.claimMsPerBatch.toFixed(1)} ms/batch (of which its last statement, READY → PENDING, where claims and settlements of one disbursement meet: ${built > 0 ? (claimMoveMs / built).toFixed(1) : "-"} ms); ` +
            `settlement ${settled > 0 ? (settleMs / settled).toFixed(1) : "-"} ms/transaction; ${row.txs} transactions, ${row.submissions} submissions; ` +
            `${usage.ledgers} ledgers (${usage.ledgersWithOps} with operations), ${row.opsPerLedger.toFixed(0)} ops/ledger over every ledger` +
            `${row.utilization !== null ? `, utilization ${(row.utilization * 100).toFixed(1)}%` : ""}; load ${loadBefore} → ${loadAfter}; ` +
            `CPU ms per 1,000 payments: workers ${perK(cpu.workers, paid)}, PostgreSQL ${perK(cpu.pg, paid)}, ledger+bench ${perK(cpu.bench, paid)}; ` +
            `${(xacts / seconds).toFixed(0)} database transactions/s (${(xacts / Math.max(1, row.txs)).toFixed(1)} per Stellar transaction)`,
        );
      }
      await ledger.close();
    }
  } finally {
    await pool.end({ timeout: 5 });
    await pg.stop();
    rmSync(tmp, { recursive: true, force: true });
  }

  say("");
  say(`load average at end: ${loadAverage()}`);
  say("scenario  mode                 workers  runs  payments/s min  median  first payment ms (median)  claim ms/batch (median)  utilization (median, every ledger)");
  const groups = new Map<string, Row[]>();
  for (const r of rows) groups.set(`${r.scenario}|${r.mode}|${r.workers}`, [...(groups.get(`${r.scenario}|${r.mode}|${r.workers}`) ?? []), r]);
  for (const group of groups.values()) {
    const r0 = group[0]!;
    const rates = group.map((r) => r.paid / r.seconds);
    const util = group.map((r) => r.utilization).filter((u): u is number => u !== null);
    const claims = group.map((r) => r.claimMsPerBatch).filter((c): c is number => c !== null);
    say(
      `${r0.scenario.padEnd(9)} ${r0.mode.padEnd(20)} ${String(r0.workers).padStart(7)} ${String(group.length).padStart(5)} ${Math.min(...rates)
        .toFixed(0)
        .padStart(15)} ${median(rates).toFixed(0).padStart(7)} ` +
        `${String(median(group.map((r) => r.firstPaymentMs ?? Number.NaN)).toFixed(0)).padStart(26)} ${(claims.length ? median(claims).toFixed(1) : "-").padStart(24)} ` +
        `${util.length ? `${(median(util) * 100).toFixed(1)}%` : `${median(group.map((r) => r.opsPerLedger)).toFixed(0)} ops/ledger`}`.padStart(12),
    );
  }
}

const perK = (ms: number, paid: number) => (paid > 0 ? ((ms * 1000) / paid).toFixed(0) : "-");

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function latestLedgerSeq(url: string): Promise<number> {
  const res = await fetch(`${url}/ledgers?order=desc&limit=1`);
  const body = (await res.json()) as { _embedded: { records: { sequence: number }[] } };
  return body._embedded.records[0]?.sequence ?? 0;
}

/** Operations over EVERY ledger in [from, to] (the run's ledger intervals), and how many of them carried any. */
async function ledgerUsage(url: string, from: number, to: number) {
  let ops = 0;
  let ledgersWithOps = 0;
  const ledgers = Math.max(0, to - from + 1);
  let cursor = (BigInt(from - 1) << 32n).toString();
  for (;;) {
    const res = await fetch(`${url}/ledgers?order=asc&limit=200&cursor=${cursor}`);
    const records = ((await res.json()) as { _embedded: { records: { sequence: number; paging_token: string; tx_set_operation_count: number }[] } })._embedded.records;
    if (records.length === 0) break;
    for (const r of records) {
      if (r.sequence > to) return { ops, ledgers, ledgersWithOps };
      ops += r.tx_set_operation_count;
      if (r.tx_set_operation_count > 0) ledgersWithOps++;
    }
    cursor = records[records.length - 1]!.paging_token;
  }
  return { ops, ledgers, ledgersWithOps };
}

main().catch((error) => {
  process.stderr.write(`[bench] ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
