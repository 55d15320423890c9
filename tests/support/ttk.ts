import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, cpSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { sleep, waitFor } from "./wait";

/**
 * The Mojaloop Testing Toolkit as the switch in tests (docs/rails/mojaloop.md): the real FSPIOP
 * switch simulator (npm `ml-testing-toolkit`), installed outside the app's dependencies by
 * scripts/mojaloop-ttk/install.sh. It validates every request against the FSPIOP schemas and sends
 * real callbacks to the URL a test gives. Its ports (4040 FSPIOP, 5050 admin) are hard-coded, so one
 * runs per machine: `startTtk` takes a cross-process lock file first (test files that need it run
 * one after another) and each suite starts a fresh one (its memory grows with its history).
 * When the toolkit is not installed, `startTtk` fails saying how to install it — never a skip.
 */

export const TTK_VERSION = "18.19.2";
export const TTK_FSPIOP_PORT = 4040;
export const TTK_ADMIN_PORT = 5050;
/** The FSP id the toolkit answers as (its user_config.json FSPID): the payee FSP in tests. */
export const TTK_FSP_ID = "testingtoolkitdfsp";

const ROOT = path.resolve(import.meta.dirname, "../..");
const RULES_DIR = path.join(ROOT, "tests/fixtures/mojaloop-ttk/rules");
export const TTK_CALLBACK_RULES_FILE = "callback-rules-v2.json";
export const TTK_VALIDATION_RULES_FILE = "validation-rules-v2.json";

/** Where install.sh puts it (MOJALOOP_TTK_DIR overrides, as there). */
export function ttkInstallDir(): string {
  const cache = process.env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return process.env.MOJALOOP_TTK_DIR || path.join(cache, "disbursement-platform", `ml-testing-toolkit-${TTK_VERSION}`);
}

export function ttkPackageDir(): string {
  return path.join(ttkInstallDir(), "node_modules", "ml-testing-toolkit");
}

/** The package's folder; throws saying how to install it when it is absent. */
export function requireTtk(): string {
  const pkg = ttkPackageDir();
  if (!existsSync(path.join(pkg, "src", "index.js")) || !existsSync(path.join(ttkInstallDir(), ".installed"))) {
    throw new Error(
      `The Mojaloop Testing Toolkit (ml-testing-toolkit@${TTK_VERSION}) is not installed at ${ttkInstallDir()}. ` +
        "Install it with `bash scripts/mojaloop-ttk/install.sh` (about 2.5 minutes, ~470 MB; MOJALOOP_TTK_DIR chooses the folder). " +
        "`npm test` and .ci/run install it themselves.",
    );
  }
  return pkg;
}

export type TtkHistoryRequest = { timestamp: number; method: string; path: string; headers: Record<string, string>; body: unknown };
export type TtkHistoryCallback = { timestamp: number; url: string; method: string; path: string; headers: Record<string, string>; body: unknown };

export type TtkHandle = {
  /** Base URL of the switch's FSPIOP API. */
  fspiopUrl: string;
  adminUrl: string;
  workDir: string;
  /** Upload a callback (or validation) rules file and make it the active one. */
  activateRules(kind: "callback" | "validation", fileName: string, rules: unknown): Promise<void>;
  /** The repository's rule files (tests/fixtures/mojaloop-ttk/rules), both activated. */
  useRepositoryRules(): Promise<void>;
  /** What the switch received, oldest first. */
  requests(): Promise<TtkHistoryRequest[]>;
  /** What the switch sent back (before delivery), oldest first. */
  callbacks(): Promise<TtkHistoryCallback[]>;
  clearHistory(): Promise<void>;
  /** Send callbacks to another URL from now on (setTtkCallbackEndpoint). */
  setCallbackEndpoint(url: string): Promise<void>;
  /** The toolkit's output so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
};

export type StartTtkOptions = {
  /** Where the toolkit sends callbacks: CALLBACK_ENDPOINT + the callback's path. */
  callbackUrl: string;
  /** Wait this long for the toolkit to answer (default 60 s; start takes 10–17 s on a quiet machine). */
  readyTimeoutMs?: number;
  /** Wait this long for another test file's toolkit to stop (default 10 min). */
  lockTimeoutMs?: number;
  /** Activate the repository's rule files once started (default true). */
  repositoryRules?: boolean;
};

