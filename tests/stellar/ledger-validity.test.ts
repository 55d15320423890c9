/**
 * Local ledger: transaction validity rules, in stellar-core's order, each with its result code, a
 * decodable result_xdr, and nothing charged (a rejected transaction never reaches a ledger).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Networks, TransactionFailedError } from "@stellar/stellar-sdk";
import {
  Account,
  Asset,
  Keypair,
  Operation,
  PASSPHRASE,
  Transaction,
  XLM,
  balance,
  buildTx,
  buildTxFrom,
  fundedAccounts,
  latestLedger,
  sequence,
  startTestLedger,
  submitFailing,
  xdr,
  type TestLedger,
} from "./helpers";

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

const pay = (to: Keypair, amount = "1") => Operation.payment({ destination: to.publicKey(), asset: Asset.native(), amount });
const now = () => Math.floor(Date.now() / 1000);

/** The failure must leave the source untouched: same sequence number, same balance. */
async function expectUncharged(kp: Keypair, seq: bigint, bal: bigint) {
  expect(await sequence(t.server, kp.publicKey())).toBe(seq);
  expect(await balance(t.server, kp.publicKey())).toBe(bal);
}

describe("transaction validity", () => {
  it("a valid payment applies, charges 100 stroops per operation and consumes one sequence number", async () => {
    const seq = await sequence(t.server, alice.publicKey());
    const before = await balance(t.server, alice.publicKey());
    const bobBefore = await balance(t.server, bob.publicKey());
    const res = await t.server.submitTransaction(await buildTx(t.server, alice, [pay(bob, "2.5"), pay(bob, "0.0000001")]), { skipMemoRequiredCheck: true });
    expect(res.successful).toBe(true);
    expect(String((res as unknown as { fee_charged: string }).fee_charged)).toBe("200");
    const result = xdr.TransactionResult.fromXdr(res.result_xdr, "base64");
    expect(result.feeCharged).toBe(200n);
    expect(result.result.type).toBe("txSuccess");
    expect(await sequence(t.server, alice.publicKey())).toBe(seq + 1n);
    expect(await balance(t.server, alice.publicKey())).toBe(before! - 25_000_001n - 200n);
    expect(await balance(t.server, bob.publicKey())).toBe(bobBefore! + 25_000_001n);
  });

  it("tx_missing_operation: no operations", async () => {
    const account = await t.server.loadAccount(alice.publicKey());
    const tx = buildTxFrom(account, alice, []);
    expect(tx.operations).toHaveLength(0);
    const f = await submitFailing(t.server, tx);
    expect(f.status).toBe(400);
    expect(f.codes).toEqual({ transaction: "tx_missing_operation" });
    expect(f.result.result.type).toBe("txMissingOperation");
  });

  it("tx_too_early and tx_too_late: time bounds", async () => {
    const seq = await sequence(t.server, alice.publicKey());
    const bal = (await balance(t.server, alice.publicKey()))!;
    const early = await submitFailing(t.server, await buildTx(t.server, alice, [pay(bob)], { timebounds: { minTime: now() + 3600, maxTime: 0 } }));
    expect(early.codes.transaction).toBe("tx_too_early");
    expect(early.result.result.type).toBe("txTooEarly");
    const late = await submitFailing(t.server, await buildTx(t.server, alice, [pay(bob)], { timebounds: { minTime: 0, maxTime: now() - 5 } }));
    expect(late.codes.transaction).toBe("tx_too_late");
    expect(late.result.result.type).toBe("txTooLate");
    await expectUncharged(alice, seq, bal);
  });

  it("tx_too_early and tx_too_late: ledger bounds (maxLedger is exclusive)", async () => {
    const current = await latestLedger(t.server);
    const early = await submitFailing(t.server, await buildTx(t.server, alice, [pay(bob)], { ledgerbounds: { minLedger: current + 1000, maxLedger: 0 } }));
    expect(early.codes.transaction).toBe("tx_too_early");
    // The next ledger is current + 1 at the least: maxLedger = current + 1 already excludes it.
    const late = await submitFailing(t.server, await buildTx(t.server, alice, [pay(bob)], { ledgerbounds: { minLedger: 0, maxLedger: current + 1 } }));
    expect(late.codes.transaction).toBe("tx_too_late");
    const ok = await t.server.submitTransaction(await buildTx(t.server, alice, [pay(bob)], { ledgerbounds: { minLedger: current, maxLedger: current + 50 } }));
    expect(ok.successful).toBe(true);
  });

  it("tx_insufficient_fee: fee below 100 stroops × operations", async () => {
    const seq = await sequence(t.server, alice.publicKey());
    const f = await submitFailing(t.server, await buildTx(t.server, alice, [pay(bob), pay(bob)], { fee: 99 }));
    expect(f.codes.transaction).toBe("tx_insufficient_fee");
    expect(f.result.result.type).toBe("txInsufficientFee");
    expect(await sequence(t.server, alice.publicKey())).toBe(seq);
  });

  it("tx_no_source_account: the source does not exist", async () => {
    const ghost = Keypair.random();
    const f = await submitFailing(t.server, buildTxFrom(new Account(ghost.publicKey(), "0"), ghost, [pay(bob)]));
    expect(f.codes.transaction).toBe("tx_no_source_account");
    expect(f.result.result.type).toBe("txNoAccount");
  });

  it("tx_bad_seq: a sequence number other than the account's + 1", async () => {
    const seq = await sequence(t.server, alice.publicKey());
    const bal = (await balance(t.server, alice.publicKey()))!;
    const ahead = await submitFailing(t.server, buildTxFrom(new Account(alice.publicKey(), (seq + 1n).toString()), alice, [pay(bob)]));
    expect(ahead.codes.transaction).toBe("tx_bad_seq");
    const used = await submitFailing(t.server, buildTxFrom(new Account(alice.publicKey(), (seq - 1n).toString()), alice, [pay(bob)]));
    expect(used.codes.transaction).toBe("tx_bad_seq");
    expect(used.result.result.type).toBe("txBadSeq");
    await expectUncharged(alice, seq, bal);
  });

  it("tx_bad_auth: signed by another key", async () => {
    const seq = await sequence(t.server, alice.publicKey());
    const f = await submitFailing(t.server, await buildTx(t.server, alice, [pay(bob)], { signers: [Keypair.random()] }));
    expect(f.codes.transaction).toBe("tx_bad_auth");
    expect(f.result.result.type).toBe("txBadAuth");
    const unsigned = await buildTx(t.server, alice, [pay(bob)], { signers: [] });
    expect((await submitFailing(t.server, unsigned)).codes.transaction).toBe("tx_bad_auth");
    expect(await sequence(t.server, alice.publicKey())).toBe(seq);
  });

  it("tx_bad_auth: signed for another network passphrase", async () => {
    // Signed over the testnet hash: the signature does not verify against the standalone network's hash.
    const testnetTx = await buildTx(t.server, alice, [pay(bob)], { networkPassphrase: Networks.TESTNET });
    const asLocal = new Transaction(testnetTx.toEnvelope().toXdr("base64"), PASSPHRASE);
    const f = await submitFailing(t.server, asLocal);
    expect(f.codes.transaction).toBe("tx_bad_auth");
  });

  it("tx_bad_auth_extra: a signature nobody needed", async () => {
    const seq = await sequence(t.server, alice.publicKey());
    const f = await submitFailing(t.server, await buildTx(t.server, alice, [pay(bob)], { signers: [alice, Keypair.random()] }));
    expect(f.codes.transaction).toBe("tx_bad_auth_extra");
    expect(f.result.result.type).toBe("txBadAuthExtra");
    // The same signature twice: the second copy is unused too.
    const twice = await buildTx(t.server, alice, [pay(bob)], { signers: [alice, alice] });
    expect((await submitFailing(t.server, twice)).codes.transaction).toBe("tx_bad_auth_extra");
    expect(await sequence(t.server, alice.publicKey())).toBe(seq);
  });

  it("more than 20 signatures does not even decode: 400 transaction_malformed", async () => {
    const tx = await buildTx(t.server, alice, [pay(bob)]);
    const wire = tx.toEnvelope().toXdrObject() as xdr.TransactionEnvelopeWire & { type: 2 };
    const sig = wire.v1.signatures[0]!;
    const raw = Buffer.from(xdr.TransactionEnvelope.schema.encode({ ...wire, v1: { ...wire.v1, signatures: Array(20).fill(sig) } }));
    // Bump the signature count to 21 and append one more DecoratedSignature (4 + 4 + 64 bytes).
    const sigBytes = raw.subarray(raw.length - 72);
    const countAt = raw.length - 20 * 72 - 4;
    raw.writeUInt32BE(21, countAt);
    const envelope = Buffer.concat([raw, sigBytes]).toString("base64");
    const res = await fetch(`${t.handle.url}/transactions`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `tx=${encodeURIComponent(envelope)}`,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { type: string }).type).toBe("https://stellar.org/horizon-errors/transaction_malformed");
  });

  it("tx_insufficient_balance: the fee would eat into the minimum balance", async () => {
    // Exactly the minimum balance of an account with no subentries: 2 × 0.5 XLM.
    const poor = Keypair.random();
    await t.server.submitTransaction(await buildTx(t.server, alice, [Operation.createAccount({ destination: poor.publicKey(), startingBalance: "1" })]));
    const seq = await sequence(t.server, poor.publicKey());
    const f = await submitFailing(t.server, await buildTx(t.server, poor, [pay(bob, "0.0000001")]));
    expect(f.codes.transaction).toBe("tx_insufficient_balance");
    expect(f.result.result.type).toBe("txInsufficientBalance");
    await expectUncharged(poor, seq, XLM);
  });

  it("a rejected submission's error is the SDK's TransactionFailedError with the codes", async () => {
    const tx = buildTxFrom(new Account(alice.publicKey(), "1"), alice, [pay(bob)]);
    const err = await t.server.submitTransaction(tx).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransactionFailedError);
    expect((err as TransactionFailedError).getResultCodes()).toEqual({ transaction: "tx_bad_seq", operations: [] });
    expect((err as TransactionFailedError).getTransactionResult()?.result.type).toBe("txBadSeq");
  });
});

