/**
 * The Stellar side of `npm start`: the local ledger (when STELLAR_NETWORK=local and no HORIZON_URL
 * is given), account set-up for every organization, and one submission worker process.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { createDb } from "../../db/client";
import { portIsOpen } from "./embedded-postgres";
import { ROOT } from "./runtime-defaults";
import { parseConfig } from "../../server/config";

type Say = (line: string) => void;

export type LedgerRuntime = { url: string; close: () => Promise<void> };

/**
 * The Horizon URL to use. On the local network without HORIZON_URL: start the local ledger on
 * LEDGER_PORT (default 8000) with its data under `<dataDir>/ledger`, or join the one already
 * listening there (the app is running). Null on a real network (HORIZON_URL or the SDF default).
 */
export async function ensureLedger(env: NodeJS.ProcessEnv, dataDir: string, say: Say): Promise<LedgerRuntime | null> {
  const { STELLAR_NETWORK, HORIZON_URL, LEDGER_PORT: port } = parseConfig(env);
  if (STELLAR_NETWORK !== "local" || HORIZON_URL) return null;
  const url = `http://127.0.0.1:${port}`;
  // One passphrase end to end: the ledger signs and checks with the one the app builds transactions
  // for (STELLAR_NETWORK_PASSPHRASE, default "Standalone Network ; February 2017").
  const { stellarConfig } = await import("../../server/stellar/network");
  const { passphrase } = stellarConfig(env);
  if (await portIsOpen(port)) {
    const root = await fetch(`${url}/`, { signal: AbortSignal.timeout(5_000) })
      .then((r) => r.json() as Promise<{ network_passphrase?: string }>)
      .catch(() => null);
    if (typeof root?.network_passphrase !== "string") {
      throw new Error(`Port ${port} is taken by something that is not a local Stellar ledger. Set LEDGER_PORT to another port.`);
    }
    if (root.network_passphrase !== passphrase) {
      throw new Error(
        `The local Stellar ledger on port ${port} runs "${root.network_passphrase}", not STELLAR_NETWORK_PASSPHRASE "${passphrase}". Stop it or set LEDGER_PORT to another port.`,
      );
    }
    say(`joined the local Stellar ledger already running on ${url}`);
    return { url, close: async () => {} };
  }
  const { startLocalLedger } = await import("../../server/stellar/local-ledger");
  const handle = await startLocalLedger({ port, host: "127.0.0.1", dataDir: path.join(dataDir, "ledger"), networkPassphrase: passphrase });
  say(`local Stellar ledger running on ${handle.url} (data in ${path.relative(ROOT, path.join(dataDir, "ledger")) || "."}, network "${passphrase}")`);
  return { url: handle.url, close: () => handle.close() };
}

/** Distribution account, issuer and channels for every organization (idempotent; failures are reported). */
export async function setupStellarAccounts(databaseUrl: string, env: NodeJS.ProcessEnv, say: Say) {
  // The set-up decrypts and encrypts secrets with ENCRYPTION_KEY, read from this process's
  // configuration: hand it the key the launcher generated for its children.
  process.env.ENCRYPTION_KEY ||= env.ENCRYPTION_KEY;
  const { stellarConfig } = await import("../../server/stellar/network");
  const { setupAllOrganizations } = await import("../../server/stellar/accounts");
  const config = stellarConfig(env);
  const { db, sql } = createDb(databaseUrl, { max: 3 });
  try {
    const failures: string[] = [];
    const log = { info: () => {}, warn: (obj: object, msg?: string) => failures.push(`${msg ?? ""} ${JSON.stringify(obj)}`) };
    const reports = await setupAllOrganizations(db, config, log);
    for (const r of reports) {
      if (r.funded) say(`Stellar accounts ready for organization ${r.orgId}: distribution ${r.distribution}, ${r.channels} channels`);
      else say(`fund the distribution account ${r.distribution} (organization ${r.orgId}) on ${config.network}`);
    }
    for (const f of failures) say(`Stellar set-up: ${f}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

export type WorkerRuntime = { stop: () => Promise<void> };

/** One `scripts/worker.ts` child, restarted if it dies, stopped (SIGTERM, then SIGKILL) on shutdown. */
export function startWorkerProcess(env: NodeJS.ProcessEnv, say: Say): WorkerRuntime {
  let child: ChildProcess | null = null;
  let stopping = false;
  let restartTimer: NodeJS.Timeout | null = null;
  const launch = () => {
    // The launcher runs a prebuilt bundle of scripts/worker.ts: claiming within a second (docs/performance.md).
    child = spawn(process.execPath, [path.join(ROOT, "scripts", "worker-launch.mjs")], { cwd: ROOT, env, stdio: "inherit" });
    child.once("exit", (code, signal) => {
      if (stopping) return;
      say(`the payment worker exited (${signal ?? `code ${code}`}); restarting it in 2 s`);
      restartTimer = setTimeout(launch, 2_000);
    });
  };
  launch();
  return {
    async stop() {
      stopping = true;
      if (restartTimer) clearTimeout(restartTimer);
      const c = child;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 12_000))]);
      if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    },
  };
}