const LOCK_FILE = path.join(os.tmpdir(), "disbursement-platform-ttk.lock");

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Take the machine-wide toolkit lock (a file holding our pid); a dead holder's lock is taken over. */
async function acquireLock(timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const fd = openSync(LOCK_FILE, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (readFileSync(LOCK_FILE, "utf8").trim().split(/\s+/)[0] === String(process.pid)) unlinkSync(LOCK_FILE);
        } catch {
          // Already gone.
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    let holder = NaN;
    let toolkit = NaN;
    try {
      [holder, toolkit] = readFileSync(LOCK_FILE, "utf8").trim().split(/\s+/).map(Number) as [number, number];
    } catch {
      continue; // Released between our attempts.
    }
    if (!Number.isInteger(holder) || holder <= 0 || !pidAlive(holder)) {
      // The test process died (SIGKILL, crash) and left its toolkit running: end that toolkit, only if it is one.
      if (Number.isInteger(toolkit) && toolkit > 0 && pidAlive(toolkit) && isToolkitProcess(toolkit)) process.kill(toolkit, "SIGKILL");
      try {
        unlinkSync(LOCK_FILE);
      } catch {
        // Someone else took it over first.
      }
      continue;
    }
    if (Date.now() >= deadline) {
      throw new Error(`Another test process (pid ${holder}) has held the Mojaloop Testing Toolkit lock ${LOCK_FILE} for over ${Math.round(timeoutMs / 1000)} s.`);
    }
    await sleep(250);
  }
}

