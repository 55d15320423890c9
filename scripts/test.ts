/**
 * `npm test`: every test, provisioning what it needs. Unit and integration tests (vitest) run on
 * real PostgreSQL (embedded on a free port unless TEST_DATABASE_URL is given); end-to-end tests
 * (Playwright, real Chromium) run against a production build on its own embedded database.
 * Lint (eslint.config.mjs, with the layer rules of docs/architecture.md#layers) runs first; a lint
 * or format failure counts as one failure. Ends with one line: "N passed, N failed".
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { freePort } from "./lib/embedded-postgres";
import { ROOT } from "./lib/runtime-defaults";
import { config } from "../server/config";

type Counts = { passed: number; failed: number; skipped: number };

/** Run `prettier --check` too. Off until the repository has been formatted once (`npm run format`). */
const CHECK_FORMAT = true;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: "inherit" });
    child.once("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
}

function vitestCounts(file: string): Counts | null {
  const r = readJson(file) as { numPassedTests?: number; numFailedTests?: number; numPendingTests?: number; numTodoTests?: number } | null;
  if (!r) return null;
  return { passed: r.numPassedTests ?? 0, failed: r.numFailedTests ?? 0, skipped: (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0) };
}

/** Names and first message lines of vitest's failures, so the end of the log says what broke. */
function vitestFailures(file: string): string[] {
  type Assertion = { status?: string; fullName?: string; failureMessages?: string[] };
  type FileResult = { name?: string; status?: string; message?: string; assertionResults?: Assertion[] };
  const r = readJson(file) as { testResults?: FileResult[] } | null;
  const out: string[] = [];
  for (const f of r?.testResults ?? []) {
    const where = path.relative(ROOT, f.name ?? "");
    const failed = (f.assertionResults ?? []).filter((a) => a.status === "failed");
    for (const a of failed) out.push(`${where} › ${a.fullName ?? "?"}: ${firstLine(a.failureMessages?.[0])}`);
    if (failed.length === 0 && f.status === "failed") out.push(`${where}: ${firstLine(f.message)}`);
  }
  return out;
}

/** The same for Playwright's JSON report (suites nest; a spec is ok or not). */
function playwrightFailures(file: string): string[] {
  type Spec = { title?: string; file?: string; line?: number; ok?: boolean; tests?: { results?: { error?: { message?: string } }[] }[] };
  type Suite = { suites?: Suite[]; specs?: Spec[] };
  const out: string[] = [];
  const walk = (suite: Suite) => {
    for (const spec of suite.specs ?? []) {
      if (spec.ok !== false) continue;
      const error = spec.tests?.flatMap((t) => t.results ?? []).find((x) => x.error)?.error?.message;
      out.push(`e2e/${spec.file ?? "?"}:${spec.line ?? 0} › ${spec.title ?? "?"}: ${firstLine(error)}`);
    }
    suite.suites?.forEach(walk);
  };
  walk((readJson(file) as Suite | null) ?? {});
  return out;
}

