/**
 * `npm run bench:payments -- start`: how long a worker process takes from spawn to claiming, through
 * the launcher (`npm run worker`: prebuilt bundle) and through tsx (the sources, as before), each
 * BENCH_RUNS times, alternating, against a throw-away PostgreSQL with nothing to do (WORKER_SETUP=0).
 * Prints wall time to the `stellar.worker.ready` log line and the process's own figures
 * (`ready_ms` since the process started, `cpu_ms`), with the load average.
 */
import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { applyMigrations } from "../../db/migrate";
import { freePort, startEmbeddedPostgres } from "./embedded-postgres";
import { ROOT } from "./runtime-defaults";

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

async function once(args: string[], env: Record<string, string>) {
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const line = await new Promise<{ ready_ms: number; cpu_ms: number }>((resolve, reject) => {
    let buffer = "";
    child.stdout!.on("data", (d: Buffer) => {
      buffer += d.toString();
      const m = /"event":"stellar\.worker\.ready","ready_ms":(\d+),"cpu_ms":(\d+)/.exec(buffer);
      if (m) resolve({ ready_ms: Number(m[1]), cpu_ms: Number(m[2]) });
    });
    child.once("exit", (code) => reject(new Error(`the worker exited (${code}) before it was ready`)));
  });
  const wall = Date.now() - t0;
  child.kill("SIGTERM");
  await new Promise((r) => child.once("exit", r));
  return { wall, ...line };
}

export async function benchWorkerStart(runs: number) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-start-"));
  if (process.getuid?.() === 0) chmodSync(tmp, 0o755);
  const pg = await startEmbeddedPostgres({ dir: tmp, port: await freePort(), database: "bench", fast: true });
  try {
    await applyMigrations(pg.url);
    const env = {
      DATABASE_URL: pg.url,
      STELLAR_NETWORK: "local",
      HORIZON_URL: "http://127.0.0.1:9",
      WORKER_SETUP: "0",
      LOG_LEVEL: "info",
    };
    const variants = [
      ["npm run worker (bundle)", [path.join(ROOT, "scripts", "worker-launch.mjs")]],
      ["tsx scripts/worker.ts (before)", ["--import", "tsx", path.join(ROOT, "scripts", "worker.ts")]],
    ] as const;
    await once([...variants[0][1]], env); // builds the bundle if a source changed: not what is measured
    for (let run = 1; run <= runs; run++) {
      for (const [label, args] of variants) {
        const before = load();
        const r = await once([...args], env);
        say(`${label} run ${run}: claiming ${r.wall} ms after spawn (ready_ms ${r.ready_ms}, cpu_ms ${r.cpu_ms}); load ${before} → ${load()}`);
      }
    }
  } finally {
    await pg.stop();
    rmSync(tmp, { recursive: true, force: true });
  }
}
