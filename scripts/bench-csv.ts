/**
 * `npm run bench:csv`: import generated instruction files of 10,000 and 100,000 rows through the
 * same service the API uses (importInstructions), into real PostgreSQL, and print rows/s, wall
 * time and peak memory beside a plain `COPY ... FROM STDIN` of the same rows.
 *
 * PostgreSQL: BENCH_DATABASE_URL, else a throw-away embedded cluster in a temporary folder.
 * Targets (issue 3, 2-core machine): 100,000 rows in ≤ 10 s, peak RSS ≤ 400 MB. Not a test.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import v8 from "node:v8";
import { runInNewContext } from "node:vm";
import { isValidPhoneNumber } from "libphonenumber-js";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { seedDemoCatalog } from "../server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "../server/services/context";
import { createDisbursement } from "../server/services/disbursements/create-disbursement";
import { importInstructions } from "../server/services/disbursements/import-instructions";
import { addUserToOrganization, createOrganization } from "../server/services/organization/create-organization";
import { benchDatabase } from "./lib/bench-database";

const SIZES = [10_000, 100_000];
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

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

/** Peak RSS sampled every 20 ms while `fn` runs (the event loop is busy during validation, so also see maxRSS). */
async function measured<T>(backendPid: number | null, fn: () => Promise<T>) {
  gc();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const cpu = process.cpuUsage();
  const pgCpu = backendCpuMs(backendPid);
  const started = performance.now();
  try {
    const value = await fn();
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    const used = process.cpuUsage(cpu);
    const pgAfter = backendCpuMs(backendPid);
    return {
      value,
      ms,
      baseline,
      peak,
      nodeCpuMs: (used.user + used.system) / 1000,
      pgCpuMs: pgCpu !== null && pgAfter !== null ? pgAfter - pgCpu : null,
    };
  } finally {
    clearInterval(timer);
  }
}

async function main() {
  // This benchmark's own defaults, written to the environment before anything reads config() (server/config).
  process.env.ENCRYPTION_KEY ||= randomBytes(32).toString("hex");
  process.env.CSV_MAX_ROWS ||= "100000";

  const database = await benchDatabase("sdp-bench-pg");
  const url = database.url;
  // One connection for the imports, so the PostgreSQL CPU time of the backend is theirs alone.
  const handle = createDb(url, { max: 1 });
  const scratch = createDb(url, { max: 1 });
  try {
    await applyMigrations(url);
    const [version] = await handle.sql`select current_setting('server_version') as v, current_setting('fsync') as fsync, current_setting('synchronous_commit') as sc`;
    console.log(
      `PostgreSQL ${version?.v} (fsync=${version?.fsync}, synchronous_commit=${version?.sc}); node ${process.version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"})`,
    );
    const [backend] = await handle.sql`select pg_backend_pid() as pid, inet_server_addr() as addr`;
    const local = !database.external || /^(127\.|::1|localhost)/.test(String(backend?.addr ?? ""));
    const backendPid = local ? Number(backend?.pid) : null;

    const suffix = randomBytes(4).toString("hex");
    const org = await createOrganization(handle.db, { name: `Bench ${suffix}`, slug: `bench-${suffix}` });
    const user = await addUserToOrganization(handle.db, { orgId: org.id, email: `bench.${suffix}@bench.local`, name: "Bench", role: "owner" });
    const catalog = await seedDemoCatalog(handle.db, org.id);
    const ctx: OrgContext = { db: handle.db, actor: { userId: user.id }, org: { id: org.id }, role: "owner" };

    await scratch.sql`create table if not exists bench_copy (phone text, external_id text, amount numeric(19,7), verification text, payment_id text)`;

    const results: string[][] = [];
    const details: string[] = [];
    for (const [index, size] of SIZES.entries()) {
      const csv = generateCsv(size, index === 0 ? "212" : "415");
      const disbursement = await createDisbursement(ctx, {
        name: `Bench ${size} ${suffix}`,
        wallet_id: catalog.wallet.id,
        asset_id: catalog.usdc.id,
        registration_contact_type: "PHONE_NUMBER",
        verification_field: "DATE_OF_BIRTH",
      });
      const load = os.loadavg()[0] ?? 0;

      const first = await measured(backendPid, () => importInstructions(ctx, { disbursementId: disbursement.id, fileName: `bench-${size}.csv`, content: csv }));
      if (first.value.total_payments !== size) throw new Error(`expected ${size} payments, got ${first.value.total_payments}`);
      // Re-upload: READY → READY, payments replaced, every receiver already exists.
      const again = await measured(backendPid, () => importInstructions(ctx, { disbursementId: disbursement.id, fileName: `bench-${size}.csv`, content: csv }));

      await scratch.sql`truncate bench_copy`;
      const copyStarted = performance.now();
      const writable = await scratch.sql`copy bench_copy from stdin with (format csv, header true)`.writable();
      await pipeline(Readable.from([csv]), writable as Writable);
      const copyMs = performance.now() - copyStarted;

      results.push([
        formatInt(size),
        mb(csv.byteLength),
        seconds(first.ms),
        formatInt(Math.round((size / first.ms) * 1000)),
        seconds(again.ms),
        formatInt(Math.round((size / again.ms) * 1000)),
        seconds(copyMs),
        `${(first.ms / copyMs).toFixed(0)}×`,
        `${mb(first.baseline)} → ${mb(Math.max(first.peak, again.peak))}`,
      ]);
      for (const [label, m] of [
        ["new receivers", first],
        ["re-upload", again],
      ] as const) {
        const pg = m.pgCpuMs === null ? "n/a" : seconds(m.pgCpuMs);
        details.push(
          `${formatInt(size).padStart(7)} ${label.padEnd(13)}  wall ${seconds(m.ms)}  node CPU ${seconds(m.nodeCpuMs)}  PostgreSQL backend CPU ${pg}  (load average before: ${load.toFixed(2)})`,
        );
      }
    }

    const header = ["rows", "file", "import", "rows/s", "re-upload", "rows/s", "COPY", "import/COPY", "RSS before → peak"];
    const widths = header.map((h, i) => Math.max(h.length, ...results.map((r) => r[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
    console.log();
    console.log(line(header));
    for (const r of results) console.log(line(r));
    console.log("\nwhere the time goes (CPU time; on a busy machine wall time also includes waiting for a core):");
    for (const d of details) console.log(d);
    console.log(`\nprocess maxRSS (resourceUsage, whole run incl. file generation): ${mb(process.resourceUsage().maxRSS * 1024)}`);
    console.log("targets: 100,000 rows ≤ 10 s, peak RSS ≤ 400 MB");
  } finally {
    await handle.sql.end({ timeout: 5 });
    await scratch.sql.end({ timeout: 5 });
    await database.stop();
  }
}

const formatInt = (n: number) => n.toLocaleString("en-US");

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
