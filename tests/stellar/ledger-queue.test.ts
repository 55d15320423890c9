/**
 * Local ledger: the queue and the Horizon surface — stored results and resubmission, GET
 * /transactions/{hash}, one pending transaction per source, the operations-per-ledger cap with fee
 * ranking, async submission statuses, fault injection, persistence across a restart, friendbot.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Horizon, NotFoundError } from "@stellar/stellar-sdk";
import {
  Account,
  Asset,
  Keypair,
  Operation,
  XLM,
  balance,
  buildTx,
  buildTxFrom,
  fundedAccounts,
  sequence,
  startTestLedger,
  submitBadResponse,
  submitFailing,
  waitForTransaction,
  xdr,
  type TestLedger,
} from "./helpers";
import { sleep, waitFor } from "../support/wait";

const native = Asset.native();
const pay = (to: Keypair | string, amount = "1") => Operation.payment({ destination: typeof to === "string" ? to : to.publicKey(), asset: native, amount });

/** POST a transaction to /transactions_async with fetch: status and body. */
async function submitAsync(url: string, envelope: string): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${url}/transactions_async`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: `tx=${encodeURIComponent(envelope)}`,
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

describe("stored results and lookups", () => {
  let t: TestLedger;
  let alice: Keypair;
  let bob: Keypair;
  beforeAll(async () => {
    t = await startTestLedger();
    [alice, bob] = await fundedAccounts(t.server, 2);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it("GET /transactions/{hash} finds an applied transaction; its operation ids are Horizon TOIDs", async () => {
    const tx = await buildTx(t.server, alice, [pay(bob, "1"), pay(bob, "2")]);
    const res = await t.server.submitTransaction(tx);
    const rec = await t.server.transactions().transaction(res.hash).call();
    expect(rec.hash).toBe(Buffer.from(tx.hash()).toString("hex"));
    expect(rec.successful).toBe(true);
    expect(rec.envelope_xdr).toBe(tx.toEnvelope().toXdr("base64"));
    expect(rec.result_xdr).toBe(res.result_xdr);
    expect(rec.source_account).toBe(alice.publicKey());
    expect(rec.source_account_sequence).toBe(tx.sequence);
    expect(String(rec.fee_charged)).toBe("200");
    expect(rec.operation_count).toBe(2);
    const ledger = res.ledger;
    const raw = rec as unknown as { operation_ids: string[]; paging_token: string };
    const order = (BigInt(raw.paging_token) >> 12n) & 0xfffffn;
    expect(BigInt(raw.paging_token) >> 32n).toBe(BigInt(ledger));
    expect(raw.operation_ids).toEqual([1n, 2n].map((i) => ((BigInt(ledger) << 32n) | (order << 12n) | i).toString()));
    const ops = await t.server.operations().forTransaction(res.hash).call();
    expect(ops.records.map((o) => o.id)).toEqual(raw.operation_ids);
    expect(ops.records[0]).toMatchObject({ type: "payment", from: alice.publicKey(), to: bob.publicKey(), amount: "1.0000000", asset_type: "native" });
  });

  it("GET /transactions/{hash} of an unknown hash is 404", async () => {
    await expect(t.server.transactions().transaction("ab".repeat(32)).call()).rejects.toBeInstanceOf(NotFoundError);
  });

  it("resubmitting an applied transaction returns its stored result, and nothing is applied twice", async () => {
    const tx = await buildTx(t.server, alice, [pay(bob, "4")]);
    const first = await t.server.submitTransaction(tx);
    const bobAfter = await balance(t.server, bob.publicKey());
    const again = await t.server.submitTransaction(tx);
    expect(again.hash).toBe(first.hash);
    expect(again.ledger).toBe(first.ledger);
    expect(again.result_xdr).toBe(first.result_xdr);
    expect(await balance(t.server, bob.publicKey())).toBe(bobAfter);

    // A failed (tx_failed) one: the stored failure again, same result_xdr.
    const failing = await buildTx(t.server, alice, [pay(Keypair.random(), "1")]);
    const f1 = await submitFailing(t.server, failing);
    const f2 = await submitFailing(t.server, failing);
    expect(f2.codes).toEqual({ transaction: "tx_failed", operations: ["op_no_destination"] });
    expect(f2.resultXdr).toBe(f1.resultXdr);
  });

  it("GET / tells the network; GET /accounts/{id} of a missing account is 404; the root holds the coins", async () => {
    const root = await t.server.root();
    expect(root.network_passphrase).toBe("Standalone Network ; February 2017");
    expect(root.history_latest_ledger).toBeGreaterThan(1);
    expect(root.core_latest_ledger).toBe(root.history_latest_ledger);
    await expect(t.server.loadAccount(Keypair.random().publicKey())).rejects.toBeInstanceOf(NotFoundError);
    const rootBalance = (await balance(t.server, t.handle.rootKeypair.publicKey()))!;
    // 100 billion XLM less what friendbot handed out (10,000 XLM per account).
    expect(rootBalance).toBe(100_000_000_000n * XLM - 2n * 10_000n * XLM);
    expect(await t.server.fetchBaseFee()).toBe(100);
  });

  it("an account answer has what loadAccount and the SEP-29 memo check need", async () => {
    const a = await t.server.loadAccount(alice.publicKey());
    expect(typeof a.sequence).toBe("string");
    expect(a.accountId()).toBe(alice.publicKey());
    expect(a.data_attr).toEqual({});
    expect(a.flags).toEqual({ auth_required: false, auth_revocable: false, auth_immutable: false, auth_clawback_enabled: false });
    expect(a.num_sponsoring).toBe(0);
    // Without skipMemoRequiredCheck the SDK loads every destination first.
    const res = await t.server.submitTransaction(await buildTx(t.server, alice, [pay(bob, "1")]));
    expect(res.successful).toBe(true);
  });

  it("friendbot funds a new account with 10,000 XLM from the root; twice fails op_already_exists", async () => {
    const kp = Keypair.random();
    const rootBefore = (await balance(t.server, t.handle.rootKeypair.publicKey()))!;
    const res = await t.server.friendbot(kp.publicKey()).call();
    expect((res as unknown as { successful: boolean }).successful).toBe(true);
    expect(await balance(t.server, kp.publicKey())).toBe(10_000n * XLM);
    expect(await balance(t.server, t.handle.rootKeypair.publicKey())).toBe(rootBefore - 10_000n * XLM);
    const again = await fetch(`${t.handle.url}/friendbot?addr=${kp.publicKey()}`);
    expect(again.status).toBe(400);
    expect(((await again.json()) as { extras: { result_codes: unknown } }).extras.result_codes).toEqual({ transaction: "tx_failed", operations: ["op_already_exists"] });
    expect((await fetch(`${t.handle.url}/friendbot?addr=nope`)).status).toBe(400);
  });

  it("friendbot batches concurrent requests", async () => {
    const kps = await fundedAccounts(t.server, 12);
    for (const kp of kps) expect(await balance(t.server, kp.publicKey())).toBe(10_000n * XLM);
  });
});

describe("queue: one pending transaction per source, async statuses, the ops-per-ledger cap", () => {
  let t: TestLedger;
  let accounts: Keypair[];
  beforeAll(async () => {
    t = await startTestLedger();
    accounts = await fundedAccounts(t.server, 7);
    // From here on ledgers close only when the test says so.
    await t.close();
    t = await startTestLedger({ dataDir: t.dataDir, closeIntervalMs: 0, maxOpsPerLedger: 250 });
  });
  afterAll(async () => {
    await t.destroy();
  });

  it("async: PENDING, DUPLICATE, TRY_AGAIN_LATER for a second transaction of the same source, ERROR when invalid", async () => {
    const [a, b] = accounts as [Keypair, Keypair];
    const { sequence: seqNow } = await t.server.loadAccount(a.publicKey());
    // Two different transactions with the same (next) sequence number.
    const tx1 = buildTxFrom(new Account(a.publicKey(), seqNow), a, [pay(b, "1")]);
    const tx2 = buildTxFrom(new Account(a.publicKey(), seqNow), a, [pay(b, "2")]);

    const r1 = await submitAsync(t.handle.url, tx1.toXdr());
    expect(r1).toEqual({ status: 201, body: { tx_status: "PENDING", hash: Buffer.from(tx1.hash()).toString("hex") } });
    expect((await submitAsync(t.handle.url, tx1.toXdr())).body.tx_status).toBe("DUPLICATE");
    const busy = await submitAsync(t.handle.url, tx2.toXdr());
    expect(busy).toEqual({ status: 503, body: { tx_status: "TRY_AGAIN_LATER", hash: Buffer.from(tx2.hash()).toString("hex") } });
    // The synchronous endpoint answers a busy source with tx_bad_seq.
    const viaSync = await submitFailing(t.server, tx2);
    expect(viaSync.codes).toEqual({ transaction: "tx_bad_seq" });

    const bad = buildTxFrom(new Account(a.publicKey(), seqNow), a, [pay(b, "3")], { signers: [Keypair.random()] });
    const err = await submitAsync(t.handle.url, bad.toXdr());
    expect(err.status).toBe(400);
    expect(err.body.tx_status).toBe("ERROR");
    expect(xdr.TransactionResult.fromXdr(err.body.error_result_xdr!, "base64").result.type).toBe("txBadAuth");

    // The SDK's submitAsyncTransaction reads the same answer.
    const viaSdk = await t.server.submitAsyncTransaction(tx1, { skipMemoRequiredCheck: true }).catch((e: { response: { status: number; data: unknown } }) => e.response);
    expect((viaSdk as { data: { tx_status: string } }).data.tx_status).toBe("DUPLICATE");

    // Not applied until a ledger closes.
    await expect(t.server.transactions().transaction(r1.body.hash!).call()).rejects.toBeInstanceOf(NotFoundError);
    const seq = await sequence(t.server, a.publicKey());
    const header = t.handle.ledger.closeLedger();
    const rec = await t.server.transactions().transaction(r1.body.hash!).call();
    expect(rec.successful).toBe(true);
    expect(rec.ledger_attr).toBe(header.sequence);
    expect(await sequence(t.server, a.publicKey())).toBe(seq + 1n);
    // Once applied, the other transaction with the same sequence number is now simply stale.
    expect((await submitAsync(t.handle.url, tx2.toXdr())).body.tx_status).toBe("ERROR");
  });

  it("a burst over the cap is split over several ledgers, highest fee per operation first", async () => {
    const dests = Array.from({ length: 100 }, () => Keypair.random().publicKey());
    // 5 channel-like sources × 100 operations against a cap of 250 operations per ledger.
    const [d0, ...sources] = accounts.slice(1) as Keypair[];
    await t.server.submitAsyncTransaction(
      await buildTx(
        t.server,
        d0!,
        dests.map((d) => Operation.createAccount({ destination: d, startingBalance: "1" })),
      ),
      { skipMemoRequiredCheck: true },
    );
    t.handle.ledger.closeLedger();
    const hashes: string[] = [];
    for (const [i, src] of sources.slice(0, 5).entries()) {
      // the last one bids 200 per operation, the others 100
      const tx = await buildTx(
        t.server,
        src,
        dests.map((d) => pay(d, "0.0000001")),
        { fee: i === 4 ? 200 : 100 },
      );
      const r = await submitAsync(t.handle.url, tx.toXdr());
      expect(r.body.tx_status).toBe("PENDING");
      hashes.push(r.body.hash!);
    }
    const l1 = t.handle.ledger.closeLedger();
    const l2 = t.handle.ledger.closeLedger();
    const l3 = t.handle.ledger.closeLedger();
    expect([l1.txSetOperationCount, l2.txSetOperationCount, l3.txSetOperationCount]).toEqual([200, 200, 100]);
    const ledgers = await Promise.all(hashes.map(async (h) => (await t.server.transactions().transaction(h).call()).ledger_attr));
    // The high bidder (submitted last) made the first ledger, then arrival order.
    expect(ledgers).toEqual([l1.sequence, l2.sequence, l2.sequence, l3.sequence, l1.sequence]);
    // Surge pricing: in the first ledger both paid the lowest accepted bid (100/op); fee_stats shows capacity used.
    const first = await t.server.transactions().transaction(hashes[4]!).call();
    expect(String(first.fee_charged)).toBe("10000");
    for (const d of dests.slice(0, 3)) expect(await balance(t.server, d)).toBe(XLM + 5n);
  });
});

describe("fault injection", () => {
  let t: TestLedger;
  let senders: Keypair[];
  let sink: Keypair;
  beforeAll(async () => {
    t = await startTestLedger();
    [sink, ...senders] = await fundedAccounts(t.server, 14);
  });
  afterAll(async () => {
    await t.destroy();
  });

  it("a 504 after acceptance: the transaction still applies and the hash lookup finds it", async () => {
    t.handle.setFaults({ timeoutRate: 1 });
    const tx = await buildTx(t.server, senders[0]!, [pay(sink, "3")]);
    const before = (await balance(t.server, sink.publicKey()))!;
    const r = await submitBadResponse(t.server, tx);
    expect(r.status).toBe(504);
    expect((r.data as { extras: { hash: string } }).extras.hash).toBe(Buffer.from(tx.hash()).toString("hex"));
    t.handle.setFaults({ timeoutRate: 0 });
    const rec = await waitForTransaction(t.server, Buffer.from(tx.hash()).toString("hex"));
    expect(rec.successful).toBe(true);
    expect(await balance(t.server, sink.publicKey())).toBe(before + 3n * XLM);
    // Resubmitting the same envelope after the timeout is safe: the stored result comes back.
    const again = await t.server.submitTransaction(tx);
    expect(again.hash).toBe(rec.hash);
    expect(await balance(t.server, sink.publicKey())).toBe(before + 3n * XLM);
  });

  it("429 and 500: nothing is applied", async () => {
    t.handle.setFaults({ rate429: 1 });
    const tx1 = await buildTx(t.server, senders[1]!, [pay(sink, "1")]);
    expect((await submitBadResponse(t.server, tx1)).status).toBe(429);
    t.handle.setFaults({ rate429: 0, rate500: 1 });
    const tx2 = await buildTx(t.server, senders[2]!, [pay(sink, "1")]);
    expect((await submitBadResponse(t.server, tx2)).status).toBe(500);
    t.handle.setFaults({ rate500: 0 });
    await sleep(300); // a few ledgers
    for (const tx of [tx1, tx2]) {
      await expect(t.server.transactions().transaction(Buffer.from(tx.hash()).toString("hex")).call()).rejects.toBeInstanceOf(NotFoundError);
    }
    // The same transactions go through once the faults are off.
    expect((await t.server.submitTransaction(tx1)).successful).toBe(true);
  });

  it("dropped connections: some transactions applied, some not, reproducibly from the seed", async () => {
    t.handle.setFaults({ dropRate: 1, seed: 7 });
    const txs = await Promise.all(senders.slice(3, 13).map((s) => buildTx(t.server, s, [pay(sink, "1")])));
    for (const tx of txs) {
      await expect(t.server.submitTransaction(tx, { skipMemoRequiredCheck: true })).rejects.toThrow();
    }
    const counts = { ...t.handle.faults.counts };
    t.handle.setFaults({ dropRate: 0 });
    expect(counts.dropBefore + counts.dropAfter).toBe(10);
    expect(counts.dropBefore).toBeGreaterThan(0);
    expect(counts.dropAfter).toBeGreaterThan(0);
    // Wait until everything that was queued has gone through a ledger.
    await waitFor(() => t.handle.ledger.pendingCount === 0, { intervalMs: 20, message: "the queued transactions to go through a ledger" });
    let applied = 0;
    for (const tx of txs) {
      try {
        await t.server.transactions().transaction(Buffer.from(tx.hash()).toString("hex")).call();
        applied++;
      } catch (e) {
        expect(e).toBeInstanceOf(NotFoundError);
      }
    }
    expect(applied).toBe(counts.dropAfter);
  });

  it("added latency, and the admin endpoint", async () => {
    const set = await fetch(`${t.handle.url}/_faults`, { method: "POST", body: JSON.stringify({ latencyMs: 2_000 }) });
    expect(((await set.json()) as { latencyMs: number }).latencyMs).toBe(2_000);
    // Order, not a stopwatch: a ledger request sent first is overtaken by an admin request sent
    // after it (the admin endpoint has no added latency), and still answers.
    const answered: string[] = [];
    const root = t.server.root().then(() => answered.push("root"));
    await sleep(50); // the root request goes out first
    await fetch(`${t.handle.url}/_faults`).then(() => answered.push("admin"));
    await root;
    expect(answered).toEqual(["admin", "root"]);
    await fetch(`${t.handle.url}/_faults`, { method: "POST", body: JSON.stringify({ latencyMs: 0 }) });
    const got = (await (await fetch(`${t.handle.url}/_faults`)).json()) as { latencyMs: number; timeoutRate: number };
    expect(got).toMatchObject({ latencyMs: 0, timeoutRate: 0 });
  });
});

describe("persistence", () => {
  it("balances, sequence numbers, trustlines, the ledger number and transactions survive a restart", async () => {
    let t = await startTestLedger();
    const [a, b, issuer] = await fundedAccounts(t.server, 3);
    const USD = new Asset("USD", issuer!.publicKey());
    await t.server.submitTransaction(await buildTx(t.server, b!, [Operation.changeTrust({ asset: USD, limit: "500" })]));
    const paid = await t.server.submitTransaction(await buildTx(t.server, a!, [pay(b!, "12.3456789")]));
    await t.server.submitTransaction(await buildTx(t.server, issuer!, [Operation.payment({ destination: b!.publicKey(), asset: USD, amount: "42" })]));
    const snapshot = async (server: Horizon.Server) =>
      Promise.all(
        [a!, b!, issuer!, t.handle.rootKeypair].map(async (k) => {
          const acc = await server.loadAccount(k.publicKey());
          return { id: acc.id, sequence: acc.sequence, balances: acc.balances, subentries: acc.subentry_count };
        }),
      );
    const before = await snapshot(t.server);
    const ledgerBefore = t.handle.ledger.ledgerSeq;
    await t.close();

    t = await startTestLedger({ dataDir: t.dataDir });
    try {
      expect(await snapshot(t.server)).toEqual(before);
      expect(t.handle.ledger.ledgerSeq).toBeGreaterThanOrEqual(ledgerBefore);
      const rec = await t.server.transactions().transaction(paid.hash).call();
      expect(rec.successful).toBe(true);
      expect(rec.result_xdr).toBe(paid.result_xdr);
      // And it keeps going: the next sequence number works, resubmission still answers from history.
      const res = await t.server.submitTransaction(await buildTx(t.server, a!, [pay(b!, "1")]));
      expect(res.successful).toBe(true);
      expect(res.ledger).toBeGreaterThan(ledgerBefore);
    } finally {
      await t.destroy();
    }
  });

  it("a journal torn by a crash between the two writes is completed from accounts.json", async () => {
    let t = await startTestLedger();
    const [a, b] = await fundedAccounts(t.server, 2);
    const res = await t.server.submitTransaction(await buildTx(t.server, a, [pay(b, "1")]));
    const bBalance = await balance(t.server, b.publicKey());
    await t.close();
    // The payment's journal line is the last one: leave only a torn half of it.
    const file = path.join(t.dataDir, "transactions.ndjson");
    const lines = readFileSync(file, "utf8").trimEnd().split("\n");
    writeFileSync(file, `${lines.slice(0, -1).join("\n")}\n${lines[lines.length - 1]!.slice(0, 40)}`);

    t = await startTestLedger({ dataDir: t.dataDir });
    try {
      const rec = await t.server.transactions().transaction(res.hash).call();
      expect(rec.result_xdr).toBe(res.result_xdr);
      expect(await balance(t.server, b.publicKey())).toBe(bBalance);
      const repaired = readFileSync(file, "utf8");
      expect(repaired.endsWith("\n")).toBe(true);
      expect(
        repaired
          .trimEnd()
          .split("\n")
          .map((l) => (JSON.parse(l) as { hash: string }).hash),
      ).toContain(res.hash);
    } finally {
      await t.destroy();
    }
  });
});
