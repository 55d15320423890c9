/**
 * The local ledger serves what `@stellar/stellar-sdk`'s Horizon client calls (issue 15, "The local ledger
 * serves what the SDK calls"): history collections with Horizon's shapes and paging, Server-Sent Events,
 * account / asset queries, and Horizon's 404 problem for what it does not model. Real HTTP against a
 * started ledger, spoken to only through the SDK's own builders (plus `fetch` for /health and the raw
 * event stream).
 */
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Asset, Horizon, Keypair, NetworkError, NotFoundError, Operation } from "@stellar/stellar-sdk";
import { buildTx, fundedAccounts, startTestLedger, submitFailing, type TestLedger } from "../stellar/helpers";
import { waitFor } from "../support/wait";

let t: TestLedger;
let server: Horizon.Server;
let alice: Keypair;
let bob: Keypair;
/** Seven payments alice → bob of 1..7 XLM in one transaction. */
let payHash: string;
let payLedger: number;
let payOpIds: string[];

beforeAll(async () => {
  t = await startTestLedger({ closeIntervalMs: 100 });
  server = t.server;
  [alice, bob] = await fundedAccounts(server, 2);
  const tx = await buildTx(
    server,
    alice,
    [1, 2, 3, 4, 5, 6, 7].map((n) => Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: String(n) })),
  );
  const res = await server.submitTransaction(tx);
  payHash = res.hash;
  payLedger = res.ledger;
  payOpIds = (await server.operations().forTransaction(payHash).call()).records.map((r) => r.id);
});

afterAll(async () => {
  await t?.destroy();
});

const amounts = (records: Array<{ type: string; amount?: string; starting_balance?: string }>) =>
  records.map((r) => (r.type === "create_account" ? `create:${r.starting_balance}` : r.amount));

