/**
 * Reconciliation at 100,000 entries (issue 13's benchmark, called by `npm run bench:bank`): against a
 * database, for each statement format, make 100,000 PENDING bank payments (a FIAT asset, a BANK
 * connection, one STARTED disbursement; rows written directly, as the bank rail would have shipped
 * them), write a 100,000-entry statement for them (scripts/lib/bank-file-generator.ts, the same files
 * `bench:bank` parses), then import it through the real service (importBankFile: read, match, one
 * transaction storing the file, every entry and every payment's move to SUCCESS). The import runs in
 * its own child process so its peak RSS (process.resourceUsage().maxRSS, runtime included) is its
 * own; PostgreSQL's CPU is that of the backend serving the import's one connection (/proc, when the
 * database runs on this machine). Targets: ≤ 10 s and ≤ 400 MB per file on a 2-core machine.
 *
 *   import { benchReconcile } from "./lib/bench-reconcile";
 *   const results = await benchReconcile({ databaseUrl, count: 100_000 });
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { createDb } from "../../db/client";
import { applyMigrations } from "../../db/migrate";
import { checkPaymentTotals } from "../../server/payments/payment-totals";
import { importBankFile } from "../../server/services/bank-files/import-bank-file";
import { addUserToOrganization, createOrganization } from "../../server/services/organization/create-organization";
import { createBankPayments, createBankSetup } from "../../tests/support/bank-payments";
import { generateCamt053, generateMt940 } from "./bank-file-generator";

export type ReconcileFormat = "CAMT053" | "MT940";

export type ReconcileBenchResult = {
  format: ReconcileFormat;
  entries: number;
  fileBytes: number;
  matched: number;
  exceptions: number;
  /** Wall time of importBankFile (read + reconcile + commit). */
  ms: number;
  /** CPU of the import process (user + system). */
  cpuMs: number;
  /** CPU of the PostgreSQL backend that ran the import's transaction; null when not on this machine. */
  backendCpuMs: number | null;
  /** Peak RSS of the import process. */
  peakRssMb: number;
  /** Creating the payments (not part of the measurement). */
  setupMs: number;
  loadavgBefore: string;
  loadavgAfter: string;
  /** The maintained payment totals equal a recomputation from the rows afterwards (checkPaymentTotals). */
  totalsConsistent: boolean;
};

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** Amounts with cents, varied, never zero. */
const amountFor = (i: number) => `${(i % 997) + 1}.${String((i * 37) % 100).padStart(2, "0")}`;

function clockTicksOf(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return null;
  }
}

