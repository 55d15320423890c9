/**
 * G2P Connect end to end: a loopback sender (an HTTP server on 127.0.0.1) registered with its
 * callback URL posts `/disburse` with 100 items paying 100 fresh accounts on the local ledger,
 * gets ACK, and then receives signed callbacks (each verified with the platform public key) that
 * move every item rcvd → pdng → succ as the envelope scheduler starts the envelope and the payment
 * worker pays it; the ledger holds exactly the amounts; the status queries, sync and async, report
 * the same. Also an envelope declared up front and received in two messages, which starts only
 * once complete and once its schedule date has come. Every wait has a deadline.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createPublicKey } from "node:crypto";
import { Asset, Keypair, Operation, type xdr } from "@stellar/stellar-sdk";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDb } from "@/db/client";
import { assets, disbursements } from "@/db/schema";
import { toStroops } from "@/server/domain/money";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { startEnvelopeBySchedule } from "@/server/services/disbursements/start-envelope-by-schedule";
import { startDueEnvelopes } from "@/server/services/g2p/envelope-scheduler";
import { startG2pLoops, type G2pLoopsHandle } from "@/server/services/g2p/g2p-loops";
import { platformSigningKey, verifyG2pSignature } from "@/server/services/g2p/signature";
import { setupOrganizationAccounts, submitSetupTransaction } from "@/server/stellar/accounts";
import { installLedgerBalanceProvider } from "@/server/stellar/balance-provider";
import { startWorker, type WorkerHandle } from "@/server/rails/stellar/engine/run-worker";
import { completeDisbursementIfDone } from "@/server/services/disbursements/complete-if-done";
import { friendbot, loadAccountState } from "@/server/stellar/horizon";
import { startLocalLedger, type LocalLedgerHandle } from "@/server/stellar/local-ledger/server";
import { stellarConfig, type StellarConfig } from "@/server/stellar/network";
import { disburseMessage, g2pFixture, g2pTestDb, postG2p, searchMessage, signedRequest, txnStatusMessage, type G2pFixture, type TestItem } from "./g2p-helpers";
import { ackAnswer, startLoopback, type Loopback, type ReceivedCallback } from "./g2p-loopback";
import { randomSuffix } from "./helpers";
import { waitFor } from "../support/wait";

const COUNT = 100;
const db = g2pTestDb();
const workerPool = createDb(inject("databaseUrl"), { max: 10 });

let ledger: LocalLedgerHandle;
let ledgerDir: string;
let config: StellarConfig;
let loopback: Loopback;
let fx: G2pFixture;
let usdc: { code: string; issuer: string };
let accounts: Keypair[];
let loops: G2pLoopsHandle | null = null;
let worker: WorkerHandle | null = null;
const workerLog: string[] = [];
const note = (level: string) => (obj: object, msg?: string) => void workerLog.push(`${level} ${msg ?? ""} ${JSON.stringify(obj)}`);
const testLog = { info: note("info"), warn: note("warn"), error: note("error"), debug: () => {} };

/** The worker loops' last log lines, appended to a wait that times out. */
const recentWorkerLog = () => workerLog.slice(-20).join("\n");

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/** `n` new ledger accounts (2 XLM each) that trust `trust`: receivers sign their own change_trust. */
async function createTrustingAccounts(n: number, trust: Asset): Promise<Keypair[]> {
  const created = Array.from({ length: n }, () => Keypair.random());
  const funders = Array.from({ length: Math.min(4, Math.ceil(n / 25)) }, () => Keypair.random());
  await Promise.all(funders.map((f) => friendbot(config.horizonUrl, f.publicKey())));
  const share = Math.ceil(n / funders.length);
  await Promise.all(
    funders.map(async (funder, f) => {
      const mine = created.slice(f * share, (f + 1) * share);
      for (let i = 0; i < mine.length; i += 100) {
        const ops = mine.slice(i, i + 100).map((a) => Operation.createAccount({ destination: a.publicKey(), startingBalance: "2" }));
        await submitSetupTransaction(config, funder, ops, []);
      }
      for (let i = 0; i < mine.length; i += 19) {
        const chunk = mine.slice(i, i + 19);
        const ops: xdr.Operation[] = chunk.map((a) => Operation.changeTrust({ asset: trust, source: a.publicKey() }));
        await submitSetupTransaction(config, funder, ops, chunk);
      }
    }),
  );
  return created;
}

async function ledgerBalance(address: string, asset: { code: string; issuer: string }): Promise<bigint> {
  const state = await loadAccountState(config.horizonUrl, address);
  if (!state) return -1n;
  const line = state.balances.find((b) => "asset_code" in b && b.asset_code === asset.code && b.asset_issuer === asset.issuer);
  return line ? toStroops(line.balance) : 0n;
}

