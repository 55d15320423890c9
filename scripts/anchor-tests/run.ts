/**
 * Runs the SDF's anchor test suite (`stellar-anchor-tests --seps 1 10 24`, built by
 * scripts/anchor-tests/install.sh) against this platform and prints its pass / fail / skip counts
 * (docs/security/anchor-tests.md).
 *
 *   tsx scripts/anchor-tests/run.ts                 start an instance (production build, embedded
 *                                                   PostgreSQL, local ledger) with the testnet
 *                                                   passphrase, run the suite, stop the instance
 *   tsx scripts/anchor-tests/run.ts --home-domain http://localhost:3000 [--ledger-url http://127.0.0.1:8000]
 *                                                   run against an instance already started
 *   --verbose             the suite prints each failed test's requests and responses
 *   --json FILE           also write every test's result as JSON
 *   -- <search strings>   only the suite's tests whose group or assertion contains one of them
 *
 * The suite accepts only the testnet or public network passphrase, so the instance runs its local
 * ledger with STELLAR_NETWORK_PASSPHRASE = "Test SDF Network ; September 2015" (server/stellar/network.ts).
 * Its SEP-10 account-signer tests call the SDF's testnet friendbot and Horizon directly; those calls go
 * to the local ledger (testnet-redirect.mjs, preloaded into the suite's process). The suite exempts
 * only hosts named "localhost" from its HTTPS check, hence http://localhost:<port> as the home domain.
 *
 * Environment: ANCHOR_TESTS_CLI (a built cli.js; else install.sh runs and builds one, with its own
 * ANCHOR_TESTS_GIT / ANCHOR_TESTS_DIR), ANCHOR_TESTS_DIST_DIR (build folder of the started instance,
 * default .next-test), ANCHOR_TESTS_DATA_DIR (default .test-data/anchor-tests, emptied first).
 *
 * Exit code: 0 when every test passed except those about withdrawals, which the platform does not
 * offer (its /sep24/info says so); 1 otherwise, 2 when the suite could not run.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { freePort } from "../lib/embedded-postgres";
import { ROOT } from "../lib/runtime-defaults";

const TESTNET_PASSPHRASE = "Test SDF Network ; September 2015";

type Outcome = "pass" | "fail" | "skip";
export type SuiteResult = { outcome: Outcome; sep: number | null; title: string };

const say = (line: string) => process.stdout.write(`[anchor-tests] ${line}\n`);

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The suite's result lines: `✔ SEP-1 ‣ group ‣ assertion` (✖ failed, ❯ skipped). */
export function parseSuiteOutput(text: string): { results: SuiteResult[]; totals: { passed: number; failed: number; skipped: number; total: number } | null } {
  const results: SuiteResult[] = [];
  let totals: { passed: number; failed: number; skipped: number; total: number } | null = null;
  for (const raw of text.split("\n")) {
    const line = raw.replace(ANSI, "").trimEnd();
    const head = /^([✔✖❯√×>]) (SEP-(\d+) [‣›❯>] )?(.+)$/.exec(line);
    if (head && head[2]) {
      const outcome: Outcome = head[1] === "✔" || head[1] === "√" ? "pass" : head[1] === "✖" || head[1] === "×" ? "fail" : "skip";
      results.push({ outcome, sep: Number(head[3]), title: head[4]! });
      continue;
    }
    const stats = /^Tests:\s+(.*)$/.exec(line);
    if (stats) {
      const count = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(stats[1]!)?.[1] ?? 0);
      totals = { passed: count("passed"), failed: count("failed"), skipped: count("skipped"), total: count("total") };
    }
  }
  return { results, totals };
}

/** Withdrawals are not offered (declared in /sep24/info): the suite's withdraw tests cannot pass. */
export function isWithdrawTest(r: SuiteResult): boolean {
  return /withdraw/i.test(r.title);
}