/** Set up and measure each format; each import in a child process. */
export async function benchReconcile(options: {
  databaseUrl: string;
  count?: number;
  formats?: readonly ReconcileFormat[];
  log?: (line: string) => void;
  /** Cap the import process's V8 heap (--max-old-space-size, MB): peak RSS then shows live memory, not garbage V8 had no reason to collect yet. */
  childHeapMb?: number;
  /** Apply the migrations first (default true; a migrated database is left as it is). */
  migrate?: boolean;
}): Promise<ReconcileBenchResult[]> {
  const count = options.count ?? 100_000;
  const log = options.log ?? ((line: string) => console.log(line));
  const formats = options.formats ?? (["CAMT053", "MT940"] as const);
  if (options.migrate !== false) await applyMigrations(options.databaseUrl);
  const { db, sql: client } = createDb(options.databaseUrl, { max: 2 });
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-reconcile-"));
  const results: ReconcileBenchResult[] = [];
  try {
    const suffix = Date.now().toString(36);
    const org = await createOrganization(db, { name: `Reconcile bench ${suffix}`, slug: `reconcile-bench-${suffix}` });
    const owner = await addUserToOrganization(db, {
      orgId: org.id,
      email: `owner.${suffix}@bench.local`,
      name: "Bench owner",
      role: "owner",
      password: `Bench-${suffix}-password`,
    });
    const bank = await createBankSetup(db, org.id, `Bench bank ${suffix}`);
    for (const format of formats) {
      const t0 = performance.now();
      const amounts = Array.from({ length: count }, (_, i) => amountFor(i));
      const { paymentIds } = await createBankPayments(db, org.id, bank, amounts, { name: `Bench ${format} ${suffix}` });
      await db.execute(sql`analyze payments`);
      const setupMs = performance.now() - t0;
      const payments = paymentIds.map((paymentId, i) => ({ paymentId, amount: amounts[i]! }));
      const file = path.join(dir, format === "CAMT053" ? "statement.camt053.xml" : "statement.mt940.sta");
      writeFileSync(file, format === "CAMT053" ? generateCamt053(payments) : generateMt940(payments));
      log(`reconcile ${format}: ${count.toLocaleString("en-US")} PENDING payments ready in ${(setupMs / 1000).toFixed(1)} s; importing ...`);
      const before = loadavg();
      const child = spawnSync(
        process.execPath,
        [
          ...(options.childHeapMb ? [`--max-old-space-size=${options.childHeapMb}`] : []),
          ...childExecArgv(),
          fileURLToPath(import.meta.url),
          "--reconcile-child",
          options.databaseUrl,
          org.id,
          owner.id,
          file,
        ],
        {
          encoding: "utf8",
          maxBuffer: 16 * 1024 * 1024,
          // The child's stderr (errors; BANK_IMPORT_TIMING=1 step times) goes straight through.
          stdio: ["ignore", "pipe", "inherit"],
          env: { ...process.env, BANK_FILE_MAX_BYTES: String(512 * 1024 * 1024), LOG_LEVEL: "warn" },
        },
      );
      if (child.status !== 0) throw new Error(`reconcile child failed (${format}, exit ${child.status}): ${child.stdout}`);
      const line = child.stdout.trim().split("\n").at(-1)!;
      const measured = JSON.parse(line) as Omit<ReconcileBenchResult, "format" | "setupMs" | "loadavgBefore" | "loadavgAfter" | "totalsConsistent">;
      const loadavgAfter = loadavg();
      const totalsConsistent = (await checkPaymentTotals(db, org.id)).length === 0;
      const result: ReconcileBenchResult = { format, setupMs, loadavgBefore: before, loadavgAfter, totalsConsistent, ...measured };
      results.push(result);
      log(
        `reconcile ${format}: ${result.entries.toLocaleString("en-US")} entries (${(result.fileBytes / 1024 / 1024).toFixed(1)} MB), ${result.matched.toLocaleString("en-US")} matched, ` +
          `${(result.ms / 1000).toFixed(2)} s wall, ${(result.cpuMs / 1000).toFixed(2)} s CPU, PostgreSQL backend ${result.backendCpuMs === null ? "n/a" : `${(result.backendCpuMs / 1000).toFixed(2)} s CPU`}, ` +
          `peak RSS ${result.peakRssMb.toFixed(0)} MB (load ${result.loadavgBefore} → ${result.loadavgAfter}); totals ${result.totalsConsistent ? "exact" : "WRONG"}`,
      );
    }
    return results;
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await client.end({ timeout: 5 });
  }
}

/** tsx as the child's loader (the parent may itself run under tsx). */
function childExecArgv(): string[] {
  const tsx = path.join(process.cwd(), "node_modules", "tsx", "dist", "loader.mjs");
  return existsSync(tsx) ? ["--import", tsx] : [];
}

/** Child: import one file as the owner; print one JSON line. */
async function childMain(databaseUrl: string, orgId: string, userId: string, file: string) {
  const { db, sql: client } = createDb(databaseUrl, { max: 1 });
  try {
    const [backend] = await db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    const pid = Number(backend!.pid);
    const ticksBefore = clockTicksOf(pid);
    const content = readFileSync(file);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await importBankFile({ db, actor: { userId }, org: { id: orgId }, role: "owner" }, { fileName: path.basename(file), content, source: "API" });
    const ms = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const ticksAfter = clockTicksOf(pid);
    // Linux reports CPU in clock ticks of 1/100 s.
    const backendCpuMs = ticksBefore === null || ticksAfter === null ? null : (ticksAfter - ticksBefore) * 10;
    console.log(
      JSON.stringify({
        entries: result.file.entry_count,
        fileBytes: content.length,
        matched: result.file.matched_count,
        exceptions: result.file.exception_count,
        ms,
        cpuMs: (cpu.user + cpu.system) / 1000,
        backendCpuMs,
        peakRssMb: process.resourceUsage().maxRSS / 1024,
      }),
    );
  } finally {
    await client.end({ timeout: 5 });
  }
}

if (process.argv[2] === "--reconcile-child") {
  const [, , , databaseUrl, orgId, userId, file] = process.argv;
  childMain(databaseUrl!, orgId!, userId!, file!).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
