/**
 * Crash tests of the bank rail (issue 13: "SIGKILL of workers during bank shipment and during
 * statement import → nothing shipped twice, nothing lost"), with real processes on the shared test
 * PostgreSQL and the project's example bank over real HTTP:
 *
 * 1. Shipment: worker processes (scripts/worker-launch.mjs, the dispatcher on, small batches, short
 *    leases) are SIGKILLed, all at once, at seeded moments — while a funds block, a shipment or a
 *    status lookup is held between the bank and the worker (the bank has acted, the worker has not
 *    heard), while a shipment is still on its way to the bank, or after a seeded time — and
 *    replaced. A proxy makes the bank answer slowly and records every call. Then the bank's books
 *    show each payment received and booked exactly once with its exact amount, no funds left
 *    blocked, one block per batch; the platform shows each payment claimed once, every batch
 *    SHIPPED, the bank's rejections FAILED with their codes, the statement settling the rest, the
 *    maintained totals equal to a recomputation and the disbursement without rejections COMPLETED.
 *    A payment is only ever sent to the bank again after a lookup showed the bank did not have it.
 * 2. Statement import: a child process importing a statement of thousands of entries
 *    (importBankFile) is SIGKILLed at seeded points of its one transaction; after each kill the
 *    database holds nothing of that import or all of it; a final import settles every payment
 *    once, and importing the file again changes nothing.
 *
 * TEST_SEED=<seed> replays the kill moments and delays (a failure prints the seed).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, describe, expect, inject, it } from "vitest";
import { paymentConnections } from "@/db/schema";
import { startExampleBank, type ExampleBankHandle } from "@/example-bank";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import { importBankFile } from "@/server/services/bank-files/import-bank-file";
import { sealCredentials } from "@/server/services/connections/credentials-box";
import type { OrgContext } from "@/server/services/context";
import { generateMt940 } from "@/scripts/lib/bank-file-generator";
import { createBankPayments, createBankSetup } from "../support/bank-payments";
import { startHoldingProxy, type HeldExchange, type HoldingProxy } from "../support/holding-proxy";
import { mulberry32, seededRandom } from "../support/seeded-random";
import { sleep, waitFor } from "../support/wait";
import { isAlive, killAll, spawnWorker, type WorkerProcess } from "../support/worker-process";
import { createOrgWithMembers, testDb } from "./helpers";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const db = testDb();
const KEY = "bank-crash-test-key";
const FUNDING = "7000000001";
/** The dispatcher's lease in the shipment test: short, so a killed worker's batch is taken over within the test. */
const LEASE_MS = 1500;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Exact cents of a "12.34" amount. */
const cents = (amount: string): bigint => {
  const [whole, fraction = ""] = amount.split(".");
  return BigInt(whole!) * 100n + BigInt((fraction + "00").slice(0, 2));
};
const formatCents = (c: bigint) => `${c / 100n}.${String(c % 100n).padStart(2, "0")}`;
/** Varied, distinct-looking amounts with cents. */
const amountFor = (i: number) => `${1 + ((i * 7919) % 400)}.${String((i * 37) % 100).padStart(2, "0")}`;
/** The IBAN-kind destination tests/support/bank-payments.ts gives the n-th payee of a call. */
const payeeAccount = (n: number) => `NL${String(n).padStart(16, "0")}`;

// ---- worker processes ---------------------------------------------------------------------------

// ---- the shipment crash test --------------------------------------------------------------------

type TriggerKind = "time" | "block-held" | "shipment-held-before-bank" | "shipment-held-after-bank" | "lookup-held" | "late-block-held";

/** Kill when any of these has been seen its nth time (`fired` names which). */
type Trigger = { on: { kind: TriggerKind; nth: number; seen: number }[]; fired: string | null; kill: () => Promise<void> };