describe("op_bad_auth: operation thresholds with multi-sig", () => {
  let owner: Keypair;
  let cosigner: Keypair;

  beforeAll(async () => {
    [owner] = await fundedAccounts(t.server, 1);
    cosigner = Keypair.random();
    // master 1 + cosigner 1; low 1, medium 2, high 2.
    const setup = await buildTx(t.server, owner!, [
      Operation.setOptions({ signer: { ed25519PublicKey: cosigner.publicKey(), weight: 1 } }),
      Operation.setOptions({ masterWeight: 1, lowThreshold: 1, medThreshold: 2, highThreshold: 2 }),
    ]);
    await t.server.submitTransaction(setup);
  });

  it("the account shows its signers, thresholds and one more subentry", async () => {
    const a = await t.server.loadAccount(owner.publicKey());
    expect(a.thresholds).toEqual({ low_threshold: 1, med_threshold: 2, high_threshold: 2 });
    expect(a.subentry_count).toBe(1);
    expect(a.signers).toEqual(
      expect.arrayContaining([
        { key: cosigner.publicKey(), weight: 1, type: "ed25519_public_key" },
        { key: owner.publicKey(), weight: 1, type: "ed25519_public_key" },
      ]),
    );
  });

  it("a payment signed by the master alone (weight 1 < medium 2) fails op_bad_auth, nothing charged", async () => {
    const seq = await sequence(t.server, owner.publicKey());
    const bal = (await balance(t.server, owner.publicKey()))!;
    const f = await submitFailing(t.server, await buildTx(t.server, owner, [pay(bob)]));
    expect(f.codes).toEqual({ transaction: "tx_failed", operations: ["op_bad_auth"] });
    const r = f.result.result;
    expect(r.type).toBe("txFailed");
    if (r.type === "txFailed") expect(r.results[0]!.type).toBe("opBadAuth");
    await expectUncharged(owner, seq, bal);
  });

  it("with both signatures (weight 2) the payment applies", async () => {
    const res = await t.server.submitTransaction(await buildTx(t.server, owner, [pay(bob, "3")], { signers: [owner, cosigner] }));
    expect(res.successful).toBe(true);
  });

  it("an operation sourced by another account needs that account's signatures", async () => {
    // alice's payment op sourced by owner: alice signs (tx ok) but owner's medium threshold is not met.
    const f = await submitFailing(
      t.server,
      await buildTx(t.server, alice, [pay(bob), Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: "1", source: owner.publicKey() })], {
        signers: [alice, owner],
      }),
    );
    expect(f.codes).toEqual({ transaction: "tx_failed", operations: ["op_success", "op_bad_auth"] });
    const ok = await t.server.submitTransaction(
      await buildTx(t.server, alice, [Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: "1", source: owner.publicKey() })], {
        signers: [alice, owner, cosigner],
      }),
    );
    expect(ok.successful).toBe(true);
  });

  it("set_options changing thresholds needs the high threshold", async () => {
    await t.server.submitTransaction(await buildTx(t.server, owner, [Operation.setOptions({ highThreshold: 3 })], { signers: [owner, cosigner] }));
    const f = await submitFailing(t.server, await buildTx(t.server, owner, [Operation.setOptions({ lowThreshold: 0 })], { signers: [owner, cosigner] }));
    expect(f.codes).toEqual({ transaction: "tx_failed", operations: ["op_bad_auth"] });
    // A set_options that changes nothing but the home domain only needs medium.
    const ok = await t.server.submitTransaction(await buildTx(t.server, owner, [Operation.setOptions({ homeDomain: "example.org" })], { signers: [owner, cosigner] }));
    expect(ok.successful).toBe(true);
    expect((await t.server.loadAccount(owner.publicKey())).home_domain).toBe("example.org");
  });

  it("below the low threshold the transaction itself fails tx_bad_auth", async () => {
    const lone = (await fundedAccounts(t.server, 1))[0]!;
    const co = Keypair.random();
    await t.server.submitTransaction(
      await buildTx(t.server, lone, [
        Operation.setOptions({ signer: { ed25519PublicKey: co.publicKey(), weight: 1 }, masterWeight: 1, lowThreshold: 2, medThreshold: 2, highThreshold: 2 }),
      ]),
    );
    const f = await submitFailing(t.server, await buildTx(t.server, lone, [pay(bob)]));
    expect(f.codes).toEqual({ transaction: "tx_bad_auth" });
    // Removing the signer (weight 0) with both signatures gives the subentry back.
    await t.server.submitTransaction(
      await buildTx(
        t.server,
        lone,
        [Operation.setOptions({ signer: { ed25519PublicKey: co.publicKey(), weight: 0 }, lowThreshold: 0, medThreshold: 0, highThreshold: 0 })],
        { signers: [lone, co] },
      ),
    );
    const a = await t.server.loadAccount(lone.publicKey());
    expect(a.subentry_count).toBe(0);
    expect(a.signers).toEqual([{ key: lone.publicKey(), weight: 1, type: "ed25519_public_key" }]);
  });
});
