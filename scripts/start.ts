/**
 * One command to run everything: embedded PostgreSQL when DATABASE_URL is unset, migrations,
 * first-run demo data, a production build when none is current, then the Next.js server.
 * Stops cleanly on Ctrl-C / SIGTERM.
 */
import "./lib/check-config";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { applyMigrations } from "../db/migrate";
import { createDb } from "../db/client";
import { DEMO_PASSWORD, DEMO_USERS, seedDemoIfEmpty } from "../db/seed";
import { config } from "../server/config";
import { EnvError, parseEnv } from "../server/env";
import { DATA_DIR, ensureAuthSecret, ensureDatabase, ensureEncryptionKey, ROOT } from "./lib/runtime-defaults";
import { ensureLedger, setupStellarAccounts, startWorkerProcess, type LedgerRuntime, type WorkerRuntime } from "./lib/stellar-runtime";
import { startDemoBank, type ExampleBankRuntime } from "./lib/example-bank-runtime";

const dev = process.argv.includes("--dev");
const started = Date.now();
const NEXT_BIN = path.join(ROOT, "node_modules", "next", "dist", "bin", "next");
const DIST_DIR = path.join(ROOT, config().NEXT_DIST_DIR);
const SOURCE_DIRS = ["app", "components", "server", "db", "lib", "public"];
const SOURCE_FILES = ["next.config.ts", "proxy.ts", "instrumentation.ts", "instrumentation-client.ts", "package-lock.json", "tsconfig.json", "postcss.config.mjs"];

const say = (line: string) => process.stdout.write(`[start] ${line}\n`);

function newestSourceMtime(): number {
  let newest = 0;
  const visit = (p: string) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) {
      for (const entry of readdirSync(p)) visit(path.join(p, entry));
    } else newest = Math.max(newest, s.mtimeMs);
  };
  for (const d of SOURCE_DIRS) visit(path.join(ROOT, d));
  for (const f of SOURCE_FILES) visit(path.join(ROOT, f));
  return newest;
}

function buildIsCurrent(): boolean {
  const buildId = path.join(DIST_DIR, "BUILD_ID");
  return existsSync(buildId) && statSync(buildId).mtimeMs >= newestSourceMtime();
}

function run(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  return spawn(process.execPath, [NEXT_BIN, ...args], { cwd: ROOT, env, stdio: "inherit" });
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the web server exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the web server did not answer ${url}/api/health within ${timeoutMs / 1000}s`);
}

/** Set once shutdown exists, so a failure after start-up still stops what was started. */
let failStop: ((code: number) => Promise<void>) | null = null;

async function main() {
  const pgLog: string[] = [];
  const { url: databaseUrl, embedded } = await ensureDatabase((line) => pgLog.push(line));
  if (embedded?.owned) say(`embedded PostgreSQL running (data in ${path.relative(ROOT, DATA_DIR) || "."}/pg)`);
  else if (embedded) say("joined the embedded PostgreSQL that is already running");

  const { PORT: port, APP_URL, NEXTAUTH_URL } = config();
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    AUTH_SECRET: ensureAuthSecret(),
    ENCRYPTION_KEY: ensureEncryptionKey(),
    APP_URL: APP_URL || `http://localhost:${port}`,
    NEXTAUTH_URL: NEXTAUTH_URL || APP_URL || `http://localhost:${port}`,
    NODE_ENV: dev ? "development" : "production",
    PORT: String(port),
  };

  try {
    parseEnv(childEnv);
  } catch (error) {
    if (error instanceof EnvError) {
      process.stderr.write(`${error.message}\n`);
      await embedded?.stop();
      process.exit(1);
    }
    throw error;
  }

  let server: ChildProcess | null = null;
  // --- Stellar: the local ledger and the payment worker (scripts/lib/stellar-runtime.ts) ---
  let ledger: LedgerRuntime | null = null;
  let worker: WorkerRuntime | null = null;
  // ---
  let bank: ExampleBankRuntime | null = null; // the example bank (docs/example-bank.md)
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say("shutting down…");
    await worker?.stop(); // Stellar: before the database and the ledger it uses
    if (server && server.exitCode === null) {
      server.kill("SIGTERM");
      await Promise.race([new Promise((r) => server!.once("exit", r)), new Promise((r) => setTimeout(r, 10_000))]);
      if (server.exitCode === null) server.kill("SIGKILL");
    }
    await ledger?.close(); // Stellar
    await bank?.close();
    await embedded?.stop();
    say("stopped");
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  failStop = shutdown;

  await applyMigrations(databaseUrl);
  say("database migrations applied");

  const { db, sql } = createDb(databaseUrl, { max: 1 });
  const { seeded } = await seedDemoIfEmpty(db);
  await sql.end({ timeout: 5 });
  if (seeded) {
    say("first run: created the demo organization. Sign in with any of these (password for all: " + DEMO_PASSWORD + "):");
    for (const u of DEMO_USERS) say(`  ${u.role.padEnd(21)} ${u.email}`);
  }

  // --- Stellar: start (or join) the local ledger, set up every organization's accounts ---
  ledger = await ensureLedger(childEnv, DATA_DIR, say);
  if (ledger) childEnv.HORIZON_URL = ledger.url;
  await setupStellarAccounts(databaseUrl, childEnv, say);
  // ---

  // --- Banks: the example bank and the demo organization's connection to it (EXAMPLE_BANK=off skips) ---
  bank = await startDemoBank(databaseUrl, childEnv, DATA_DIR, say);

  if (!dev && !buildIsCurrent()) {
    say("no current production build: building (this takes a minute the first time)…");
    const build = run(["build"], { ...childEnv, NODE_ENV: "production" });
    const code: number = await new Promise((r) => build.once("exit", (c) => r(c ?? 1)));
    if (code !== 0) {
      process.stderr.write("[start] the build failed\n");
      await shutdown(code);
      return;
    }
  }

  worker = startWorkerProcess(childEnv, say); // Stellar: one payment worker beside the web server
  // Next.js behind a small Node server that fixes X-Forwarded-For to the real client address
  // (server/http/web-server.ts; `next start` would keep a client-sent header).
  server = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts", "web-server.ts"), ...(dev ? ["--dev"] : [])], {
    cwd: ROOT,
    env: childEnv,
    stdio: "inherit",
  });
  server.once("exit", (code) => {
    if (!stopping) {
      process.stderr.write(`[start] the web server exited (code ${code})\n`);
      void shutdown(code ?? 1);
    }
  });
  await waitForHealth(`http://127.0.0.1:${port}`, server);
  say(`ready on http://localhost:${port} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
}

main().catch(async (error) => {
  process.stderr.write(`[start] ${error instanceof Error ? error.message : String(error)}\n`);
  if (failStop) await failStop(1);
  process.exit(1);
});