describe("SIGKILL of dispatcher workers during funds blocking and shipment", () => {
  it("reaches the bank with every payment exactly once, loses none, and the statement settles each once", async () => {
    const random = seededRandom();
    const delayRandom = mulberry32(random.seed ^ 0x5bd1e995);
    const org = await createOrgWithMembers(db, ["owner"]);
    const orgId = org.org.id;
    const ctx: OrgContext = { db, actor: { userId: org.users.owner.id }, org: { id: orgId }, role: "owner" };
    const setup = await createBankSetup(db, orgId, "Crash test bank");

    // Two disbursements; four payees of the first (accounts only it has) are refused by the bank.
    const countA = 480;
    const countB = 160;
    const amountsA = Array.from({ length: countA }, (_, i) => amountFor(i));
    const amountsB = Array.from({ length: countB }, (_, i) => amountFor(i + countA));
    const rejectPool = Array.from({ length: countA - countB }, (_, i) => countB + 1 + i);
    const rejected = new Map<string, string>();
    while (rejected.size < 4) {
      const n = rejectPool[random.int(0, rejectPool.length - 1)]!;
      rejected.set(payeeAccount(n), rejected.size % 2 === 0 ? "AC01" : "AC04");
    }
    // Exactly what the payments need: a block made twice, or never released, leaves a batch short of funds for good.
    const total = [...amountsA, ...amountsB].reduce((s, a) => s + cents(a), 0n);

    const dataDir = mkdtempSync(path.join(os.tmpdir(), "bank-crash-"));
    const bank: ExampleBankHandle = await startExampleBank({
      dataDir,
      apiKey: KEY,
      paymentDelayMs: 300,
      tickMs: 100,
      accounts: [{ account_number: FUNDING, account_holder_name: "Programme account", currency: "EUR", balance: formatCents(total) }],
      rejectAccounts: [...rejected].map(([account, code]) => `${account}:${code}`),
    });
    cleanups.push(async () => {
      await bank.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    let trigger: Trigger | null = null;
    let slowCalls = 0;
    const matches = (kind: TriggerKind, stage: "before" | "after", e: HeldExchange) => {
      if (stage === "before") return kind === "shipment-held-before-bank" && e.path === "/initiate_payment";
      if (kind === "shipment-held-after-bank") return e.path === "/initiate_payment";
      if (kind === "lookup-held") return e.path === "/payment_status";
      if (kind !== "block-held" && kind !== "late-block-held") return false;
      if (e.path !== "/block_funds" || (e.response as { status?: string } | undefined)?.status !== "success") return false;
      if (kind === "block-held") return true;
      // Late: after this block the bank could no longer pass this batch's funds check (its own block counts).
      const account = bank.bank.findAccount(FUNDING)!;
      return bank.bank.available(account) < cents(String((e.request as { amount: string }).amount));
    };
    const onExchange = (stage: "before" | "after") => async (e: HeldExchange) => {
      const t = trigger;
      if (!t || t.fired) return;
      const hit = t.on.find((o) => matches(o.kind, stage, e) && ++o.seen >= o.nth);
      if (!hit) return;
      t.fired = `${hit.kind}#${hit.nth}`;
      // Every worker dies while the bank's answer (or the request) is held here: whoever made the call never hears back.
      await t.kill();
    };
    const proxy: HoldingProxy = await startHoldingProxy({
      target: bank.url,
      // A slow bank (seeded): kills land while calls are under way, and now and then a call outlasts
      // the lease, so a live worker's batch is taken over by another while it still waits for the bank.
      delays: () => {
        const [before, after, slow, side] = [delayRandom(), delayRandom(), delayRandom(), delayRandom()];
        const extra = slow < 0.08 ? LEASE_MS + 300 + Math.floor(slow * 6000) : 0;
        if (extra > 0) slowCalls += 1;
        return { beforeMs: Math.floor(before * 300) + (side < 0.5 ? extra : 0), afterMs: Math.floor(after * 300) + (side < 0.5 ? 0 : extra) };
      },
      beforeForward: onExchange("before"),
      afterBank: onExchange("after"),
    });
    cleanups.push(() => proxy.close());

    await db
      .update(paymentConnections)
      .set({
        settings: { baseUrl: proxy.url, debtorAccountNumber: FUNDING, debtorBankCode: "EXAMPLE_BANK", debtorName: "Programme account", shipmentMode: "API" },
        credentialsSealed: sealCredentials({ apiKey: KEY }),
        currencyMapping: [{ assetId: setup.assetId, railCurrency: "EUR" }],
      })
      .where(sql`${paymentConnections.id} = ${setup.connectionId}`);
    const a = await createBankPayments(db, orgId, setup, amountsA, { status: "READY", name: "Crash A" });
    const b = await createBankPayments(db, orgId, setup, amountsB, { status: "READY", name: "Crash B" });
    const expectedTotal = countA + countB;

    const workerEnv = {
      DATABASE_URL: inject("databaseUrl"),
      WORKER_ORG_IDS: orgId,
      DISPATCHER: "on",
      DISPATCH_BATCH_SIZE: "20",
      DISPATCH_LEASE_MS: String(LEASE_MS),
      DISPATCH_RETRY_MS: "300",
      DISPATCH_POLL_MS: "400",
      OUTBOUND_ALLOW_HOSTS: "127.0.0.1",
      // Only the dispatcher matters here: no Stellar set-up (no ledger: nothing of this organization pays over Stellar), G2P loops, invitations or health checks.
      WORKER_SETUP: "0",
      HORIZON_URL: "http://127.0.0.1:9",
      G2P_CALLBACKS: "off",
      G2P_STATUS_REPORTS: "off",
      G2P_ENVELOPE_SCHEDULER: "off",
      INVITATION_SCHEDULER_SECONDS: "0",
      CONNECTION_HEALTH_INTERVAL_MS: "0",
      WORKER_IDLE_MS: "50",
      WORKER_IDLE_MAX_MS: "300",
      LOG_LEVEL: "info",
    };

    const batchCounts = async () => {
      const rows = await db.execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from rail_batches where org_id = ${orgId} group by status`);
      return Object.fromEntries([...rows].map((r) => [r.status, r.n])) as Record<string, number>;
    };
    const paymentCounts = async () => {
      const rows = await db.execute<{ status: string; n: number }>(sql`select status, count(*)::int as n from payments where org_id = ${orgId} group by status`);
      return Object.fromEntries([...rows].map((r) => [r.status, r.n])) as Record<string, number>;
    };
    /** What is still to be blocked / shipped (READY payments or batches before that step). */
    const stillToDo = async (kind: TriggerKind) => {
      const p = await paymentCounts();
      const bc = await batchCounts();
      const beforeBlock = (p.READY ?? 0) + (bc.CLAIMED ?? 0) + (bc.FUNDS_NOT_AVAILABLE ?? 0);
      if (kind === "block-held" || kind === "late-block-held") return beforeBlock > 0;
      if (kind === "shipment-held-before-bank" || kind === "shipment-held-after-bank") return beforeBlock + (bc.FUNDS_BLOCKED ?? 0) + (bc.SHIPPING ?? 0) > 0;
      return true;
    };

    const all: WorkerProcess[] = [];
    const kills: string[] = [];
    const startWorkers = async (n: number) => {
      const started: WorkerProcess[] = [];
      for (let i = 0; i < n; i++) {
        const w = spawnWorker(workerEnv);
        all.push(w);
        started.push(w);
        // One at a time: the first may (re)build the worker bundle.
        await waitFor(() => w.ready || !isAlive(w), {
          timeoutMs: 120_000,
          intervalMs: 50,
          message: "a worker process to start",
          details: () => w.output.join("\n").slice(-2000),
        });
        if (!isAlive(w)) throw new Error(`a worker exited at start (code ${w.child.exitCode}):\n${w.output.join("\n").slice(-3000)}`);
      }
      return started;
    };
    const diagnostics = async () =>
      `seed ${random.seed} (TEST_SEED=${random.seed} replays it); kills: ${kills.join(", ")}\npayments ${JSON.stringify(await paymentCounts())}, batches ${JSON.stringify(await batchCounts())}\n` +
      all
        .map((w) => `[worker ${w.child.pid}: exit ${w.child.exitCode ?? "-"} ${w.child.signalCode ?? ""}]\n${w.output.join("\n")}`)
        .join("\n")
        .slice(-4000);

    try {
      // Kill rounds at seeded moments; in every round the first block made when the funds are tight
      // (a batch whose worker dies after the bank blocked its funds must still be shipped) kills too,
      // and a last round waits for it if the others did not meet it.
      const kinds: TriggerKind[] = ["time", "block-held", "shipment-held-before-bank", "shipment-held-after-bank", "lookup-held"];
      const rounds: TriggerKind[] = [kinds[random.int(0, kinds.length - 1)]!, kinds[random.int(1, 3)]!, kinds[random.int(0, kinds.length - 1)]!];
      let lateSeen = false;
      for (let round = 0; round < rounds.length || !lateSeen; round++) {
        const kind = rounds[round] ?? "late-block-held";
        if (kind === "late-block-held" && !(await stillToDo(kind))) break;
        const workers = await startWorkers(random.int(2, 3));
        const t: Trigger = { on: [{ kind: "late-block-held", nth: 1, seen: 0 }], fired: null, kill: () => killAll(workers) };
        if (kind !== "late-block-held" && kind !== "time") t.on.push({ kind, nth: random.int(1, 2), seen: 0 });
        trigger = t;
        const timeMs = random.int(300, 1500);
        const until = Date.now() + timeMs;
        // Until it fires — or cannot any more (nothing left before that step), then the workers die now.
        await waitFor(async () => t.fired !== null || (kind === "time" ? Date.now() >= until : !(await stillToDo(kind))), {
          timeoutMs: 90_000,
          intervalMs: 50,
          message: `a kill trigger (${t.on.map((o) => `${o.kind}#${o.nth}`).join(" or ")})`,
          details: () =>
            all
              .map((w) => w.output.join("\n"))
              .join("\n")
              .slice(-3000),
        });
        trigger = null;
        // Fired: the kill is under way in the proxy; not fired: the workers die now. Either way, wait for them to be gone.
        await killAll(workers);
        if (t.fired?.startsWith("late-block-held")) lateSeen = true;
        kills.push(t.fired ?? (kind === "time" ? `time ${timeMs} ms` : `${kind} (nothing left at that step: killed at once)`));
        for (const w of workers) expect(w.child.signalCode).toBe("SIGKILL");
      }
      const midway = await paymentCounts();

      // Survivors finish: every batch shipped, the bank has paid or refused every payment, and the refusals are failed here.
      const survivors = await startWorkers(2);
      await waitFor(
        async () => {
          const bc = await batchCounts();
          if (Object.keys(bc).some((s) => s !== "SHIPPED")) return false;
          const p = await paymentCounts();
          if ((p.READY ?? 0) > 0 || (p.FAILED ?? 0) < rejected.size) return false;
          return [...bank.bank.state.payments.values()].length === expectedTotal && [...bank.bank.state.payments.values()].every((x) => x.status !== "PENDING");
        },
        { timeoutMs: 120_000, intervalMs: 250, message: "every batch to be shipped and every payment paid or refused by the bank", details: () => "see below" },
      ).catch(async (error: Error) => {
        throw new Error(`${error.message}\n${await diagnostics()}`);
      });

      // The bank's statement (MT940, the account's whole history) settles what it booked.
      const statement = await fetch(`${bank.url}/statements/mt940?account_number=${FUNDING}`, { headers: { "x-api-key": KEY } }).then((r) => r.text());
      const imported = await importBankFile(ctx, { fileName: "crash-statement.mt940", content: Buffer.from(statement), source: "API", connectionId: setup.connectionId });
      await killAll(survivors);

      // ---- the bank's side ----
      const rows = await db.execute<{
        id: string;
        disbursement_id: string;
        reference: string | null;
        amount: string;
        account: string;
        status: string;
        failure_code: string | null;
        history: { status: string }[];
        batch: string | null;
      }>(sql`
        select p.id, p.disbursement_id, p.rail_reference as reference, p.amount::text as amount, rw.destination_value as account, p.status, p.failure_code,
               p.status_history as history, p.rail_batch_id as batch
        from payments p join receiver_wallets rw on rw.id = p.receiver_wallet_id where p.org_id = ${orgId}`);
      expect(rows.length).toBe(expectedTotal);
      const atBank = bank.bank.state.payments;
      // Every payment reached the bank, under its own reference, once; nothing else did.
      expect(rows.filter((r) => !r.reference || !atBank.has(r.reference)).map((r) => r.id)).toEqual([]);
      expect(atBank.size).toBe(expectedTotal);
      for (const r of rows) {
        const p = atBank.get(r.reference!)!;
        expect({ ref: r.reference, amount: p.amount, account: p.beneficiary_account }).toEqual({ ref: r.reference, amount: cents(r.amount), account: r.account });
        expect({ ref: r.reference, status: p.status, code: p.reason_code ?? null }).toEqual({
          ref: r.reference,
          status: rejected.has(r.account) ? "FAILED" : "SUCCESS",
          code: rejected.get(r.account) ?? null,
        });
      }
      // Booked once each: one debit of the programme account per paid payment, for its exact amount.
      const debits = new Map<string, bigint[]>();
      for (const e of bank.bank.state.entries) {
        if (e.account_number !== FUNDING || e.kind !== "PAYMENT") continue;
        debits.set(e.payment_reference!, [...(debits.get(e.payment_reference!) ?? []), e.amount]);
      }
      const paidRows = rows.filter((r) => !rejected.has(r.account));
      expect(paidRows.filter((r) => (debits.get(r.reference!) ?? []).length !== 1 || debits.get(r.reference!)![0] !== cents(r.amount)).map((r) => r.reference)).toEqual(
        [],
      );
      expect(debits.size).toBe(paidRows.length);
      const funding = bank.bank.findAccount(FUNDING)!;
      const paidTotal = paidRows.reduce((s, r) => s + cents(r.amount), 0n);
      expect(funding.book_balance).toBe(total - paidTotal);
      // One funds block per batch, none left holding money.
      expect(funding.blocked_amount).toBe(0n);
      const batches = await db.execute<{ reference: string; status: string; payment_count: number; funds_block_reference: string | null }>(
        sql`select reference, status, payment_count, funds_block_reference from rail_batches where org_id = ${orgId}`,
      );
      const blocks = [...bank.bank.state.blocks.values()];
      expect(blocks.map((bl) => bl.request_reference).sort()).toEqual(batches.map((bt) => bt.reference).sort());
      expect(batches.filter((bt) => !blocks.some((bl) => bl.block_reference_no === bt.funds_block_reference)).map((bt) => bt.reference)).toEqual([]);

      // Sent again only after a lookup showed the bank did not have it: for each reference, every
      // shipment after the first follows a lookup answered NOT_FOUND after the one before arrived.
      const sends = new Map<string, number[]>();
      const notFound = new Map<string, number[]>();
      for (const e of proxy.exchanges) {
        if (e.path === "/initiate_payment" && Array.isArray(e.request)) {
          for (const p of e.request as { payment_reference_number: string }[])
            sends.set(p.payment_reference_number, [...(sends.get(p.payment_reference_number) ?? []), e.arrivedAt]);
        }
        if (e.path === "/payment_status" && e.answeredByBankAt) {
          for (const p of (e.response as { payments?: { payment_reference_number: string; status: string }[] })?.payments ?? []) {
            if (p.status === "NOT_FOUND") notFound.set(p.payment_reference_number, [...(notFound.get(p.payment_reference_number) ?? []), e.answeredByBankAt]);
          }
        }
      }
      const blindResends: string[] = [];
      for (const [reference, times] of sends) {
        for (let i = 1; i < times.length; i++) {
          if (!(notFound.get(reference) ?? []).some((t) => t >= times[i - 1]! && t <= times[i]!)) blindResends.push(reference);
        }
      }
      expect(blindResends, "payments sent to the bank again without a lookup showing the bank lacked them").toEqual([]);

      // ---- the platform's side ----
      expect(batches.filter((bt) => bt.status !== "SHIPPED")).toEqual([]);
      expect(batches.reduce((s, bt) => s + bt.payment_count, 0)).toBe(expectedTotal);
      for (const r of rows) {
        const expected = rejected.has(r.account) ? { status: "FAILED", code: rejected.get(r.account)! } : { status: "SUCCESS", code: null };
        expect({ id: r.id, status: r.status, code: r.failure_code }).toEqual({ id: r.id, ...expected });
        // Claimed once, settled once.
        expect({ id: r.id, history: r.history.map((h) => h.status) }).toEqual({ id: r.id, history: ["READY", "PENDING", expected.status] });
        expect(r.batch).not.toBeNull();
      }
      expect(imported.already_imported).toBe(false);
      expect(imported.file.exception_count).toBe(0);
      expect(imported.outcomes.MATCHED + imported.outcomes.ALREADY_APPLIED).toBe(paidRows.length);
      expect(await checkPaymentTotals(db, orgId)).toEqual([]);
      const disbursementStatus = async (id: string) => (await db.execute<{ status: string }>(sql`select status from disbursements where id = ${id}`))[0]!.status;
      // B had no refusals: COMPLETED. A keeps its refused payments open for a retry (FAILED is not final for a disbursement).
      expect(await disbursementStatus(b.disbursementId)).toBe("COMPLETED");
      expect(await disbursementStatus(a.disbursementId)).toBe("STARTED");
      const again = await importBankFile(ctx, { fileName: "crash-statement.mt940", content: Buffer.from(statement), source: "API", connectionId: setup.connectionId });
      expect(again.already_imported).toBe(true);

      const resent = [...sends.values()].filter((t) => t.length > 1).length;
      console.info(
        `[bank-crash] shipment (seed ${random.seed}): ${expectedTotal} payments in ${batches.length} batches, kills: ${kills.join(", ")}; ` +
          `midway ${JSON.stringify(midway)}; ${proxy.exchanges.length} bank calls (${slowCalls} slower than the lease), ${resent} payments sent twice (each after a NOT_FOUND lookup), ` +
          `statement: ${JSON.stringify(imported.outcomes)}`,
      );
    } catch (error) {
      if (error instanceof Error && !error.message.includes("seed ")) error.message += `\n${await diagnostics()}`;
      throw error;
    } finally {
      trigger = null;
      await killAll(all);
    }
  }, 240_000);
});

// ---- the statement import crash test ------------------------------------------------------------

/** Phases of the import's transaction, in order, as its statements show in pg_stat_activity. */
const IMPORT_PHASES: { name: string; query: RegExp }[] = [
  { name: "file copied in", query: /copy bank_file_upload|insert into bank_files/i },
  { name: "payments locked and read", query: /from payments p|for no key update|for update/i },
  { name: "payment statuses moved", query: /update payments/i },
  { name: "entries stored", query: /insert into bank_file_entries/i },
  { name: "audit written", query: /audit_events|update "bank_files"|update bank_files/i },
];

type ImportChild = { child: ChildProcess; output: string[]; backendPid: number | null; done: boolean; exited: Promise<void> };

function spawnImport(env: Record<string, string>): ImportChild {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "tests", "support", "import-bank-file-child.ts")], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const c: ImportChild = { child, output: [], backendPid: null, done: false, exited: new Promise((resolve) => child.once("exit", () => resolve())) };
  child.stdout!.on("data", (d: Buffer) => {
    const text = d.toString();
    c.output.push(text);
    const ready = /ready (\d+)/.exec(text);
    if (ready) c.backendPid = Number(ready[1]);
    if (text.includes("done ")) c.done = true;
  });
  child.stderr!.on("data", (d: Buffer) => c.output.push(d.toString()));
  return c;
}

describe("SIGKILL of a statement import", () => {
  it("leaves nothing of an import or all of it, and the final import settles every payment once", async () => {
    const random = seededRandom();
    const n = 4000;
    const org = await createOrgWithMembers(db, ["owner"]);
    const orgId = org.org.id;
    const ctx: OrgContext = { db, actor: { userId: org.users.owner.id }, org: { id: orgId }, role: "owner" };
    const setup = await createBankSetup(db, orgId, "Statement crash bank");
    const amounts = Array.from({ length: n }, (_, i) => amountFor(i));
    const { disbursementId, paymentIds } = await createBankPayments(db, orgId, setup, amounts);
    const dir = mkdtempSync(path.join(os.tmpdir(), "bank-crash-import-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "statement.mt940");
    const content = generateMt940(paymentIds.map((paymentId, i) => ({ paymentId, amount: amounts[i]! })));
    writeFileSync(file, content);

    /** Everything an import can change, as one fingerprint (payments with their history and details, files, entries, audit rows). */
    const snapshot = async () => {
      const [row] = await db.execute<{ payments: string; statuses: Record<string, number>; files: number; entries: number; audits: number; history: number }>(sql`
        select
          (select md5(string_agg(p.id::text || p.status || coalesce(p.failure_code, '') || coalesce(p.rail_details::text, '') || p.status_history::text, ',' order by p.id))
             from payments p where p.org_id = ${orgId}) as payments,
          (select jsonb_object_agg(s.status, s.n) from (select status, count(*)::int as n from payments where org_id = ${orgId} group by status) s) as statuses,
          (select count(*)::int from bank_files where org_id = ${orgId}) as files,
          (select count(*)::int from bank_file_entries where org_id = ${orgId}) as entries,
          (select count(*)::int from audit_events where org_id = ${orgId} and action = 'bank_file.imported') as audits,
          (select sum(jsonb_array_length(status_history))::int from payments where org_id = ${orgId}) as history`);
      return row!;
    };
    const before = await snapshot();
    expect(before).toMatchObject({ statuses: { PENDING: n }, files: 0, entries: 0, audits: 0, history: n });
    const isAll = (s: Awaited<ReturnType<typeof snapshot>>) =>
      s.files === 1 && s.entries === n && s.audits === 1 && JSON.stringify(s.statuses) === JSON.stringify({ SUCCESS: n }) && s.history === 2 * n;

    const env = {
      DATABASE_URL: inject("databaseUrl"),
      IMPORT_ORG_ID: orgId,
      IMPORT_USER_ID: org.users.owner.id,
      IMPORT_FILE: file,
      IMPORT_CONNECTION_ID: setup.connectionId,
      LOG_LEVEL: "silent",
    };
    const results: string[] = [];
    const children: ImportChild[] = [];
    try {
      let committed = false;
      for (let round = 1; round <= 4 && !committed; round++) {
        const name = `bank-crash-import-${random.seed}-${round}`;
        const c = spawnImport({ ...env, IMPORT_APPLICATION_NAME: name });
        children.push(c);
        await waitFor(() => c.backendPid !== null || c.child.exitCode !== null, {
          timeoutMs: 120_000,
          intervalMs: 20,
          message: "the import process to start",
          details: () => c.output.join(""),
        });
        expect(c.backendPid, c.output.join("")).not.toBeNull();
        // A seeded point: a phase of the transaction (then a seeded few milliseconds more), or a seeded
        // time. The first kill lands in one of the early phases, well before the commit; later ones
        // anywhere, up to just before (or just after) the commit.
        const target = round === 1 ? random.int(0, 2) : random.int(0, IMPORT_PHASES.length);
        const extraMs = random.int(0, 30);
        // Should the import's statements no longer read as these phases, a seeded moment inside its transaction instead.
        const backstopMs = random.int(100, 1500);
        let reached = "";
        if (target === IMPORT_PHASES.length) {
          const ms = random.int(0, 2000);
          await sleep(ms);
          reached = `${ms} ms after start`;
        } else {
          // Watch the import's own connection; a later phase seen means the target one was passed between looks.
          let inTransactionSince = 0;
          let phaseSeen = false;
          await waitFor(
            async () => {
              if (c.child.exitCode !== null) return true;
              const [activity] = await db.execute<{ query: string; state: string; in_tx: boolean }>(
                sql`select query, state, xact_start is not null as in_tx from pg_stat_activity where pid = ${c.backendPid}`,
              );
              const at = activity?.state === "active" ? IMPORT_PHASES.findIndex((p) => p.query.test(activity.query)) : -1;
              phaseSeen ||= at >= 0;
              if (at >= target) reached = IMPORT_PHASES[at]!.name;
              if (!activity?.in_tx) inTransactionSince = 0;
              else if (!inTransactionSince) inTransactionSince = Date.now();
              if (at < target && !phaseSeen && inTransactionSince && Date.now() - inTransactionSince >= backstopMs) {
                reached = `${backstopMs} ms into the transaction`;
                return true;
              }
              return at >= target;
            },
            { timeoutMs: 120_000, intervalMs: 3, message: `the import to reach "${IMPORT_PHASES[target]!.name}"`, details: () => c.output.join("") },
          );
          await sleep(extraMs);
        }
        c.child.kill("SIGKILL");
        await c.exited;
        // The server ends the dead client's transaction (rolled back unless its COMMIT was already in): wait for its backend to go.
        await waitFor(async () => (await db.execute(sql`select 1 from pg_stat_activity where pid = ${c.backendPid}`)).length === 0, {
          timeoutMs: 60_000,
          intervalMs: 20,
          message: "the killed import's database session to end",
        });
        const after = await snapshot();
        const nothing = JSON.stringify(after) === JSON.stringify(before);
        expect(nothing || isAll(after), `after a kill at ${reached || "?"} the database holds part of an import: ${JSON.stringify(after)}`).toBe(true);
        expect(await checkPaymentTotals(db, orgId)).toEqual([]);
        committed = !nothing;
        results.push(`${reached || "?"}${c.done ? " (already committed)" : ""} → ${nothing ? "nothing" : "all"}`);
      }
      expect(
        results.some((r) => r.endsWith("nothing")),
        `no kill landed before the commit: ${results.join("; ")}`,
      ).toBe(true);

      // The final import, uninterrupted, in a process of its own (a no-op if a killed one had committed).
      const last = spawnImport({ ...env, IMPORT_APPLICATION_NAME: `bank-crash-import-${random.seed}-final` });
      children.push(last);
      await last.exited;
      expect(last.child.exitCode, last.output.join("")).toBe(0);
      const settled = await snapshot();
      expect(isAll(settled), JSON.stringify(settled)).toBe(true);
      // Each payment paid once: one matched entry, one SUCCESS in its history.
      const perPayment = await db.execute<{ id: string; entries: number; successes: number }>(sql`
        select p.id, (select count(*)::int from bank_file_entries e where e.payment_id = p.id and e.outcome = 'MATCHED') as entries,
               (select count(*)::int from jsonb_array_elements(p.status_history) h where h->>'status' = 'SUCCESS') as successes
        from payments p where p.org_id = ${orgId}`);
      expect([...perPayment].filter((r) => r.entries !== 1 || r.successes !== 1)).toEqual([]);
      expect(await checkPaymentTotals(db, orgId)).toEqual([]);
      const [d] = await db.execute<{ status: string }>(sql`select status from disbursements where id = ${disbursementId}`);
      expect(d!.status).toBe("COMPLETED");

      // Importing it again changes nothing.
      const again = await importBankFile(ctx, { fileName: "statement.mt940", content: Buffer.from(content), source: "API", connectionId: setup.connectionId });
      expect(again.already_imported).toBe(true);
      expect(await snapshot()).toEqual(settled);
      console.info(`[bank-crash] statement import (seed ${random.seed}): ${n} entries; kills: ${results.join("; ")}`);
    } catch (error) {
      if (error instanceof Error) error.message += `\nseed ${random.seed} (TEST_SEED=${random.seed} replays it); kills: ${results.join("; ")}`;
      throw error;
    } finally {
      for (const c of children) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill("SIGKILL");
    }
  }, 240_000);
});
