/**
 * `npm run bench:bank`: the sponsor-bank file formats at 100,000 payments — writing a pain.001 batch,
 * reading a camt.053 statement and an MT940 statement of 100,000 entries (inputs generated here by
 * scripts/lib/bank-file-generator.ts). Each measurement runs in its own child process so its peak RSS
 * (process.resourceUsage().maxRSS: the whole process, runtime included) is its own; three runs each, wall
 * time, CPU time (user + system: less sensitive to a busy machine than wall time) and peak RSS with min and median, and the load average before and after each run. The pain.001 is
 * streamed to a file chunk by chunk (writePain001's onChunk), as a shipment to the bank would be.
 * Targets (issue 13, 2-core machine): each ≤ 10 s with peak RSS ≤ 400 MB. Not a test.
 * The reconciliation of the parsed statements against the database is measured separately.
 */
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseCamt } from "../server/rails/bank/formats/camt-reader";
import { parseMt940 } from "../server/rails/bank/formats/mt940-reader";
import { writePain001 } from "../server/rails/bank/formats/pain001-writer";
import { generateCamt053, generateMt940, generatePayments, pain001BatchFor } from "./lib/bank-file-generator";

const COUNT = Number(process.env.BENCH_BANK_COUNT ?? 100_000);
const RUNS = 3;
const ALL_TASKS = ["pain001", "camt053", "mt940"] as const;
/** BENCH_BANK_TASKS=camt053,mt940 runs a subset. */
const TASKS = ALL_TASKS.filter((t) => (process.env.BENCH_BANK_TASKS ?? ALL_TASKS.join(",")).split(",").includes(t));
type Task = (typeof ALL_TASKS)[number];
type Measurement = { ms: number; cpuMs: number; maxRssMb: number; count: number; bytes: number };

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** Child: do one task on `file` (an input statement, or a JSON list of payments for pain.001) and print one JSON line. */
function child(task: Task, file: string): void {
  const started = performance.now();
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  let count = 0;
  let bytes = 0;
  if (task === "pain001") {
    const payments = JSON.parse(readFileSync(file, "utf8")) as { paymentId: string; amount: string }[];
    const t0 = performance.now();
    const c0 = cpu();
    // Streamed to a file, as a shipment is (bank API body or portal download); the writer itself does no I/O.
    const fd = openSync(`${file}.pain001.xml`, "w");
    const result = writePain001(pain001BatchFor(payments), (chunk) => {
      bytes += Buffer.byteLength(chunk);
      writeSync(fd, chunk);
    });
    closeSync(fd);
    count = result.numberOfTransactions;
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ ms, cpuMs: cpu() - c0, maxRssMb: process.resourceUsage().maxRSS / 1024, count, bytes } satisfies Measurement));
    return;
  }
  const c0 = cpu();
  const input = readFileSync(file);
  bytes = input.length;
  const parsed = task === "camt053" ? parseCamt(input) : parseMt940(input);
  count = parsed.entries.length;
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ms, cpuMs: cpu() - c0, maxRssMb: process.resourceUsage().maxRSS / 1024, count, bytes } satisfies Measurement));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "bench-bank-"));
  try {
    console.log(
      `bench:bank — ${COUNT.toLocaleString("en-US")} payments, ${RUNS} runs per task, each in its own process (node ${process.version}, ${os.cpus().length} CPUs)`,
    );
    const payments = generatePayments(COUNT);
    const files: Record<Task, string> = {
      pain001: path.join(dir, "payments.json"),
      camt053: path.join(dir, "camt053.xml"),
      mt940: path.join(dir, "mt940.sta"),
    };
    writeFileSync(files.pain001, JSON.stringify(payments));
    writeFileSync(files.camt053, generateCamt053(payments));
    writeFileSync(files.mt940, generateMt940(payments));
    console.log(`inputs: camt.053 ${(statSync(files.camt053).size / 1e6).toFixed(1)} MB, MT940 ${(statSync(files.mt940).size / 1e6).toFixed(1)} MB`);

    const results: Record<Task, Measurement[]> = { pain001: [], camt053: [], mt940: [] };
    for (let run = 1; run <= RUNS; run++) {
      for (const task of TASKS) {
        const before = loadavg();
        const out = spawnSync(process.execPath, [...process.execArgv, process.argv[1] ?? "scripts/bench-bank.ts", "--child", task, files[task]], {
          encoding: "utf8",
          maxBuffer: 1 << 20,
        });
        if (out.status !== 0) throw new Error(`${task} run ${run} failed: ${out.stderr}`);
        const m = JSON.parse(out.stdout.trim().split("\n").pop() ?? "{}") as Measurement;
        if (m.count !== COUNT) throw new Error(`${task} run ${run} handled ${m.count} entries, expected ${COUNT}`);
        results[task].push(m);
        const label = task === "pain001" ? "pain.001 write" : task === "camt053" ? "camt.053 read " : "MT940 read    ";
        console.log(
          `run ${run} ${label}: ${(m.ms / 1000).toFixed(2)} s (CPU ${(m.cpuMs / 1000).toFixed(2)} s), peak RSS ${m.maxRssMb.toFixed(0)} MB (${(m.bytes / 1e6).toFixed(1)} MB) — load average before ${before}, after ${loadavg()}`,
        );
      }
    }
    console.log("\nsummary (min / median of 3 runs; targets ≤ 10 s and ≤ 400 MB):");
    for (const task of TASKS) {
      const ms = results[task].map((m) => m.ms / 1000);
      const rss = results[task].map((m) => m.maxRssMb);
      const cpuS = results[task].map((m) => m.cpuMs / 1000);
      const memory = Math.max(...rss) <= 400 ? "memory within target" : "memory OVER TARGET";
      // On a shared machine the wall time grows with the load; CPU time says what the work itself costs.
      const time = median(ms) <= 10 ? "time within target" : median(cpuS) <= 10 ? "wall time over target on a loaded machine, CPU time within" : "time OVER TARGET";
      const ok = `${time}, ${memory}`;
      console.log(
        `  ${task.padEnd(8)} wall ${Math.min(...ms).toFixed(2)} / ${median(ms).toFixed(2)} s, CPU ${Math.min(...cpuS).toFixed(2)} / ${median(cpuS).toFixed(2)} s, peak RSS ${Math.min(...rss).toFixed(0)} / ${median(rss).toFixed(0)} MB — ${ok}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (process.env.BENCH_BANK_RECONCILE === "0") return;
  // Reconciliation against a database: 100,000 PENDING bank payments, then a camt.053 and an MT940 of
  // them imported through importBankFile (each import in its own process: scripts/lib/bench-reconcile.ts).
  const { benchDatabase } = await import("./lib/bench-database");
  const { benchReconcile } = await import("./lib/bench-reconcile");
  const database = await benchDatabase("bench_bank");
  try {
    console.log(`\nreconciliation: ${COUNT.toLocaleString("en-US")} PENDING bank payments per file, imported by importBankFile`);
    const results = await benchReconcile({ databaseUrl: database.url, count: COUNT, log: (line) => console.log(line) });
    for (const r of results) {
      console.log(
        `  ${r.format.padEnd(8)} wall ${(r.ms / 1000).toFixed(2)} s, import CPU ${(r.cpuMs / 1000).toFixed(2)} s, PostgreSQL CPU ${r.backendCpuMs === null ? "n/a" : `${(r.backendCpuMs / 1000).toFixed(2)} s`}, peak RSS ${r.peakRssMb.toFixed(0)} MB, ${r.matched.toLocaleString("en-US")} matched, ${r.exceptions} exceptions, totals ${r.totalsConsistent ? "consistent" : "INCONSISTENT"} — load average before ${r.loadavgBefore}, after ${r.loadavgAfter}`,
      );
    }
  } finally {
    await database.stop();
  }
}

if (process.argv[2] === "--child") child(process.argv[3] as Task, process.argv[4] ?? "");
else
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
