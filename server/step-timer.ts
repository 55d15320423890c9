import { readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";

/**
 * Step timings of long services for the benchmarks (INTAKE_TIMING for intakes, BANK_IMPORT_TIMING for
 * statement imports; docs/performance/import.md, docs/performance/reconciliation.md): each step on
 * stderr with its wall time, this process's CPU, the PostgreSQL backend's CPU (when the database runs
 * on this machine), heap, external memory and peak RSS. Off: no cost, no extra statement.
 */
export type StepTimer = {
  /** Print the time since the previous step. */
  step: (label: string) => void;
  /** Read the transaction's backend pid, so the following steps show its CPU (local servers only). */
  watchBackend: (tx: DbOrTx) => Promise<void>;
};

const OFF: StepTimer = { step: () => {}, watchBackend: async () => {} };

/** CPU time (ms) of a process on this machine from /proc; null when it is elsewhere. */
function processCpuMs(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  } catch {
    return null;
  }
}

export function stepTimer(name: string, enabled: boolean): StepTimer {
  if (!enabled) return OFF;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let pid: number | null = null;
  let lastPg: number | null = null;
  const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
  return {
    step(label) {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const pg = processCpuMs(pid);
      const m = process.memoryUsage();
      const pgText = pg !== null && lastPg !== null ? `, PostgreSQL ${pg - lastPg} ms` : "";
      process.stderr.write(
        `${name}: ${label} ${(now - last).toFixed(0)} ms (node ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms${pgText}; heap ${mb(m.heapUsed)}, external ${mb(m.external)}, rss ${mb(m.rss)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)})\n`,
      );
      last = performance.now();
      lastCpu = process.cpuUsage();
      lastPg = processCpuMs(pid);
    },
    async watchBackend(tx) {
      const [row] = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
      pid = row ? Number(row.pid) : null;
      lastPg = processCpuMs(pid);
    },
  };
}