/** The on-disburse statuses each reference_id was told, in arrival order. */
function statusesByReference(transactionId: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  for (const c of loopback.received) {
    if (c.path !== "/g2p/on-disburse" || c.body?.message?.transaction_id !== transactionId) continue;
    for (const item of c.body.message.disbursements_status as { reference_id: string; status: string }[]) {
      seen.set(item.reference_id, [...(seen.get(item.reference_id) ?? []), item.status]);
    }
  }
  return seen;
}

/** Every reference has been told `status` (as its latest word). */
function allAt(transactionId: string, refs: string[], status: string) {
  const seen = statusesByReference(transactionId);
  const missing = refs.filter((r) => seen.get(r)?.at(-1) !== status);
  return missing.length === 0 ? seen : null;
}

const ORDER = ["rcvd", "pdng", "succ"];
/** rcvd first, succ last, never backwards (a status may be repeated). */
function progresses(statuses: string[]): boolean {
  const ranks = statuses.map((s) => ORDER.indexOf(s));
  return ranks[0] === 0 && ranks.at(-1) === 2 && ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]!));
}

/** Distinct amounts (the spec's two decimals), so a payment credited to the wrong account shows. */
const amountFor = (i: number) => `${1 + Math.floor(i / 100)}.${String(i % 100).padStart(2, "0")}`;

function itemsFor(keys: Keypair[], prefix: string, amount: (i: number) => string = amountFor): TestItem[] {
  return keys.map((k, i) => ({
    reference_id: `${prefix}-${i + 1}`,
    payee_fa: `stellar:${k.publicKey()}`,
    amount: amount(i),
    currency_code: "USD",
    payer_fa: "account:program@treasury",
    payee_name: `Beneficiary ${i + 1}`,
  }));
}

beforeAll(async () => {
  ledgerDir = mkdtempSync(path.join(os.tmpdir(), "g2p-e2e-ledger-"));
  ledger = await startLocalLedger({ dataDir: ledgerDir, closeIntervalMs: 200, maxOpsPerLedger: 0 });
  config = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: ledger.url, CHANNEL_ACCOUNTS: "4" });
  loopback = await startLoopback();
  loopback.respond = () => ackAnswer();
  fx = await g2pFixture(db, { callbackUrl: `${loopback.url}/g2p` });
  await setupOrganizationAccounts(db, fx.org.id, config);
  installLedgerBalanceProvider(db, config);
  const [row] = await db.select().from(assets).where(eq(assets.id, fx.catalog.usdc.id));
  usdc = { code: "USDC", issuer: row!.issuer };
  accounts = await createTrustingAccounts(COUNT + 3, new Asset("USDC", usdc.issuer));
  // The G2P loops of a worker (limited to this organization: other files share the database),
  // quick ticks so the test is short. The payment worker starts later, in the test.
  loops = startG2pLoops({ db: workerPool.db, orgIds: [fx.org.id], callbackIdleMs: 100, reportEveryMs: 250, envelopeEveryMs: 300, log: testLog });
}, 300_000);

afterAll(async () => {
  await loops?.stop();
  await worker?.stop();
  setDistributionBalanceProvider(demoBalanceProvider);
  await loopback?.close();
  await workerPool.sql.end({ timeout: 5 });
  await ledger?.close();
  if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
});

