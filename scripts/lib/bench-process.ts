/**
 * What the benchmarks measure about processes: the load average, CPU time from /proc, and worker
 * processes started through the same launcher as `npm run worker` (docs/performance.md).
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ROOT } from "./runtime-defaults";

/** The 1, 5 and 15 minute load averages, for the lines that say how busy the machine was. */
export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

const CLOCK_TICKS = 100;

/** CPU time (user + system, ms) of a process and of the children it has waited for, from /proc (Linux); 0 elsewhere. */
export function cpuMsOf(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // utime, stime, cutime, cstime: fields 14–17 of stat, 11–14 after the command name, in clock ticks.
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i] ?? 0), 0) * (1000 / CLOCK_TICKS);
  } catch {
    return 0;
  }
}

/** CPU of the embedded PostgreSQL: the postmaster (with the backends it reaped) plus its live children. */
export function pgCpuMs(dataDir: string): number {
  try {
    const postmaster = Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    let total = cpuMsOf(postmaster);
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === postmaster) total += cpuMsOf(Number(entry));
      } catch {
        // exited meanwhile
      }
    }
    return total;
  } catch {
    return 0;
  }
}

/**
 * One worker process. `ready` resolves with the ms from spawn to the worker's ready line (and rejects
 * if it exits first); `stop` sends SIGTERM (SIGKILL after 15 s) and resolves with its stop line, whose
 * counters the benchmarks print. Warnings and errors of the worker are echoed through `say`.
 */
export function spawnBenchWorker(env: Record<string, string>, say: (line: string) => void) {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "worker-launch.mjs")], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stopLine: Record<string, unknown> | null = null;
  let markReady: (ms: number) => void = () => {};
  const ready = new Promise<number>((resolve, reject) => {
    markReady = resolve;
    child.once("exit", (code, signal) => reject(new Error(`a worker exited before it was ready (${signal ?? code})`)));
  });
  // A bench that never awaits `ready` must not die of an unhandled rejection when a worker is stopped.
  ready.catch(() => {});
  let partial = "";
  child.stdout!.on("data", (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      let parsed: Record<string, unknown>;
      try {
        parsed = JSON.parse(line) as Record<string, unknown>;
      } catch {
        process.stdout.write(`${line}\n`);
        continue;
      }
      if (parsed.event === "stellar.worker.ready") markReady(Date.now() - spawnedAt);
      else if (typeof parsed.event === "string" && parsed.event.endsWith("worker.stop")) stopLine = parsed;
      else if (Number(parsed.level) >= 40) process.stdout.write(`${line}\n`);
    }
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    pid: child.pid,
    ready,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      if (!stopLine) say(`a worker exited without its stop line (exit code ${child.exitCode}, signal ${child.signalCode}); last output: ${partial.slice(-300)}`);
      return stopLine;
    },
  };
}
