/**
 * Local ledger: applying operations — payment and create_account result codes in stellar-core's order,
 * trustlines and authorization, the native minimum balance, atomic transactions (fee and sequence
 * consumed on tx_failed), sponsorship, fee bumps.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuthRequiredFlag, AuthRevocableFlag } from "@stellar/stellar-sdk";
import {
  Asset,
  FeeBumpTransaction,
  Keypair,
  Operation,
  PASSPHRASE,
  TransactionBuilder,
  XLM,
  balance,
  buildTx,
  fundedAccounts,
  sequence,
  startTestLedger,
  submitFailing,
  xdr,
  type TestLedger,
} from "./helpers";

let t: TestLedger;
let issuer: Keypair;
let holder: Keypair;
let other: Keypair;
let USD: Asset;

const native = Asset.native();
const pay = (to: string, asset: Asset, amount: string, source?: string) => Operation.payment({ destination: to, asset, amount, ...(source ? { source } : {}) });

beforeAll(async () => {
  t = await startTestLedger();
  [issuer, holder, other] = await fundedAccounts(t.server, 3);
  USD = new Asset("USD", issuer!.publicKey());
  // holder trusts USD (limit 1000) and gets 100 from the issuer.
  await t.server.submitTransaction(await buildTx(t.server, holder!, [Operation.changeTrust({ asset: USD, limit: "1000" })]));
  await t.server.submitTransaction(await buildTx(t.server, issuer!, [pay(holder!.publicKey(), USD, "100")]));
});
afterAll(async () => {
  await t.destroy();
});

describe("payment", () => {
  it("credits and debits exact amounts of a credit asset; the trustline counts as a subentry", async () => {
    expect(await balance(t.server, holder.publicKey(), USD)).toBe(100n * XLM);
    const a = await t.server.loadAccount(holder.publicKey());
    expect(a.subentry_count).toBe(1);
    const line = a.balances.find((b) => "asset_code" in b && b.asset_code === "USD");
    expect(line).toMatchObject({ asset_type: "credit_alphanum4", asset_code: "USD", asset_issuer: issuer.publicKey(), limit: "1000.0000000", is_authorized: true });
  });

  it("op_no_destination: the destination does not exist", async () => {
    const f = await submitFailing(t.server, await buildTx(t.server, holder, [pay(Keypair.random().publicKey(), native, "1")]));
    expect(f.codes).toEqual({ transaction: "tx_failed", operations: ["op_no_destination"] });
    const r = f.result.result;
    if (r.type !== "txFailed") throw new Error(r.type);
    const op = r.results[0]!;
    if (op.type !== "opInner") throw new Error(op.type);
    expect(op.tr.type).toBe("payment");
    if (op.tr.type === "payment") expect(op.tr.paymentResult.type).toBe("paymentNoDestination");
  });

  it("op_no_trust: the destination has no trustline", async () => {
    const f = await submitFailing(t.server, await buildTx(t.server, holder, [pay(other.publicKey(), USD, "1")]));
    expect(f.codes.operations).toEqual(["op_no_trust"]);
  });

  it("op_line_full: above the destination's limit", async () => {
    const small = (await fundedAccounts(t.server, 1))[0]!;
    await t.server.submitTransaction(await buildTx(t.server, small, [Operation.changeTrust({ asset: USD, limit: "10" })]));
    const f = await submitFailing(t.server, await buildTx(t.server, holder, [pay(small.publicKey(), USD, "10.0000001")]));
    expect(f.codes.operations).toEqual(["op_line_full"]);
    await t.server.submitTransaction(await buildTx(t.server, holder, [pay(small.publicKey(), USD, "10")]));
    expect(await balance(t.server, small.publicKey(), USD)).toBe(10n * XLM);
  });

  it("op_src_no_trust: the source has no trustline", async () => {
    const f = await submitFailing(t.server, await buildTx(t.server, other, [pay(holder.publicKey(), USD, "1")]));
    expect(f.codes.operations).toEqual(["op_src_no_trust"]);
  });

  it("op_underfunded: more of a credit asset than the source holds", async () => {
    const held = (await balance(t.server, holder.publicKey(), USD))!;
    const f = await submitFailing(t.server, await buildTx(t.server, holder, [pay(issuer.publicKey(), USD, (Number(held) / 1e7 + 0.0000001).toFixed(7))]));
    expect(f.codes.operations).toEqual(["op_underfunded"]);
  });

  it("the issuer needs no trustline: it mints by paying, and payments back to it burn", async () => {
    const before = (await balance(t.server, holder.publicKey(), USD))!;
    await t.server.submitTransaction(await buildTx(t.server, issuer, [pay(holder.publicKey(), USD, "5")]));
    await t.server.submitTransaction(await buildTx(t.server, holder, [pay(issuer.publicKey(), USD, "2")]));
    expect(await balance(t.server, holder.publicKey(), USD)).toBe(before + 3n * XLM);
    expect(await balance(t.server, issuer.publicKey(), USD)).toBeNull();
  });

  it("op_underfunded for XLM keeps the minimum balance; the fee is taken before the operation runs", async () => {
    // 3 XLM, no subentries: minimum balance 1 XLM; after the 100-stroop fee, 1.99999 XLM can move.
    const payer = Keypair.random();
    await t.server.submitTransaction(await buildTx(t.server, other, [Operation.createAccount({ destination: payer.publicKey(), startingBalance: "3" })]));
    const seq = await sequence(t.server, payer.publicKey());
    const f = await submitFailing(t.server, await buildTx(t.server, payer, [pay(other.publicKey(), native, "2")]));
    expect(f.codes).toEqual({ transaction: "tx_failed", operations: ["op_underfunded"] });
    // tx_failed: the fee and the sequence number are consumed.
    expect(f.result.feeCharged).toBe(100n);
    expect(await balance(t.server, payer.publicKey())).toBe(3n * XLM - 100n);
    expect(await sequence(t.server, payer.publicKey())).toBe(seq + 1n);
    // Exactly what is above the minimum (after this transaction's fee) goes through.
    await t.server.submitTransaction(await buildTx(t.server, payer, [pay(other.publicKey(), native, "1.9999800")]));
    expect(await balance(t.server, payer.publicKey())).toBe(XLM);
  });

  it("op_not_authorized / op_src_not_authorized with an auth-required, revocable issuer", async () => {
    const [strict, alice, bob] = await fundedAccounts(t.server, 3);
    const EUR = new Asset("EUR", strict!.publicKey());
    await t.server.submitTransaction(await buildTx(t.server, strict!, [Operation.setOptions({ setFlags: (AuthRequiredFlag | AuthRevocableFlag) as 3 })]));
    await t.server.submitTransaction(await buildTx(t.server, alice!, [Operation.changeTrust({ asset: EUR })]));
    await t.server.submitTransaction(await buildTx(t.server, bob!, [Operation.changeTrust({ asset: EUR })]));
    const line = (await t.server.loadAccount(alice!.publicKey())).balances.find((b) => "asset_code" in b && b.asset_code === "EUR");
    expect(line).toMatchObject({ is_authorized: false, limit: "922337203685.4775807" });

    const f = await submitFailing(t.server, await buildTx(t.server, strict!, [pay(alice!.publicKey(), EUR, "50")]));
    expect(f.codes.operations).toEqual(["op_not_authorized"]);

    const authorize = (who: Keypair, on: boolean) => Operation.setTrustLineFlags({ trustor: who.publicKey(), asset: EUR, flags: { authorized: on } });
    await t.server.submitTransaction(await buildTx(t.server, strict!, [authorize(alice!, true), authorize(bob!, true), pay(alice!.publicKey(), EUR, "50")]));
    expect(await balance(t.server, alice!.publicKey(), EUR)).toBe(50n * XLM);

    await t.server.submitTransaction(await buildTx(t.server, strict!, [authorize(alice!, false)]));
    const g = await submitFailing(t.server, await buildTx(t.server, alice!, [pay(bob!.publicKey(), EUR, "1")]));
    expect(g.codes.operations).toEqual(["op_src_not_authorized"]);
  });

  it("sending XLM to oneself succeeds and changes nothing but the fee", async () => {
    const before = (await balance(t.server, other.publicKey()))!;
    await t.server.submitTransaction(await buildTx(t.server, other, [pay(other.publicKey(), native, "5")]));
    expect(await balance(t.server, other.publicKey())).toBe(before - 100n);
  });

  it("op_malformed: a negative or zero amount is refused at submission", async () => {
    // The SDK refuses to build amount 0, so build a valid one and zero it in the XDR.
    const tx = await buildTx(t.server, holder, [pay(other.publicKey(), native, "1")]);
    const wire = tx.toEnvelope().toXdrObject() as xdr.TransactionEnvelopeWire & { type: 2 };
    const body = wire.v1.tx.operations[0]!.body as { type: 1; paymentOp: { amount: bigint } };
    body.paymentOp.amount = 0n;
    const zeroed = TransactionBuilder.fromXdr(Buffer.from(xdr.TransactionEnvelope.schema.encode(wire)).toString("base64"), PASSPHRASE);
    zeroed.signatures.splice(0);
    zeroed.sign(holder);
    const seq = await sequence(t.server, holder.publicKey());
    const f = await submitFailing(t.server, zeroed);
    expect(f.codes).toEqual({ transaction: "tx_failed", operations: ["op_malformed"] });
    expect(await sequence(t.server, holder.publicKey())).toBe(seq);
  });
});

describe("create_account", () => {
  it("creates the account with the starting balance and sequence number ledger << 32", async () => {
    const fresh = Keypair.random();
    const before = (await balance(t.server, other.publicKey()))!;
    const res = await t.server.submitTransaction(await buildTx(t.server, other, [Operation.createAccount({ destination: fresh.publicKey(), startingBalance: "1" })]));
    const a = await t.server.loadAccount(fresh.publicKey());
    expect(a.sequence).toBe((BigInt(res.ledger) << 32n).toString());
    expect(await balance(t.server, fresh.publicKey())).toBe(XLM);
    expect(await balance(t.server, other.publicKey())).toBe(before - XLM - 100n);
  });

  it("op_already_exists", async () => {
    const f = await submitFailing(t.server, await buildTx(t.server, other, [Operation.createAccount({ destination: holder.publicKey(), startingBalance: "5" })]));
    expect(f.codes.operations).toEqual(["op_already_exists"]);
  });

  it("op_low_reserve: a starting balance below 2 × 0.5 XLM", async () => {
    const f = await submitFailing(
      t.server,
      await buildTx(t.server, other, [Operation.createAccount({ destination: Keypair.random().publicKey(), startingBalance: "0.9999999" })]),
    );
    expect(f.codes.operations).toEqual(["op_low_reserve"]);
    const zero = await submitFailing(
      t.server,
      await buildTx(t.server, other, [Operation.createAccount({ destination: Keypair.random().publicKey(), startingBalance: "0" })]),
    );
    expect(zero.codes.operations).toEqual(["op_low_reserve"]);
  });

  it("op_underfunded: the source cannot give the starting balance above its own minimum", async () => {
    const payer = Keypair.random();
    await t.server.submitTransaction(await buildTx(t.server, other, [Operation.createAccount({ destination: payer.publicKey(), startingBalance: "2" })]));
    const f = await submitFailing(
      t.server,
      await buildTx(t.server, payer, [Operation.createAccount({ destination: Keypair.random().publicKey(), startingBalance: "1" })]),
    );
    expect(f.codes.operations).toEqual(["op_underfunded"]);
  });
});

describe("atomicity", () => {
  it("tx_failed: the second operation fails → the first is rolled back, fee and sequence consumed", async () => {
    const [a, b] = await fundedAccounts(t.server, 2);
    const aBefore = (await balance(t.server, a!.publicKey()))!;
    const bBefore = (await balance(t.server, b!.publicKey()))!;
    const seq = await sequence(t.server, a!.publicKey());
    const f = await submitFailing(t.server, await buildTx(t.server, a!, [pay(b!.publicKey(), native, "7"), pay(Keypair.random().publicKey(), native, "1")]));
    expect(f.codes).toEqual({ transaction: "tx_failed", operations: ["op_success", "op_no_destination"] });
    expect(f.result.feeCharged).toBe(200n);
    expect(await balance(t.server, b!.publicKey())).toBe(bBefore);
    expect(await balance(t.server, a!.publicKey())).toBe(aBefore - 200n);
    expect(await sequence(t.server, a!.publicKey())).toBe(seq + 1n);
    // The failed transaction is in the ledger: GET /transactions/{hash} shows it as unsuccessful.
    const hash = (f.data as { extras: { hash: string } }).extras.hash;
    const rec = await t.server.transactions().transaction(hash).call();
    expect(rec.successful).toBe(false);
  });

  it("a later operation sees an earlier one's effect (create, then pay into the new account)", async () => {
    const fresh = Keypair.random();
    await t.server.submitTransaction(
      await buildTx(t.server, other, [Operation.createAccount({ destination: fresh.publicKey(), startingBalance: "1" }), pay(fresh.publicKey(), native, "2")]),
    );
    expect(await balance(t.server, fresh.publicKey())).toBe(3n * XLM);
  });
});

describe("sponsorship", () => {
  it("begin/end sponsoring: a sponsored create_account with 0 XLM works; the sponsor carries the reserves", async () => {
    const [sponsor] = await fundedAccounts(t.server, 1);
    const fresh = Keypair.random();
    const before = (await balance(t.server, sponsor!.publicKey()))!;
    const tx = await buildTx(
      t.server,
      sponsor!,
      [
        Operation.beginSponsoringFutureReserves({ sponsoredId: fresh.publicKey() }),
        Operation.createAccount({ destination: fresh.publicKey(), startingBalance: "0" }),
        Operation.changeTrust({ asset: USD, source: fresh.publicKey() }),
        Operation.endSponsoringFutureReserves({ source: fresh.publicKey() }),
      ],
      { signers: [sponsor!, fresh] },
    );
    const res = await t.server.submitTransaction(tx);
    expect(res.successful).toBe(true);
    const acct = await t.server.loadAccount(fresh.publicKey());
    expect(acct.num_sponsored).toBe(3); // the account's 2 base reserves + its trustline
    expect(acct.sponsor).toBe(sponsor!.publicKey());
    expect(acct.subentry_count).toBe(1);
    expect(await balance(t.server, fresh.publicKey())).toBe(0n);
    const sp = await t.server.loadAccount(sponsor!.publicKey());
    expect(sp.num_sponsoring).toBe(3);
    expect(await balance(t.server, sponsor!.publicKey())).toBe(before - 400n);
    // The sponsor's minimum balance is now (2 + 3) × 0.5 XLM: it can spend everything above 2.5 XLM.
    const spendable = before - 400n - 100n - (25n * XLM) / 10n;
    const f = await submitFailing(t.server, await buildTx(t.server, sponsor!, [pay(other.publicKey(), native, ((Number(spendable) + 1) / 1e7).toFixed(7))]));
    expect(f.codes.operations).toEqual(["op_underfunded"]);
  });

  it("tx_bad_sponsorship: a sponsorship begun and never ended; fee and sequence consumed", async () => {
    const [sponsor] = await fundedAccounts(t.server, 1);
    const seq = await sequence(t.server, sponsor!.publicKey());
    const fresh = Keypair.random();
    const f = await submitFailing(
      t.server,
      await buildTx(t.server, sponsor!, [
        Operation.beginSponsoringFutureReserves({ sponsoredId: fresh.publicKey() }),
        Operation.createAccount({ destination: fresh.publicKey(), startingBalance: "0" }),
      ]),
    );
    expect(f.codes).toEqual({ transaction: "tx_bad_sponsorship" });
    expect(await sequence(t.server, sponsor!.publicKey())).toBe(seq + 1n);
    await expect(t.server.loadAccount(fresh.publicKey())).rejects.toThrow();
  });

  it("op_not_sponsored: end without begin", async () => {
    const f = await submitFailing(t.server, await buildTx(t.server, other, [Operation.endSponsoringFutureReserves({})]));
    expect(f.codes.operations).toEqual(["op_not_sponsored"]);
  });

  it("op_low_reserve when the sponsor cannot carry the reserves", async () => {
    const poorSponsor = Keypair.random();
    await t.server.submitTransaction(await buildTx(t.server, other, [Operation.createAccount({ destination: poorSponsor.publicKey(), startingBalance: "1.5" })]));
    const fresh = Keypair.random();
    const f = await submitFailing(
      t.server,
      await buildTx(
        t.server,
        poorSponsor,
        [
          Operation.beginSponsoringFutureReserves({ sponsoredId: fresh.publicKey() }),
          Operation.createAccount({ destination: fresh.publicKey(), startingBalance: "0" }),
          Operation.endSponsoringFutureReserves({ source: fresh.publicKey() }),
        ],
        { signers: [poorSponsor, fresh] },
      ),
    );
    expect(f.codes.operations).toEqual(["op_success", "op_low_reserve", "op_no_source_account"]);
  });
});

describe("fee bump", () => {
  let feePayer: Keypair;
  let inner: Keypair;
  beforeAll(async () => {
    [feePayer, inner] = await fundedAccounts(t.server, 2);
  });

  it("success: the fee account pays 100 × (ops + 1), the inner source's sequence is consumed", async () => {
    const innerTx = await buildTx(t.server, inner, [pay(other.publicKey(), native, "1")]);
    const payerBefore = (await balance(t.server, feePayer.publicKey()))!;
    const innerBefore = (await balance(t.server, inner.publicKey()))!;
    const seq = await sequence(t.server, inner.publicKey());
    const bump = TransactionBuilder.buildFeeBumpTransaction(feePayer, "300", innerTx, PASSPHRASE);
    bump.sign(feePayer);
    const res = await t.server.submitTransaction(bump);
    expect(res.successful).toBe(true);
    expect(res.hash).toBe(Buffer.from(bump.hash()).toString("hex"));
    const result = xdr.TransactionResult.fromXdr(res.result_xdr, "base64");
    expect(result.feeCharged).toBe(200n);
    expect(result.result.type).toBe("txFeeBumpInnerSuccess");
    if (result.result.type === "txFeeBumpInnerSuccess") {
      expect(Buffer.from(result.result.innerResultPair.transactionHash.toXdr()).toString("hex")).toBe(Buffer.from(innerTx.hash()).toString("hex"));
      expect(result.result.innerResultPair.result.result.type).toBe("txSuccess");
    }
    expect(await balance(t.server, feePayer.publicKey())).toBe(payerBefore - 200n);
    expect(await balance(t.server, inner.publicKey())).toBe(innerBefore - XLM);
    expect(await sequence(t.server, inner.publicKey())).toBe(seq + 1n);
    // Found by the outer and by the inner hash.
    const byInner = await t.server.transactions().transaction(Buffer.from(innerTx.hash()).toString("hex")).call();
    expect(byInner.hash).toBe(res.hash);
    expect(byInner.fee_account).toBe(feePayer.publicKey());
    expect(byInner.inner_transaction?.hash).toBe(Buffer.from(innerTx.hash()).toString("hex"));
  });

  it("inner failure: tx_fee_bump_inner_failed with the inner operation codes; fee and sequence consumed", async () => {
    const innerTx = await buildTx(t.server, inner, [pay(Keypair.random().publicKey(), native, "1")]);
    const payerBefore = (await balance(t.server, feePayer.publicKey()))!;
    const seq = await sequence(t.server, inner.publicKey());
    const bump = TransactionBuilder.buildFeeBumpTransaction(feePayer, "200", innerTx, PASSPHRASE);
    bump.sign(feePayer);
    const f = await submitFailing(t.server, bump);
    expect(f.codes).toEqual({ transaction: "tx_fee_bump_inner_failed", inner_transaction: { transaction: "tx_failed", operations: ["op_no_destination"] } });
    expect(f.result.result.type).toBe("txFeeBumpInnerFailed");
    expect(await balance(t.server, feePayer.publicKey())).toBe(payerBefore - 200n);
    expect(await sequence(t.server, inner.publicKey())).toBe(seq + 1n);
  });

  it("an invalid inner transaction is refused at submission with its code, nothing charged", async () => {
    const seq = await sequence(t.server, inner.publicKey());
    const stale = await buildTx(t.server, inner, [pay(other.publicKey(), native, "1")], { signers: [Keypair.random()] });
    const bump = TransactionBuilder.buildFeeBumpTransaction(feePayer, "200", stale, PASSPHRASE);
    bump.sign(feePayer);
    const payerBefore = (await balance(t.server, feePayer.publicKey()))!;
    const f = await submitFailing(t.server, bump);
    expect(f.codes).toEqual({ transaction: "tx_fee_bump_inner_failed", inner_transaction: { transaction: "tx_bad_auth" } });
    expect(await balance(t.server, feePayer.publicKey())).toBe(payerBefore);
    expect(await sequence(t.server, inner.publicKey())).toBe(seq);
  });

  it("tx_insufficient_fee: outer fee below 100 × (ops + 1), or a lower per-operation rate than the inner", async () => {
    const innerTx = await buildTx(t.server, inner, [pay(other.publicKey(), native, "1")]);
    // The SDK refuses to build a bump whose rate is below the inner's, so set the fee in the XDR.
    const bump = TransactionBuilder.buildFeeBumpTransaction(feePayer, "200", innerTx, PASSPHRASE);
    const wire = bump.toEnvelope().toXdrObject() as xdr.TransactionEnvelopeWire & { type: 5 };
    wire.feeBump.tx.fee = 199n;
    const low = new FeeBumpTransaction(Buffer.from(xdr.TransactionEnvelope.schema.encode(wire)).toString("base64"), PASSPHRASE);
    low.signatures.splice(0);
    low.sign(feePayer);
    expect((await submitFailing(t.server, low)).codes).toEqual({ transaction: "tx_insufficient_fee" });

    // inner bids 1000 per operation; outer 1500 for 2 "operations" = 750 each < 1000.
    const rich = await buildTx(t.server, inner, [pay(other.publicKey(), native, "1")], { fee: 1000 });
    const bump2 = TransactionBuilder.buildFeeBumpTransaction(feePayer, "1000", rich, PASSPHRASE);
    const wire2 = bump2.toEnvelope().toXdrObject() as xdr.TransactionEnvelopeWire & { type: 5 };
    wire2.feeBump.tx.fee = 1500n;
    const lowRate = new FeeBumpTransaction(Buffer.from(xdr.TransactionEnvelope.schema.encode(wire2)).toString("base64"), PASSPHRASE);
    lowRate.signatures.splice(0);
    lowRate.sign(feePayer);
    expect((await submitFailing(t.server, lowRate)).codes).toEqual({ transaction: "tx_insufficient_fee" });
  });

  it("the fee account must sign: tx_bad_auth", async () => {
    const innerTx = await buildTx(t.server, inner, [pay(other.publicKey(), native, "1")]);
    const bump = TransactionBuilder.buildFeeBumpTransaction(feePayer, "200", innerTx, PASSPHRASE);
    bump.sign(inner);
    expect((await submitFailing(t.server, bump)).codes).toEqual({ transaction: "tx_bad_auth" });
  });
});