function installSuite(): string {
  if (process.env.ANCHOR_TESTS_CLI) return process.env.ANCHOR_TESTS_CLI;
  const run = spawnSync("bash", [path.join(ROOT, "scripts", "anchor-tests", "install.sh")], { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
  process.stdout.write(run.stdout);
  if (run.status !== 0) throw new Error("scripts/anchor-tests/install.sh failed (see above)");
  return run.stdout.trim().split("\n").at(-1)!;
}

type Instance = { homeDomain: string; ledgerUrl: string; stop: () => Promise<void> };

async function startInstance(): Promise<Instance> {
  const port = await freePort();
  const ledgerPort = await freePort();
  const homeDomain = `http://localhost:${port}`;
  const dataDir = path.resolve(ROOT, process.env.ANCHOR_TESTS_DATA_DIR || ".test-data/anchor-tests");
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    APP_URL: homeDomain,
    NEXTAUTH_URL: homeDomain,
    NEXT_DIST_DIR: process.env.ANCHOR_TESTS_DIST_DIR || ".next-test",
    NEXT_TELEMETRY_DISABLED: "1",
    DATA_DIR: dataDir,
    DATABASE_URL: "",
    EMBEDDED_PG_PORT: String(await freePort()),
    LEDGER_PORT: String(ledgerPort),
    HORIZON_URL: "",
    EXAMPLE_BANK_PORT: String(await freePort()),
    STELLAR_NETWORK: "local",
    STELLAR_NETWORK_PASSPHRASE: TESTNET_PASSPHRASE,
    LOG_LEVEL: "warn",
  };
  say(`starting an instance on ${homeDomain} (build ${env.NEXT_DIST_DIR}, data ${path.relative(ROOT, dataDir)}; a build takes minutes)`);
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(ROOT, "scripts", "start.ts")], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  const deadline = Date.now() + 20 * 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the instance exited with code ${child.exitCode} before it was ready`);
    const ok = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(5_000) })
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { homeDomain, ledgerUrl: `http://127.0.0.1:${ledgerPort}`, stop };
    await new Promise((r) => setTimeout(r, 1_000));
  }
  await stop();
  throw new Error("the instance did not become healthy within 20 minutes");
}

function runSuite(cli: string, homeDomain: string, ledgerUrl: string | undefined, extra: string[]): Promise<{ code: number; output: string }> {
  const args = [
    ...(ledgerUrl ? ["--import", pathToFileURL(path.join(ROOT, "scripts", "anchor-tests", "testnet-redirect.mjs")).href] : []),
    cli,
    "--home-domain",
    homeDomain,
    "--seps",
    "1",
    "10",
    "24",
    ...extra,
  ];
  say(`node ${args.map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(" ")}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, {
      cwd: path.dirname(cli),
      env: { ...process.env, ...(ledgerUrl ? { ANCHOR_TESTS_LEDGER_URL: ledgerUrl } : {}) },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      process.stdout.write(chunk);
    });
    child.once("exit", (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), output }));
  });
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      "home-domain": { type: "string" },
      "ledger-url": { type: "string" },
      verbose: { type: "boolean", default: false },
      json: { type: "string" },
    },
  });
  const cli = installSuite();
  let instance: Instance | null = null;
  const stop = async () => {
    await instance?.stop();
  };
  process.on("SIGINT", () => void stop().then(() => process.exit(130)));
  process.on("SIGTERM", () => void stop().then(() => process.exit(143)));
  try {
    let homeDomain = values["home-domain"];
    let ledgerUrl = values["ledger-url"];
    if (!homeDomain) {
      instance = await startInstance();
      homeDomain = instance.homeDomain;
      ledgerUrl = instance.ledgerUrl;
    }
    if (/^http:\/\//.test(homeDomain) && !new URL(homeDomain).hostname.includes("localhost")) {
      say("note: the suite exempts only hosts named localhost from its HTTPS check; over plain HTTP use http://localhost:<port> (and APP_URL to match)");
    }
    const extra = [...(values.verbose ? ["--verbose"] : []), ...positionals];
    const { output } = await runSuite(cli, homeDomain.replace(/\/+$/, ""), ledgerUrl, extra);
    const { results, totals } = parseSuiteOutput(output);
    if (!totals) {
      say("the suite printed no results (see above)");
      process.exitCode = 2;
      return;
    }
    if (values.json) writeFileSync(values.json, `${JSON.stringify({ homeDomain, totals, results }, null, 2)}\n`);
    const unexpected = results.filter((r) => r.outcome === "fail" && !isWithdrawTest(r));
    const withdraw = results.filter((r) => r.outcome === "fail" && isWithdrawTest(r));
    process.stdout.write("\n");
    say(`SEP-1, SEP-10, SEP-24 against ${homeDomain}: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped (${totals.total} total)`);
    if (withdraw.length) say(`${withdraw.length} of the failures are withdraw tests (withdrawals are not offered; /sep24/info declares it)`);
    for (const r of unexpected) say(`  failed: SEP-${r.sep} › ${r.title}`);
    process.exitCode = unexpected.length === 0 && totals.passed > 0 ? 0 : 1;
  } finally {
    await stop();
  }
}

main().catch((error) => {
  process.stderr.write(`[anchor-tests] ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});
