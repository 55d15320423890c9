/**
 * `npm run bench:payments`: payments end to end on the local ledger (start → all SUCCESS), through
 * a real worker process, a throw-away embedded PostgreSQL and a fresh ledger per scenario:
 *
 *   (a) uncapped ledger (1 s closes, no operation cap)
 *   (b) capped like mainnet: 1,000 operations per 5-second ledger
 *
 * each with batches (up to BENCH_MAX_OPS payments per transaction) beside SDP's way (one payment
 * per transaction, same channel accounts), which runs for at most BENCH_SINGLE_SECONDS. Prints
 * payments per second, transactions sent, and ledger utilization (operations in the ledgers of the
 * run / capacity). Not a test: nothing fails, it reports.
 *
 * BENCH_PAYMENTS (10000), BENCH_MAX_OPS (99: a fee-bumped 99-payment transaction counts 100
 * operations, so ten fill a 1,000-operation ledger), BENCH_CHANNELS_UNCAPPED (20),
 * BENCH_CHANNELS_CAPPED (12), BENCH_SINGLE_SECONDS (30), BENCH_SCENARIOS (uncapped,capped).
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Keypair, Operation } from "@stellar/stellar-sdk";
import { and, count, eq, sql } from "drizzle-orm";
import { createDb, type Db } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { payments } from "../db/schema";
import { freePort, startEmbeddedPostgres } from "./lib/embedded-postgres";
import { ROOT } from "./lib/runtime-defaults";
import { config } from "../server/config";

// This benchmark's own defaults, written to the environment before anything reads config() (server/config).
process.env.ENCRYPTION_KEY ||= "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
process.env.LOG_LEVEL ||= "warn";

const BENCH = config();
const COUNT = BENCH.BENCH_PAYMENTS;
const MAX_OPS = BENCH.BENCH_MAX_OPS;
const SINGLE_SECONDS = BENCH.BENCH_SINGLE_SECONDS;
const SCENARIOS = BENCH.BENCH_SCENARIOS.split(",").map((s) => s.trim());
const SCENARIO = {
  uncapped: { closeIntervalMs: 1000, maxOpsPerLedger: 0, channels: BENCH.BENCH_CHANNELS_UNCAPPED },
  capped: { closeIntervalMs: 5000, maxOpsPerLedger: 1000, channels: BENCH.BENCH_CHANNELS_CAPPED },
} as const;

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Row = {
  scenario: string;
  mode: string;
  paid: number;
  seconds: number;
  txs: number;
  submissions: number;
  ledgers: number;
  opsPerLedger: number;
  utilization: number | null;
};

async function main() {
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

  const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-payments-"));
  if (process.getuid?.() === 0) chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: tmp, port: await freePort(), database: "bench", fast: true });
  await applyMigrations(pg.url);
  const { db, sql: pool } = createDb(pg.url, { max: 5 });
  // Start's balance check is not what is measured here.
  setDistributionBalanceProvider({ availableStroops: async () => 10n ** 15n });
  const rows: Row[] = [];

  try {
    const org = await createOrganization(db, { name: "Bench", slug: `bench-${Date.now()}` });
    const owner = await addUserToOrganization(db, { orgId: org.id, email: "owner@bench.local", name: "Owner", role: "owner", password: "BenchPassword-1" });
    const ctx = { db, actor: { userId: owner.id }, org: { id: org.id }, role: "owner" as const };
    const catalog = await seedDemoCatalog(db, org.id);

    for (const name of SCENARIOS) {
      const scenario = SCENARIO[name as keyof typeof SCENARIO];
      if (!scenario) throw new Error(`unknown scenario ${name}`);
      const ledgerDir = path.join(tmp, `ledger-${name}`);

      // 1. Accounts on a fast, uncapped ledger: receivers, distribution, channels.
      let ledger = await startLocalLedger({ dataDir: ledgerDir, closeIntervalMs: 250, maxOpsPerLedger: 0 });
      let config = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: ledger.url, CHANNEL_ACCOUNTS: String(scenario.channels) });
      const t0 = Date.now();
      const receivers = Array.from({ length: COUNT }, () => Keypair.random().publicKey());
      const funders = Array.from({ length: 10 }, () => Keypair.random());
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
        ...receivers.map((a, i) => `+447911${"1278"[SCENARIOS.indexOf(name) % 4]}${String(10000 + i).padStart(5, "0")},r${i},${(0.01 + i / 1e7).toFixed(7)},${a}`),
      ].join("\n");
      for (const mode of ["batched", "single"] as const) {
        const d = await createDisbursement(ctx, {
          name: `${name} ${mode} ${Date.now()}`,
          wallet_id: catalog.wallet.id,
          asset_id: catalog.xlm.id,
          registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS",
        });
        await importInstructions(ctx, { disbursementId: d.id, fileName: "bench.csv", content: Buffer.from(csv) });
        const worker = spawnWorker({
          DATABASE_URL: pg.url,
          HORIZON_URL: ledger.url,
          STELLAR_NETWORK: "local",
          CHANNEL_ACCOUNTS: String(scenario.channels),
          WORKER_CONCURRENCY: String(scenario.channels),
          WORKER_MAX_OPS: String(mode === "batched" ? MAX_OPS : 1),
          WORKER_ORG_IDS: org.id,
          WORKER_SETUP: "0",
          WORKER_IDLE_MS: "20",
        });
        await sleep(3_000); // the worker is up and polling
        const startLedger = await latestLedgerSeq(ledger.url);
        const started = Date.now();
        await changeDisbursementStatus(ctx, { id: d.id, status: "STARTED" });
        const limitMs = mode === "single" ? SINGLE_SECONDS * 1000 : 600_000;
        let paid = 0;
        while (Date.now() - started < limitMs) {
          paid = await successCount(db, d.id);
          if (paid >= COUNT) break;
          await sleep(100);
        }
        const seconds = (Date.now() - started) / 1000;
        const endLedger = await latestLedgerSeq(ledger.url);
        if (paid < COUNT) {
          await changeDisbursementStatus(ctx, { id: d.id, status: "PAUSED" });
          const settleBy = Date.now() + 60_000;
          while (Date.now() < settleBy && (await pendingCount(db, d.id)) > 0) await sleep(200);
          paid = await successCount(db, d.id);
        }
        await worker.stop();
        const [txStats] = await db.execute<{ txs: number; submissions: number }>(sql`
          select count(*)::int as txs, coalesce(sum(attempts), 0)::int as submissions from stellar_transactions
          where id in (select stp.transaction_id from stellar_transaction_payments stp join payments p on p.id = stp.payment_id where p.disbursement_id = ${d.id})`);
        const usage = await ledgerUsage(ledger.url, startLedger + 1, endLedger);
        const row: Row = {
          scenario: name,
          mode: mode === "batched" ? `batched (${MAX_OPS}/tx)` : "1 per tx (SDP)",
          paid,
          seconds,
          txs: txStats?.txs ?? 0,
          submissions: txStats?.submissions ?? 0,
          ledgers: usage.ledgers,
          opsPerLedger: usage.ledgers ? usage.ops / usage.ledgers : 0,
          utilization: scenario.maxOpsPerLedger > 0 && usage.ledgers ? usage.ops / (usage.ledgers * scenario.maxOpsPerLedger) : null,
        };
        rows.push(row);
        say(
          `${name} ${row.mode}: ${paid} paid in ${seconds.toFixed(1)} s = ${(paid / seconds).toFixed(0)} payments/s; ${row.txs} transactions; ${usage.ledgers} ledgers, ${row.opsPerLedger.toFixed(0)} ops/ledger${row.utilization !== null ? `, utilization ${(row.utilization * 100).toFixed(1)}%` : ""}`,
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
  say("scenario  mode                 paid   seconds  payments/s  transactions  submissions  ledgers  ops/ledger  utilization");
  for (const r of rows) {
    say(
      `${r.scenario.padEnd(9)} ${r.mode.padEnd(20)} ${String(r.paid).padStart(5)} ${r.seconds.toFixed(1).padStart(9)} ${(r.paid / r.seconds).toFixed(0).padStart(11)} ${String(r.txs).padStart(13)} ${String(r.submissions).padStart(12)} ${String(r.ledgers).padStart(8)} ${r.opsPerLedger.toFixed(0).padStart(11)} ${r.utilization === null ? "          -" : `${(r.utilization * 100).toFixed(1)}%`.padStart(12)}`,
    );
  }
  for (const name of SCENARIOS) {
    const [b, s] = [rows.find((r) => r.scenario === name && r.mode.startsWith("batched")), rows.find((r) => r.scenario === name && r.mode.startsWith("1 per"))];
    if (b && s && s.paid > 0) say(`${name}: batched is ${(b.paid / b.seconds / (s.paid / s.seconds)).toFixed(1)}x SDP's one payment per transaction`);
  }
}

function spawnWorker(env: Record<string, string>) {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function successCount(db: Db, disbursementId: string) {
  const [r] = await db
    .select({ n: count() })
    .from(payments)
    .where(and(eq(payments.disbursementId, disbursementId), eq(payments.status, "SUCCESS")));
  return r?.n ?? 0;
}

async function pendingCount(db: Db, disbursementId: string) {
  const [r] = await db
    .select({ n: count() })
    .from(payments)
    .where(and(eq(payments.disbursementId, disbursementId), eq(payments.status, "PENDING")));
  return r?.n ?? 0;
}

async function latestLedgerSeq(url: string): Promise<number> {
  const res = await fetch(`${url}/ledgers?order=desc&limit=1`);
  const body = (await res.json()) as { _embedded: { records: { sequence: number }[] } };
  return body._embedded.records[0]?.sequence ?? 0;
}

/** Operations in ledgers [from, to] that carried any transaction set (the run's ledgers). */
async function ledgerUsage(url: string, from: number, to: number) {
  let ops = 0;
  let ledgers = 0;
  let cursor = (BigInt(from - 1) << 32n).toString();
  for (;;) {
    const res = await fetch(`${url}/ledgers?order=asc&limit=200&cursor=${cursor}`);
    const records = ((await res.json()) as { _embedded: { records: { sequence: number; paging_token: string; tx_set_operation_count: number }[] } })._embedded.records;
    if (records.length === 0) break;
    for (const r of records) {
      if (r.sequence > to) return { ops, ledgers };
      if (r.tx_set_operation_count > 0) {
        ops += r.tx_set_operation_count;
        ledgers++;
      }
    }
    cursor = records[records.length - 1]!.paging_token;
  }
  return { ops, ledgers };
}

main().catch((error) => {
  process.stderr.write(`[bench] ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