function firstLine(message: string | undefined): string {
  const line =
    (message ?? "")
      .replace(/\u001b\[[0-9;]*m/g, "")
      .split("\n")
      .find((l) => l.trim() !== "") ?? "(no message)";
  return line.trim().slice(0, 300);
}

function playwrightCounts(file: string): Counts | null {
  const r = readJson(file) as { stats?: { expected?: number; unexpected?: number; flaky?: number; skipped?: number } } | null;
  if (!r?.stats) return null;
  return { passed: r.stats.expected ?? 0, failed: (r.stats.unexpected ?? 0) + (r.stats.flaky ?? 0), skipped: r.stats.skipped ?? 0 };
}

async function createE2eDatabase(adminUrl: string): Promise<string> {
  const name = `e2e_${Date.now().toString(36)}`;
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await sql.unsafe(`create database "${name}"`);
  await sql.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function main() {
  const started = Date.now();
  const node = process.execPath;
  const bin = (p: string) => path.join(ROOT, "node_modules", p);
  const resultsDir = path.join(ROOT, "test-results");
  rmSync(resultsDir, { recursive: true, force: true });
  const env: NodeJS.ProcessEnv = { ...process.env, NEXT_TELEMETRY_DISABLED: "1" };
  const totals: Counts = { passed: 0, failed: 0, skipped: 0 };
  let broken = false;
  const checkFailures: string[] = [];

  // 0. Lint (layer rules included) and the format check.
  const lintCode = await run(node, [bin("eslint/bin/eslint.js"), ".", "--max-warnings", "0", "--cache", "--cache-location", "node_modules/.cache/eslint/"], env);
  if (lintCode !== 0) checkFailures.push("Lint failed (npm run lint; rules in eslint.config.mjs, layers in docs/architecture.md#layers).");
  if (CHECK_FORMAT) {
    const formatCode = await run(node, [bin("prettier/bin/prettier.cjs"), "--check", ".", "--log-level", "warn"], env);
    if (formatCode !== 0) checkFailures.push("Format check failed (npm run format rewrites the files listed above).");
  }
  process.stdout.write(checkFailures.length === 0 ? "[test] lint (with layer rules) and format check: clean\n" : `[test] ${checkFailures.join(" ")}\n`);

  // The Mojaloop Testing Toolkit, the switch of the Mojaloop rail's tests, lives outside node_modules
  // (docs/rails/mojaloop.md); the script returns at once when it is installed.
  const ttkCode = await run("bash", [path.join(ROOT, "scripts", "mojaloop-ttk", "install.sh")], env);
  if (ttkCode !== 0) checkFailures.push("Installing the Mojaloop Testing Toolkit failed (scripts/mojaloop-ttk/install.sh).");

  // 1. Unit and integration tests.
  const vitestJson = path.join(resultsDir, "vitest.json");
  const vitestCode = await run(node, [bin("vitest/vitest.mjs"), "run", "--reporter=default", "--reporter=json", `--outputFile.json=${vitestJson}`], env);
  const v = vitestCounts(vitestJson);
  if (v) Object.keys(totals).forEach((k) => (totals[k as keyof Counts] += v[k as keyof Counts]));
  if (vitestCode !== 0 && (!v || v.failed === 0)) broken = true;

  // 2. End-to-end tests against a production build on a fresh database.
  const e2eDataDir = path.join(ROOT, ".test-data", "e2e");
  rmSync(e2eDataDir, { recursive: true, force: true });
  const e2eEnv: NodeJS.ProcessEnv = {
    ...env,
    E2E_PORT: String(await freePort()),
    E2E_PG_PORT: String(await freePort()),
    E2E_LEDGER_PORT: String(await freePort()),
    E2E_BANK_PORT: String(await freePort()),
    E2E_DATA_DIR: e2eDataDir,
  };
  const { TEST_DATABASE_URL } = config();
  if (TEST_DATABASE_URL) e2eEnv.E2E_DATABASE_URL = await createE2eDatabase(TEST_DATABASE_URL);
  const e2eJson = path.join(resultsDir, "e2e-results.json");
  const e2eCode = await run(node, [bin("@playwright/test/cli.js"), "test"], e2eEnv);
  const e = existsSync(e2eJson) ? playwrightCounts(e2eJson) : null;
  if (e) Object.keys(totals).forEach((k) => (totals[k as keyof Counts] += e[k as keyof Counts]));
  if (e2eCode !== 0 && (!e || e.failed === 0)) broken = true;

  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\nTest wall time: ${seconds}s (unit + integration: vitest; end-to-end: Playwright)\n`);
  if (broken) process.stdout.write("A test runner failed before reporting results (see above).\n");
  const failures = [...vitestFailures(vitestJson), ...(existsSync(e2eJson) ? playwrightFailures(e2eJson) : [])];
  if (failures.length > 0) process.stdout.write(`Failed:\n${failures.map((f) => `  - ${f}`).join("\n")}\n`);
  for (const line of checkFailures) process.stdout.write(`${line}\n`);
  const failed = totals.failed + (broken ? 1 : 0) + checkFailures.length;
  process.stdout.write(`${totals.passed} passed, ${failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ""}\n`);
  process.exit(failed > 0 || totals.passed === 0 ? 1 : 0);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? error}\n`);
  process.exit(1);
});
