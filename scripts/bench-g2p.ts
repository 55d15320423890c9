/**
 * `npm run bench:g2p [-- --runs 3 --items 10000]`: the signed G2P Connect intake, end to end over
 * real HTTP (docs/performance.md, "bench:g2p"). A child process serves every POST endpoint under
 * /api/g2p with the route handlers themselves (scripts/lib/g2p-bench-server.ts); this process signs
 * each request with an Ed25519 sender key and POSTs it over a kept-alive connection.
 *
 * Measured per request, one request at a time (no concurrency): the client's build-and-sign time
 * (not part of the intake figure), the HTTP round trip from the first byte sent to the last byte of
 * the answer (the headline: items / round trip), and inside it, from the server's `server-timing`,
 * the body read and the route handler (JSON, API key, signature check, schema, the accepting
 * transaction that stores the signed on-disburse callback in the outbox; the callback's delivery is
 * not measured), the server process's CPU, and the CPU all PostgreSQL processes used (local clusters).
 *
 * Requests of a run: /disburse of N items paying Stellar addresses, the same request again with a
 * new message_id (idempotent: every item checked, nothing written), /disburse of N phone payees
 * (receivers and wallets created for registration), and a synchronous txn/status answering the N
 * items of the first transaction. A small warm-up of each kind runs first and is not reported
 * (the first request of a process pays for JIT compilation, module loading and cold caches). Each
 * run is a fresh set of transactions on the same database; the summary gives min / median / max.
 * `os.loadavg()` is printed before and after every run: on a shared machine, read figures with it.
 *
 * PostgreSQL: BENCH_DATABASE_URL, else a throw-away embedded cluster in a temporary folder. Not a test.
 */
import { execFileSync, fork, type ChildProcess } from "node:child_process";
import { generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Keypair } from "@stellar/stellar-sdk";
import { createDb } from "../db/client";
import { applyMigrations } from "../db/migrate";
import { g2pSenders } from "../db/schema";
import { createApiKey } from "../server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "../server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "../server/services/context";
import { signG2pMessage } from "../server/services/g2p/signature";
import { addUserToOrganization, createOrganization } from "../server/services/organization/create-organization";
import { benchDatabase } from "./lib/bench-database";

const HERE = path.dirname(fileURLToPath(import.meta.url));