describe("payments, operations and effects through the SDK's builders", () => {
  it("pages an account's payments newest first with cursor, order, limit, next() and prev()", async () => {
    const first = await server.payments().forAccount(alice.publicKey()).order("desc").limit(5).call();
    expect(amounts(first.records as never)).toEqual(["7.0000000", "6.0000000", "5.0000000", "4.0000000", "3.0000000"]);
    for (const r of first.records) expect(r.transaction_hash).toBe(payHash);

    // next(): the rest, down to friendbot's create_account that funded alice.
    const second = await first.next();
    expect(amounts(second.records as never)).toEqual(["2.0000000", "1.0000000", "create:10000.0000000"]);
    const third = await second.next();
    expect(third.records).toEqual([]);

    // prev() of the second page: ascending from its first record.
    const back = await second.prev();
    expect(amounts(back.records as never)).toEqual(["3.0000000", "4.0000000", "5.0000000", "6.0000000", "7.0000000"]);

    // An explicit cursor: strictly after (here: before, descending) that paging token.
    const fromCursor = await server.payments().forAccount(alice.publicKey()).cursor(first.records[1]!.paging_token).order("desc").limit(5).call();
    expect(amounts(fromCursor.records as never)).toEqual(["5.0000000", "4.0000000", "3.0000000", "2.0000000", "1.0000000"]);
  });

  it("renders payments as Horizon does", async () => {
    const page = await server.payments().forAccount(bob.publicKey()).order("desc").limit(1).call();
    const p = page.records[0]! as Horizon.ServerApi.PaymentOperationRecord;
    expect(p).toMatchObject({
      id: payOpIds[6],
      paging_token: payOpIds[6],
      type: "payment",
      type_i: 1,
      transaction_successful: true,
      source_account: alice.publicKey(),
      from: alice.publicKey(),
      to: bob.publicKey(),
      asset_type: "native",
      amount: "7.0000000",
      transaction_hash: payHash,
    });
    // The SDK turns `_links` into functions: the transaction link leads to the transaction.
    const tx = await p.transaction();
    expect(tx.hash).toBe(payHash);
  });

  it("lists a ledger's transactions (not the ledger record) and a transaction's operations", async () => {
    const txs = await server.transactions().forLedger(payLedger).call();
    expect(txs.records.map((r) => r.hash)).toContain(payHash);
    for (const r of txs.records) expect(r.ledger_attr).toBe(payLedger);

    const ops = await server.operations().forTransaction(payHash).limit(3).call();
    expect(ops.records.map((r) => r.id)).toEqual(payOpIds.slice(0, 3));
    const more = await ops.next();
    expect(more.records.map((r) => r.id)).toEqual(payOpIds.slice(3, 6));
    expect(payOpIds).toHaveLength(7);

    const inLedger = await server.payments().forLedger(payLedger).limit(200).call();
    expect(inLedger.records.map((r) => r.id)).toEqual(expect.arrayContaining(payOpIds));

    const txPayments = await server.payments().forTransaction(payHash).call();
    expect(txPayments.records).toHaveLength(7);

    // An account the ledger has never seen has no history: 404, as Horizon answers.
    await expect(server.payments().forAccount(Keypair.random().publicKey()).call()).rejects.toBeInstanceOf(NotFoundError);
  });

  it("derives effects: credited / debited per payment, per account, transaction and operation", async () => {
    const ofTx = await server.effects().forTransaction(payHash).limit(20).call();
    expect(ofTx.records).toHaveLength(14);
    expect(ofTx.records.slice(0, 2)).toMatchObject([
      { type: "account_credited", type_i: 2, account: bob.publicKey(), asset_type: "native", amount: "1.0000000", paging_token: `${payOpIds[0]}-1` },
      { type: "account_debited", type_i: 3, account: alice.publicKey(), asset_type: "native", amount: "1.0000000", paging_token: `${payOpIds[0]}-2` },
    ]);

    const ofBob = await server.effects().forAccount(bob.publicKey()).order("desc").limit(2).call();
    expect(ofBob.records.map((r) => [r.type, (r as { amount?: string }).amount])).toEqual([
      ["account_credited", "7.0000000"],
      ["account_credited", "6.0000000"],
    ]);
    // Effects page by their own "opid-n" tokens.
    const olderOfBob = await ofBob.next();
    expect(olderOfBob.records.map((r) => (r as { amount?: string }).amount)).toEqual(["5.0000000", "4.0000000"]);

    const ofOp = await server.effects().forOperation(payOpIds[2]!).call();
    expect(ofOp.records.map((r) => r.type)).toEqual(["account_credited", "account_debited"]);

    // friendbot's create_account: account_created, account_debited (the funder), signer_created.
    const created = await server.effects().forAccount(alice.publicKey()).order("asc").limit(2).call();
    expect(created.records.map((r) => r.type)).toEqual(["account_created", "signer_created"]);
    expect(created.records[0]).toMatchObject({ starting_balance: "10000.0000000" });

    const all = await server.effects().order("desc").limit(3).call();
    expect(all.records).toHaveLength(3);
  });

  it("refuses paging parameters Horizon refuses, naming the field", async () => {
    for (const [call, field] of [
      [() => server.payments().limit(500).call(), "limit"],
      [() => server.operations().cursor("not-a-token").call(), "cursor"],
      [
        () =>
          server
            .effects()
            .order("sideways" as "asc")
            .call(),
        "order",
      ],
    ] as const) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NetworkError);
      expect((err as NetworkError).getResponse()).toMatchObject({ status: 400, extras: { invalid_field: field } });
    }
  });

  it("leaves the operations of failed transactions out unless include_failed", async () => {
    const [payer] = await fundedAccounts(server, 1);
    const nobody = Keypair.random().publicKey();
    const tx = await buildTx(server, payer, [Operation.payment({ destination: nobody, asset: Asset.native(), amount: "1" })]);
    const failure = await submitFailing(server, tx);
    expect(failure.codes.operations).toEqual(["op_no_destination"]);
    const hash = Buffer.from(tx.hash()).toString("hex");

    const plain = await server.operations().forAccount(payer.publicKey()).order("desc").call();
    expect(plain.records.map((r) => r.transaction_hash)).not.toContain(hash);
    const withFailed = await server.operations().forAccount(payer.publicKey()).includeFailed(true).order("desc").call();
    expect(withFailed.records[0]).toMatchObject({ transaction_hash: hash, transaction_successful: false, type: "payment" });
    // A failed transaction's own operations are always listed; it has no effects.
    expect((await server.operations().forTransaction(hash).call()).records).toHaveLength(1);
    expect((await server.effects().forTransaction(hash).call()).records).toEqual([]);
  });
});