describe("G2P Connect end to end", () => {
  it(`a sender's ${COUNT}-item /disburse is paid on the ledger and reported rcvd → pdng → succ in signed callbacks`, async () => {
    const transactionId = `txn-e2e-${randomSuffix()}`;
    const payees = accounts.slice(0, COUNT);
    const items = itemsFor(payees, `e2e-${randomSuffix()}`);
    const refs = items.map((i) => i.reference_id);

    const ack = await postG2p("/disburse", signedRequest(fx.sender, "disburse", disburseMessage(items, { transactionId })), { key: fx.writeKey });
    expect(ack.status).toBe(200);
    expect(ack.body.message).toMatchObject({ ack_status: "ACK" });
    const correlationId = ack.body.message.correlation_id as string;
    expect(correlationId).toBeTruthy();

    // The answer's callback: every item received, for the request it answers.
    const first = await waitFor(() => loopback.received.find((c) => c.path === "/g2p/on-disburse" && c.body?.message?.correlation_id === correlationId), {
      message: "the on-disburse callback answering the request",
      details: recentWorkerLog,
    });
    expect(first.body.header).toMatchObject({ action: "on-disburse", status: "rcvd", total_count: COUNT, sender_id: fx.org.slug, receiver_id: fx.sender.senderId });
    expect(first.body.message.disbursements_status.map((s: { reference_id: string }) => s.reference_id)).toEqual(refs);

    // The scheduler starts the envelope (complete, no schedule date): every item becomes pdng
    // before any is paid (the payment worker is not running yet).
    await waitFor(() => allAt(transactionId, refs, "pdng"), { timeoutMs: 120_000, message: "pdng for every item", details: recentWorkerLog });
    const [envelope] = await db
      .select({ status: disbursements.status, autoStart: disbursements.autoStart })
      .from(disbursements)
      .innerJoin(sql`g2p_transactions t`, sql`t.disbursement_id = ${disbursements.id}`)
      .where(sql`t.org_id = ${fx.org.id} and t.transaction_id = ${transactionId}`);
    expect(envelope).toEqual({ status: "STARTED", autoStart: true });

    worker = startWorker({ db: workerPool.db, config, orgIds: [fx.org.id], idleMs: 40, leaseMs: 5_000, log: testLog, completeDisbursementIfDone });
    const seen = await waitFor(() => allAt(transactionId, refs, "succ"), { timeoutMs: 240_000, message: "succ for every item", details: recentWorkerLog });
    for (const ref of refs) expect(progresses(seen.get(ref)!), `${ref}: ${seen.get(ref)!.join(" → ")}`).toBe(true);

    // Every callback was signed by the platform for this organization, and JSON.
    const ours = loopback.received.filter((c) => c.body?.header?.receiver_id === fx.sender.senderId);
    const bad = ours.filter((c) => !c.verified || c.body.header.sender_id !== fx.org.slug);
    expect(bad.map((c: ReceivedCallback) => c.verifyReason)).toEqual([]);
    expect(ours.every((c) => c.method === "POST" && c.contentType?.startsWith("application/json"))).toBe(true);
    // Header counts agree with the items each on-disburse callback carries.
    for (const c of ours.filter((c) => c.path === "/g2p/on-disburse")) {
      const list = c.body.message.disbursements_status as { status: string }[];
      expect(c.body.header.total_count).toBe(list.length);
      expect(c.body.header.completed_count).toBe(list.filter((s) => s.status === "succ" || s.status === "rjct").length);
      if (list.every((s) => s.status === "succ")) expect(c.body.header.status).toBe("succ");
    }

    // The ledger: every payee holds exactly its amount, to the stroop.
    const balances = await mapLimit(payees, 16, (k) => ledgerBalance(k.publicKey(), usdc));
    const wrong = items.filter((item, i) => balances[i] !== toStroops(item.amount));
    expect(wrong.map((w) => w.reference_id)).toEqual([]);

    // Every outbound row of the transaction is DELIVERED.
    const rows = (await db.execute(
      sql`select status, attempts from g2p_messages where org_id = ${fx.org.id} and direction = 'outbound' and transaction_id = ${transactionId}`,
    )) as unknown as { status: string; attempts: number }[];
    expect(rows.length).toBeGreaterThanOrEqual(3);
    expect(rows.every((r) => r.status === "DELIVERED")).toBe(true);

    // ---- the status queries report the same -------------------------------------------------
    const platformKey = createPublicKey(platformSigningKey().privateKey);
    const expectAllSucc = (list: { reference_id: string; status: string; amount: string }[]) => {
      expect(list.map((s) => s.reference_id).sort()).toEqual([...refs].sort());
      expect(list.every((s) => s.status === "succ")).toBe(true);
      const byRef = new Map(items.map((i) => [i.reference_id, i.amount]));
      expect(list.every((s) => toStroops(s.amount) === toStroops(byRef.get(s.reference_id)!))).toBe(true);
    };

    const syncSearch = await postG2p("/disburse/sync/search", signedRequest(fx.sender, "search", searchMessage([{ type: "transaction_id", value: transactionId }])), {
      key: fx.writeKey,
    });
    expect(syncSearch.status).toBe(200);
    expect(verifyG2pSignature(syncSearch.body.signature, syncSearch.body.header, syncSearch.body.message, platformKey)).toEqual({ ok: true });
    expect(syncSearch.body.message.search_response).toHaveLength(1);
    expectAllSucc(syncSearch.body.message.search_response[0].data.disbursements_status);

    const syncStatus = await postG2p(
      "/disburse/sync/txn/status",
      signedRequest(fx.sender, "status", txnStatusMessage({ type: "transaction_id", value: transactionId })),
      {
        key: fx.writeKey,
      },
    );
    expect(syncStatus.status).toBe(200);
    expect(verifyG2pSignature(syncStatus.body.signature, syncStatus.body.header, syncStatus.body.message, platformKey)).toEqual({ ok: true });
    expectAllSucc(syncStatus.body.message.txnstatus_response.txn_status.disbursements_status);

    // Async: ACK now, the answer arrives as a signed callback.
    const search = await postG2p("/disburse/search", signedRequest(fx.sender, "search", searchMessage([{ type: "transaction_id", value: transactionId }])), {
      key: fx.writeKey,
    });
    expect(search.body.message.ack_status).toBe("ACK");
    const onSearch = await waitFor(
      () => loopback.received.find((c) => c.path === "/g2p/disburse/on-search" && c.body?.message?.correlation_id === search.body.message.correlation_id),
      { message: "the on-search callback", details: recentWorkerLog },
    );
    expect(onSearch.verified).toBe(true);
    expectAllSucc(onSearch.body.message.search_response[0].data.disbursements_status);

    const status = await postG2p("/disburse/txn/status", signedRequest(fx.sender, "status", txnStatusMessage({ type: "reference_id_list", value: refs })), {
      key: fx.writeKey,
    });
    expect(status.body.message.ack_status).toBe("ACK");
    const onStatus = await waitFor(
      () => loopback.received.find((c) => c.path === "/g2p/disburse/txn/on-status" && c.body?.message?.correlation_id === status.body.message.correlation_id),
      { message: "the txn on-status callback", details: recentWorkerLog },
    );
    expect(onStatus.verified).toBe(true);
    expectAllSucc(onStatus.body.message.txnstatus_response.txn_status.disbursements_status);
  }, 480_000);

  it("an envelope declared up front and received in two messages starts only when complete and when its date has come", async () => {
    const transactionId = `txn-env-${randomSuffix()}`;
    const payees = accounts.slice(COUNT, COUNT + 3);
    const items = itemsFor(payees, `env-${randomSuffix()}`, (i) => `${i + 1}.25`);
    const refs = items.map((i) => i.reference_id);
    // Far ahead, so no machine is slow enough to reach it by itself: the test brings the date forward
    // once the envelope is complete, instead of racing the clock.
    const schedule = new Date(Date.now() + 3_600_000);
    const envelope = { number_of_disbursements: 3, total_disbursement_amount: "6.75", disbursement_schedule_date: schedule.toISOString() };
    const scheduler = (now: Date) => startDueEnvelopes(db, { orgIds: [fx.org.id], now });

    const first = await postG2p("/disburse", signedRequest(fx.sender, "disburse", disburseMessage(items.slice(0, 2), { transactionId, envelope })), { key: fx.writeKey });
    expect(first.body.message.ack_status, first.text).toBe("ACK");
    const [link] = (await db.execute(sql`select disbursement_id from g2p_transactions where org_id = ${fx.org.id} and transaction_id = ${transactionId}`)) as unknown as {
      disbursement_id: string;
    }[];
    const id = link!.disbursement_id;
    const envelopeState = async () => (await db.select().from(disbursements).where(eq(disbursements.id, id)))[0]!;
    expect(await envelopeState()).toMatchObject({ status: "READY", declaredCount: 3, autoStart: true, scheduledAt: schedule });

    // Incomplete: even once its date has come, the scheduler holds it.
    const afterSchedule = new Date(schedule.getTime() + 1_000);
    expect((await scheduler(afterSchedule)).held).toContainEqual({ id, reason: "The envelope has not received everything it declares." });
    expect((await envelopeState()).status).toBe("READY");
    const second = await postG2p("/disburse", signedRequest(fx.sender, "disburse", disburseMessage(items.slice(2), { transactionId, envelope })), { key: fx.writeKey });
    expect(second.body.message.ack_status, second.text).toBe("ACK");
    // Complete, not yet due: not among the due envelopes, and held for its date when asked directly.
    const beforeSchedule = new Date(schedule.getTime() - 1_000);
    const early = await scheduler(beforeSchedule);
    expect([...early.started, ...early.held.map((h) => h.id)]).not.toContain(id);
    expect(await startEnvelopeBySchedule(db, fx.org.id, id, beforeSchedule)).toEqual({
      started: false,
      reason: `The envelope is scheduled for ${schedule.toISOString()}.`,
    });
    expect((await envelopeState()).status).toBe("READY");

    // The date comes: the running scheduler loop starts it on its own.
    const due = new Date();
    await db.update(disbursements).set({ scheduledAt: due }).where(eq(disbursements.id, id));
    await waitFor(async () => (await envelopeState()).status !== "READY", { timeoutMs: 120_000, message: "the envelope to start", details: recentWorkerLog });
    const started = (await envelopeState()).statusHistory.find((h) => h.status === "STARTED");
    expect(started, "a STARTED history entry").toBeDefined();
    expect(started!.user_id).toBeNull(); // the scheduler, not a person
    expect(new Date(started!.timestamp).getTime()).toBeGreaterThanOrEqual(due.getTime());

    await waitFor(() => allAt(transactionId, refs, "succ"), { timeoutMs: 180_000, message: "succ for the three items", details: recentWorkerLog });
    const balances = await mapLimit(payees, 3, (k) => ledgerBalance(k.publicKey(), usdc));
    expect(balances).toEqual(items.map((i) => toStroops(i.amount)));
  }, 360_000);
});