const { values: args } = parseArgs({ options: { runs: { type: "string", default: "3" }, items: { type: "string", default: "10000" } } });
const RUNS = Number(args.runs);
const ITEMS = Number(args.items);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs must be a positive integer, got ${args.runs}`);
if (!Number.isInteger(ITEMS) || ITEMS < 1 || ITEMS > 10_000) throw new Error(`--items must be an integer from 1 to 10000, got ${args.items}`);

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** CPU seconds of every process of the local PostgreSQL cluster (postmaster and its children), or null when it is not on this machine. */
function postgresCpu(postmasterPid: number | null): (() => number) | null {
  if (postmasterPid === null) return null;
  let ticks = 100;
  try {
    ticks = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
  } catch {
    // 100 is the Linux default.
  }
  const stat = (pid: string) => {
    const text = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(fields[1]), cpu: Number(fields[11]) + Number(fields[12]) };
  };
  return () => {
    let total = 0;
    for (const pid of readdirSync("/proc")) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        const s = stat(pid);
        if (Number(pid) === postmasterPid || s.ppid === postmasterPid) total += s.cpu;
      } catch {
        // The process ended meanwhile.
      }
    }
    return total / ticks;
  };
}

type Sample = {
  label: string;
  unit: string;
  items: number;
  bytes: number;
  signMs: number;
  httpMs: number;
  readMs: number;
  handlerMs: number;
  serverCpuMs: number;
  pgCpuMs: number | null;
};

async function main() {
  // This benchmark's own defaults, written to the environment before anything reads config() (server/config).
  process.env.ENCRYPTION_KEY ||= randomBytes(32).toString("hex");
  process.env.LOG_LEVEL ||= "warn";
  console.log(`node ${process.version}; ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? "?"}); ${RUNS} run(s) of ${ITEMS.toLocaleString("en-US")} items`);
  console.log(`load average before: ${load()}`);
  const database = await benchDatabase("sdp-bench-g2p");
  const url = database.url;
  const handle = createDb(url, { max: 2 });
  let server: ChildProcess | null = null;
  try {
    await applyMigrations(url);
    const suffix = randomBytes(4).toString("hex");
    const org = await createOrganization(handle.db, { name: `Bench ${suffix}`, slug: `bench-${suffix}` });
    const user = await addUserToOrganization(handle.db, { orgId: org.id, email: `bench.${suffix}@bench.local`, name: "Bench", role: "owner" });
    const catalog = await seedDemoCatalog(handle.db, org.id);
    const ctx: OrgContext = { db: handle.db, actor: { userId: user.id }, org: { id: org.id }, role: "owner" };
    const key = await createApiKey(ctx, { name: "bench", scopes: ["read:all", "write:disbursements"] });
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const senderId = `bench-registry-${suffix}`;
    await handle.db.insert(g2pSenders).values({
      orgId: org.id,
      senderId,
      name: "Bench registry",
      callbackUrl: "http://127.0.0.1:9/g2p",
      publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
      walletId: catalog.wallet.id,
      defaultAssetId: catalog.usdc.id,
    });
    const [backend] = await handle.sql<{ pid: number }[]>`select pg_backend_pid() as pid`;
    let postmaster: number | null = null;
    try {
      const text = readFileSync(`/proc/${backend!.pid}/stat`, "utf8");
      if (text.includes("(postgres)")) postmaster = Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
    } catch {
      // Not a local cluster: no PostgreSQL CPU column.
    }
    const pgCpu = postgresCpu(postmaster);

    server = fork(path.join(HERE, "lib/g2p-bench-server.ts"), [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    const port = await new Promise<number>((resolve, reject) => {
      server!.once("message", (m) => resolve((m as { port: number }).port));
      server!.once("exit", (code) => reject(new Error(`bench server exited (${code})`)));
    });
    const base = `http://127.0.0.1:${port}/api/g2p`;

    const post = async (
      label: string,
      unit: string,
      items: number,
      path: string,
      action: string,
      message: Record<string, unknown>,
      count: number,
      signer: KeyObject,
      expectAck: string,
    ): Promise<Sample> => {
      const signStart = performance.now();
      const header = { version: "1.0.0", message_id: randomUUID(), message_ts: new Date().toISOString(), action, sender_id: senderId, total_count: count };
      const body = JSON.stringify({ signature: signG2pMessage(header, message, { keyId: `${senderId}|k`, privateKey: signer }), header, message });
      const signMs = performance.now() - signStart;
      const cpuBefore = pgCpu?.() ?? null;
      const started = performance.now();
      const response = await fetch(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${key.key}`, "content-type": "application/json" }, body });
      const text = await response.text();
      const httpMs = performance.now() - started;
      const pgCpuMs = cpuBefore === null ? null : (pgCpu!() - cpuBefore) * 1000;
      let answer: { message?: { ack_status?: string }; header?: { status?: string } };
      try {
        answer = JSON.parse(text);
      } catch {
        throw new Error(`${label}: HTTP ${response.status}: ${text.slice(0, 500)}`);
      }
      const status = answer.message?.ack_status ?? answer.header?.status;
      if (status !== expectAck) throw new Error(`${label}: expected ${expectAck}, got HTTP ${response.status} ${text.slice(0, 500)}`);
      const timing = Object.fromEntries((response.headers.get("server-timing") ?? "").split(",").map((p) => [p.trim().split(";")[0], Number(p.split("dur=")[1])]));
      return {
        label,
        unit,
        items,
        bytes: body.length,
        signMs,
        httpMs,
        readMs: timing.read ?? NaN,
        handlerMs: timing.handler ?? NaN,
        serverCpuMs: timing.cpu ?? NaN,
        pgCpuMs,
      };
    };

    let runsStarted = 0;
    /** One run: the four requests on fresh transactions of `n` items. */
    const run = async (tag: string, n: number): Promise<Sample[]> => {
      const txn = `BENCH-${suffix}-${tag}`;
      const stellarItems = Array.from({ length: n }, (_, i) => ({
        reference_id: `${txn}-${i}`,
        payer_fa: "account:bench@treasury",
        payee_fa: `stellar:${Keypair.random().publicKey()}`,
        amount: `${(i % 997) + 1}.${String(i % 100).padStart(2, "0")}`,
        currency_code: "USD",
        payee_name: `Payee ${i}`,
      }));
      const phoneTxn = `${txn}-PHONES`;
      // Valid +1 415 numbers (the exchange may not start with 0 or 1), distinct per run.
      const phoneBase = 2_000_000 + runsStarted++ * 10_000;
      const phoneItems = Array.from({ length: n }, (_, i) => ({
        reference_id: `${phoneTxn}-${i}`,
        payee_fa: `mobile:+1415${String(phoneBase + i).padStart(7, "0")}`,
        amount: "10.00",
        currency_code: "USD",
      }));
      const count = n.toLocaleString("en-US");
      return [
        await post(
          `/disburse, ${count} Stellar payees`,
          "items accepted/s",
          n,
          "/disburse",
          "disburse",
          { transaction_id: txn, disbursements: stellarItems },
          n,
          privateKey,
          "ACK",
        ),
        await post(
          `same request again (idempotent)`,
          "items checked/s",
          n,
          "/disburse",
          "disburse",
          { transaction_id: txn, disbursements: stellarItems },
          n,
          privateKey,
          "ACK",
        ),
        await post(
          `/disburse, ${count} phone payees`,
          "items accepted/s",
          n,
          "/disburse",
          "disburse",
          { transaction_id: phoneTxn, disbursements: phoneItems },
          n,
          privateKey,
          "ACK",
        ),
        await post(
          `sync txn/status of ${count} items`,
          "items answered/s",
          n,
          "/disburse/sync/txn/status",
          "status",
          { transaction_id: `Q-${txn}`, txnstatus_request: { reference_id: "q", txn_type: "disburse", attribute_type: "transaction_id", attribute_value: txn } },
          1,
          privateKey,
          "succ", // the query itself succeeded; the items are rcvd
        ),
      ];
    };

    const warmStart = performance.now();
    await run("w0", 200);
    console.log(`warm-up (200 items of each request, not reported): ${((performance.now() - warmStart) / 1000).toFixed(2)} s`);

    const runs: Sample[][] = [];
    for (let r = 1; r <= RUNS; r++) {
      const before = load();
      const samples = await run(`r${r}`, ITEMS);
      runs.push(samples);
      console.log(`\nrun ${r} of ${RUNS} (load average before ${before}, after ${load()})`);
      printTable(
        ["request", "body", "sign (client)", "HTTP round trip", "body read", "handler", "server CPU", "PostgreSQL CPU", "rate"],
        samples.map((s) => [
          s.label,
          `${(s.bytes / 1024 / 1024).toFixed(1)} MB`,
          ms(s.signMs),
          ms(s.httpMs),
          ms(s.readMs),
          ms(s.handlerMs),
          ms(s.serverCpuMs),
          s.pgCpuMs === null ? "n/a" : ms(s.pgCpuMs),
          `${rate(s.items, s.httpMs)} ${s.unit}`,
        ]),
      );
    }

    console.log(`\nsummary over ${RUNS} run(s): rate = items / HTTP round trip (signing excluded), min / median / max`);
    printTable(
      ["request", "rate min", "median", "max", "round trip median", "handler median", "CPU median (server + PostgreSQL)", "unit"],
      runs[0]!.map((first, i) => {
        const column = runs.map((r) => r[i]!);
        const rates = column.map((s) => s.items / (s.httpMs / 1000)).sort((a, b) => a - b);
        return [
          first.label,
          fmt(rates[0]!),
          fmt(median(rates)),
          fmt(rates.at(-1)!),
          ms(median(column.map((s) => s.httpMs))),
          ms(median(column.map((s) => s.handlerMs))),
          column.every((s) => s.pgCpuMs !== null) ? ms(median(column.map((s) => s.serverCpuMs + s.pgCpuMs!))) : `${ms(median(column.map((s) => s.serverCpuMs)))} + n/a`,
          first.unit,
        ];
      }),
    );
    console.log(
      "\nThe round trip waits for CPU when the machine is busy (load average above its CPU count); the CPU column is the work itself, " +
        "and on an idle machine the round trip comes close to it.",
    );
    console.log(`load average after: ${load()}; bench process maxRSS ${Math.round(process.resourceUsage().maxRSS / 1024)} MB`);
  } finally {
    if (server?.connected) {
      const exited = new Promise((resolve) => server!.once("exit", resolve));
      server.disconnect();
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    }
    server?.kill();
    await handle.sql.end({ timeout: 5 });
    await database.stop();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const ms = (n: number) => (Number.isFinite(n) ? `${Math.round(n).toLocaleString("en-US")} ms` : "?");
const rate = (items: number, msTaken: number) => fmt(items / (msTaken / 1000));
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function printTable(header: string[], rows: string[][]) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  console.log(header.map((h, i) => (i === 0 ? h.padEnd(widths[i]!) : h.padStart(widths[i]!))).join("  "));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
