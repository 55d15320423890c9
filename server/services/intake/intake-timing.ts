import { existsSync, readFileSync } from "node:fs";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { config } from "@/server/config";

export type IntakeTimer = {
  /** Print the time since the previous step (wall, this process's CPU, the PostgreSQL backend's CPU when known, memory). */
  step: (label: string) => void;
  /** Read the transaction's backend pid, so the following steps show its CPU (local servers only). */
  watchBackend: (tx: DbOrTx) => Promise<void>;
};

const OFF: IntakeTimer = { step: () => {}, watchBackend: async () => {} };

/** CPU time (ms) of a local PostgreSQL backend from /proc; null when the server is elsewhere. */
function backendCpuMs(pid: number | null): number | null {
  if (pid === null || !existsSync(`/proc/${pid}/stat`)) return null;
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
}

/**
 * INTAKE_TIMING=1: each step of an intake (CSV validation, lookups, decisions, staging, each insert)
 * on stderr with its wall time, Node CPU, PostgreSQL backend CPU, heap and peak RSS
 * (docs/performance/import.md). Off: no cost, no extra statement.
 */
export function intakeTimer(name: string): IntakeTimer {
  if (!config().INTAKE_TIMING) return OFF;
  let last = performance.now();
  let lastCpu = process.cpuUsage();
  let pid: number | null = null;
  let lastPg: number | null = null;
  const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
  return {
    step(label) {
      const now = performance.now();
      const cpu = process.cpuUsage(lastCpu);
      const pg = backendCpuMs(pid);
      const m = process.memoryUsage();
      const pgText = pg !== null && lastPg !== null ? `, PG ${pg - lastPg} ms` : "";
      process.stderr.write(
        `${name}: ${label} ${(now - last).toFixed(0)} ms (node ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms${pgText}; heap ${mb(m.heapUsed)}, rss ${mb(m.rss)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)})\n`,
      );
      last = performance.now();
      lastCpu = process.cpuUsage();
      lastPg = backendCpuMs(pid);
    },
    async watchBackend(tx) {
      const [row] = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
      pid = row ? Number(row.pid) : null;
      lastPg = backendCpuMs(pid);
    },
  };
}
