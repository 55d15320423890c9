/**
 * A platform worker as its own operating-system process, for the crash tests that SIGKILL it
 * (scripts/worker-launch.mjs imports the worker bundle, so the child's pid is the worker's).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export type WorkerProcess = { child: ChildProcess; output: string[]; ready: boolean; exited: Promise<void> };

/** Start a worker with these variables over the test's environment; info-level lines are dropped from `output`. */
export function spawnWorker(env: Record<string, string>): WorkerProcess {
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "worker-launch.mjs")], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const w: WorkerProcess = { child, output: [], ready: false, exited: new Promise((resolve) => child.once("exit", () => resolve())) };
  let partial = "";
  child.stdout!.on("data", (d: Buffer) => {
    partial += d.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      // The first log line: the worker has loaded and its loops are starting.
      w.ready = true;
      if (!line.includes('"level":30')) w.output.push(line);
    }
  });
  child.stderr!.on("data", (d: Buffer) => w.output.push(d.toString()));
  return w;
}

export const isAlive = (w: WorkerProcess) => w.child.exitCode === null && w.child.signalCode === null;

/** SIGKILL every live worker and wait until each has exited. */
export async function killAll(workers: WorkerProcess[]): Promise<void> {
  const live = workers.filter(isAlive);
  for (const w of live) w.child.kill("SIGKILL");
  await Promise.all(live.map((w) => w.exited));
}