describe("accounts, assets and what is not modelled", () => {
  it("finds accounts by signer and by asset, and reports asset stats", async () => {
    const [issuer, holder] = await fundedAccounts(server, 2);
    const cosigner = Keypair.random();
    const usd = new Asset("USD", issuer.publicKey());
    await server.submitTransaction(
      await buildTx(server, holder, [Operation.changeTrust({ asset: usd }), Operation.setOptions({ signer: { ed25519PublicKey: cosigner.publicKey(), weight: 1 } })]),
    );
    await server.submitTransaction(await buildTx(server, issuer, [Operation.payment({ destination: holder.publicKey(), asset: usd, amount: "10" })]));

    const bySigner = await server.accounts().forSigner(cosigner.publicKey()).call();
    expect(bySigner.records.map((r) => r.id)).toEqual([holder.publicKey()]);
    const byOwnKey = await server.accounts().forSigner(holder.publicKey()).call();
    expect(byOwnKey.records.map((r) => r.id)).toEqual([holder.publicKey()]);
    const byAsset = await server.accounts().forAsset(usd).call();
    expect(byAsset.records.map((r) => r.id)).toEqual([holder.publicKey()]);

    const assets = await server.assets().forCode("USD").forIssuer(issuer.publicKey()).call();
    expect(assets.records).toHaveLength(1);
    expect(assets.records[0]).toMatchObject({
      asset_type: "credit_alphanum4",
      asset_code: "USD",
      asset_issuer: issuer.publicKey(),
      paging_token: `USD_${issuer.publicKey()}_credit_alphanum4`,
      accounts: { authorized: 1, authorized_to_maintain_liabilities: 0, unauthorized: 0 },
      balances: { authorized: "10.0000000", authorized_to_maintain_liabilities: "0.0000000", unauthorized: "0.0000000" },
      flags: { auth_required: false, auth_revocable: false, auth_immutable: false, auth_clawback_enabled: false },
    });

    // The holder's effects: trustline_created, then signer_created for the cosigner.
    const fx = await server.effects().forAccount(holder.publicKey()).order("desc").limit(3).call();
    expect(fx.records.map((r) => r.type)).toEqual(["account_credited", "signer_created", "trustline_created"]);
  });

  it("answers empty pages for claimable balances, offers and trades, and /health", async () => {
    expect((await server.claimableBalances().call()).records).toEqual([]);
    expect((await server.offers().forAccount(alice.publicKey()).call()).records).toEqual([]);
    expect((await server.trades().forAccount(alice.publicKey()).call()).records).toEqual([]);
    const health = await fetch(`${t.handle.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ database_connected: true, core_up: true, core_synced: true });
  });

  it("answers Horizon's 404 problem for order books, paths, liquidity pools and trade aggregations", async () => {
    const calls = [
      () => server.orderbook(Asset.native(), new Asset("USD", alice.publicKey())).call(),
      () => server.strictSendPaths(Asset.native(), "1", [new Asset("USD", alice.publicKey())]).call(),
      () => server.liquidityPools().call(),
      () => server.tradeAggregation(Asset.native(), new Asset("USD", alice.publicKey()), 0, Date.now(), 60_000, 0).call(),
    ];
    for (const call of calls) {
      const err = await call().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NotFoundError);
      // The SDK hands the problem document itself to NotFoundError.
      const body = (err as NotFoundError).getResponse() as unknown as Record<string, unknown>;
      expect(body).toMatchObject({ type: "https://stellar.org/horizon-errors/not_found", title: "Resource Missing", status: 404 });
      expect(body.detail).toMatch(/does not model/);
    }
  });
});

describe("streaming (Server-Sent Events)", () => {
  it("streams a new payment from cursor 'now' and nothing older, then closes", async () => {
    const seen: Horizon.ServerApi.OperationRecord[] = [];
    const errors: unknown[] = [];
    const close = server
      .payments()
      .forAccount(bob.publicKey())
      .cursor("now")
      .stream({ onmessage: (r) => seen.push(r as never), onerror: (e) => errors.push(e) });
    try {
      // The stream starts at "now" whenever the EventSource connects, so pay until one payment arrives:
      // only payments made after the stream started may show up, never the older ones.
      const hashes: string[] = [];
      await waitFor(
        async () => {
          if (seen.length > 0) return true;
          const res = await server.submitTransaction(
            await buildTx(server, alice, [Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: "42" })]),
          );
          hashes.push(res.hash);
          return seen.length > 0;
        },
        { message: "a streamed payment", intervalMs: 500, details: () => JSON.stringify(errors) },
      );
      expect(seen[0]).toMatchObject({ type: "payment", amount: "42.0000000", to: bob.publicKey() });
      expect(hashes).toContain(seen[0]!.transaction_hash);
      expect(seen.every((r) => (r as { amount?: string }).amount === "42.0000000")).toBe(true);
      expect(t.handle.ledger.closeListenerCount).toBe(1);
    } finally {
      close();
    }
    // Closing the stream ends it on the ledger's side too.
    await waitFor(() => t.handle.ledger.closeListenerCount === 0, { message: "the stream to be closed on the server" });
  });

  it("streams ledgers as they close", async () => {
    const seqs: number[] = [];
    const close = server
      .ledgers()
      .cursor("now")
      .stream({ onmessage: (l) => seqs.push((l as unknown as { sequence: number }).sequence) });
    try {
      const start = t.handle.ledger.ledgerSeq;
      await waitFor(() => seqs.length >= 2, { message: "two streamed ledgers" });
      expect(seqs[0]).toBeGreaterThan(start);
      expect(seqs[1]).toBe(seqs[0]! + 1);
    } finally {
      close();
    }
  });

  it("speaks Horizon's wire format: hello first, id = paging token, close after `limit` records", async () => {
    const url = `${t.handle.url}/transactions?cursor=&limit=2`;
    const text = await new Promise<string>((resolve, reject) => {
      http
        .get(url, { headers: { Accept: "text/event-stream" } }, (res) => {
          expect(res.headers["content-type"]).toBe("text/event-stream; charset=utf-8");
          let body = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => (body += c));
          res.on("end", () => resolve(body));
        })
        .on("error", reject);
    });
    const events = text.split("\n\n").filter(Boolean);
    expect(events[0]).toBe('retry: 1000\nevent: open\ndata: "hello"');
    const first = (await server.transactions().order("asc").limit(2).call()).records;
    expect(events[1]).toMatch(new RegExp(`^id: ${first[0]!.paging_token}\ndata: \\{`));
    expect(events[2]).toMatch(new RegExp(`^id: ${first[1]!.paging_token}\ndata: \\{`));
    expect(events[3]).toBe('retry: 10\nevent: close\ndata: "byebye"');
  });
});

describe("restart", () => {
  it("serves the same history and indexes after the ledger restarts from its data directory", async () => {
    const before = await server.effects().forAccount(bob.publicKey()).order("desc").limit(5).call();
    const paymentsBefore = await server.payments().forAccount(alice.publicKey()).order("desc").limit(10).call();
    await t.close();
    t = await startTestLedger({ dataDir: t.dataDir, closeIntervalMs: 100 });
    server = t.server;
    const after = await server.effects().forAccount(bob.publicKey()).order("desc").limit(5).call();
    expect(after.records.map((r) => [r.id, r.type])).toEqual(before.records.map((r) => [r.id, r.type]));
    const paymentsAfter = await server.payments().forAccount(alice.publicKey()).order("desc").limit(10).call();
    expect(paymentsAfter.records.map((r) => r.id)).toEqual(paymentsBefore.records.map((r) => r.id));
    expect((await server.transactions().forLedger(payLedger).call()).records.map((r) => r.hash)).toContain(payHash);
    const cosigned = await server.accounts().forSigner(alice.publicKey()).call();
    expect(cosigned.records.map((r) => r.id)).toEqual([alice.publicKey()]);
  });
});