function isToolkitProcess(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(path.join("ml-testing-toolkit", "src", "index.js"));
  } catch {
    return false;
  }
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function adminCall(method: string, pathName: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`http://127.0.0.1:${TTK_ADMIN_PORT}${pathName}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`Testing Toolkit admin ${method} ${pathName} answered HTTP ${response.status}: ${text.slice(0, 300)}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

/**
 * Point the running toolkit's callbacks at `url` (its CALLBACK_ENDPOINT) through the admin API, for a
 * callbacks URL known only after the toolkit started (e2e: `/api/mojaloop/<connection id>` of a
 * connection created in the browser). The toolkit stores what it is PUT as the whole user config
 * (src/lib/config.js merges with an unawaited promise), so the stored config is read and sent back whole.
 */
export async function setTtkCallbackEndpoint(url: string): Promise<void> {
  const { stored } = (await adminCall("GET", "/api/config/user")) as { stored: Record<string, unknown> };
  await adminCall("PUT", "/api/config/user", { ...stored, CALLBACK_ENDPOINT: url.replace(/\/+$/, "") });
  const { runtime } = (await adminCall("GET", "/api/config/user")) as { runtime: Record<string, unknown> };
  if (runtime.CALLBACK_ENDPOINT !== url.replace(/\/+$/, "")) {
    throw new Error(`The Testing Toolkit kept CALLBACK_ENDPOINT ${String(runtime.CALLBACK_ENDPOINT)} instead of ${url}.`);
  }
}

/** Start a fresh toolkit (after taking the lock); `stop()` ends it and releases the lock. */
export async function startTtk(options: StartTtkOptions): Promise<TtkHandle> {
  const pkg = requireTtk();
  const release = await acquireLock(options.lockTimeoutMs ?? 600_000);
  let child: ChildProcess | null = null;
  let workDir = "";
  let output = "";
  try {
    for (const port of [TTK_FSPIOP_PORT, TTK_ADMIN_PORT]) {
      // A toolkit of a dead test run can linger for a moment after its lock was released.
      const free = await waitFor(async () => !(await portAnswers(port)), { timeoutMs: 15_000, message: `port ${port} to be free` }).catch(() => false);
      if (!free) {
        throw new Error(`Port ${port} is taken by another program; the Mojaloop Testing Toolkit needs ports ${TTK_FSPIOP_PORT} and ${TTK_ADMIN_PORT} (hard-coded).`);
      }
    }
    workDir = mkdtempSync(path.join(os.tmpdir(), "ttk-"));
    // The toolkit reads and writes spec_files/ relative to its working directory.
    cpSync(path.join(pkg, "spec_files"), path.join(workDir, "spec_files"), { recursive: true });
    const userConfigFile = path.join(workDir, "spec_files", "user_config.json");
    const userConfig = JSON.parse(readFileSync(userConfigFile, "utf8")) as Record<string, unknown>;
    userConfig.CALLBACK_ENDPOINT = options.callbackUrl.replace(/\/+$/, "");
    writeFileSync(userConfigFile, JSON.stringify(userConfig, null, 2));
    // The rule files keep the bulk ids the switch received in its environment; seeded empty so a GET of
    // an id before any POST answers "not found" (3209/3210) rather than failing inside the rules engine
    // on an undefined list (the toolkit merges INIT_CONFIG.objectStore into its store at start).
    const systemConfigFile = path.join(workDir, "spec_files", "system_config.json");
    const systemConfig = JSON.parse(readFileSync(systemConfigFile, "utf8")) as Record<string, unknown>;
    systemConfig.INIT_CONFIG = { objectStore: { inboundEnvironment: { knownBulkQuoteIds: [], knownBulkTransferIds: [] } } };
    writeFileSync(systemConfigFile, JSON.stringify(systemConfig, null, 2));

    child = spawn(process.execPath, [path.join(pkg, "src", "index.js")], {
      cwd: workDir,
      env: { ...process.env, NODE_ENV: "production" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.length > 200_000) output = output.slice(-100_000);
    };
    // Name the toolkit in the lock file, so a later run can end it if this process dies without stopping it.
    writeFileSync(LOCK_FILE, `${process.pid} ${child.pid ?? ""}`);
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    let exited: string | null = null;
    child.once("exit", (code, signal) => {
      exited = `exited with ${signal ?? code}`;
    });

    await waitFor(
      async () => {
        if (exited) throw new Error(`The Mojaloop Testing Toolkit ${exited} while starting:\n${output.slice(-2000)}`);
        if (!(await portAnswers(TTK_FSPIOP_PORT))) return false;
        try {
          await adminCall("GET", "/api/rules/files/callback");
          return true;
        } catch {
          return false;
        }
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 60_000,
        intervalMs: 250,
        message: "the Mojaloop Testing Toolkit to answer on ports 4040 and 5050",
        details: () => output.slice(-2000),
      },
    );

    const started = child;
    const handle: TtkHandle = {
      fspiopUrl: `http://127.0.0.1:${TTK_FSPIOP_PORT}`,
      adminUrl: `http://127.0.0.1:${TTK_ADMIN_PORT}`,
      workDir,
      async activateRules(kind, fileName, rules) {
        await adminCall("PUT", `/api/rules/files/${kind}/${encodeURIComponent(fileName)}`, rules);
        await adminCall("PUT", `/api/rules/files/${kind}`, { type: "activeRulesFile", fileName });
      },
      async useRepositoryRules() {
        for (const [kind, file] of [
          ["callback", TTK_CALLBACK_RULES_FILE],
          ["validation", TTK_VALIDATION_RULES_FILE],
        ] as const) {
          await handle.activateRules(kind, file, JSON.parse(readFileSync(path.join(RULES_DIR, file), "utf8")));
        }
      },
      requests: async () => ((await adminCall("GET", "/api/history/requests")) as TtkHistoryRequest[]) ?? [],
      callbacks: async () => ((await adminCall("GET", "/api/history/callbacks")) as TtkHistoryCallback[]) ?? [],
      async clearHistory() {
        await adminCall("DELETE", "/api/history/requests");
        await adminCall("DELETE", "/api/history/callbacks");
      },
      setCallbackEndpoint: setTtkCallbackEndpoint,
      log: () => output,
      async stop() {
        try {
          if (started.exitCode === null && started.signalCode === null) {
            const gone = new Promise<void>((resolve) => started.once("exit", () => resolve()));
            started.kill("SIGTERM");
            const timer = setTimeout(() => started.kill("SIGKILL"), 10_000);
            await gone;
            clearTimeout(timer);
          }
        } finally {
          rmSync(workDir, { recursive: true, force: true });
          release();
        }
      },
    };
    if (options.repositoryRules !== false) await handle.useRepositoryRules();
    return handle;
  } catch (error) {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    if (workDir) rmSync(workDir, { recursive: true, force: true });
    release();
    throw error;
  }
}
