/**
 * Local ledger internals without HTTP: envelope hashes agree with the SDK's for every envelope kind,
 * result XDR round-trips through the SDK's decoder, and validation checks run in stellar-core's order.
 */
import { describe, expect, it } from "vitest";
import { Account, Asset, Keypair, MuxedAccount, Networks, Operation, Transaction, TransactionBuilder, xdr } from "@stellar/stellar-sdk";
import { OP, TX, opInner, opOuter, opSuccess, PAYMENT, OPR } from "@/server/stellar/local-ledger/codes";
import { networkIdOf, parseEnvelope } from "@/server/stellar/local-ledger/envelope";
import { encodeTransactionResult, resultCodes } from "@/server/stellar/local-ledger/results";
import { AccountStore, newAccount } from "@/server/stellar/local-ledger/state";
import { validateEnvelope } from "@/server/stellar/local-ledger/validate";

const PASSPHRASE = Networks.STANDALONE;
const networkId = networkIdOf(PASSPHRASE);
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function payment(source: Keypair, seq: string, opts: { fee?: string; passphrase?: string; signers?: Keypair[]; muxedId?: string } = {}): Transaction {
  const base = new Account(source.publicKey(), seq);
  const account = opts.muxedId ? new MuxedAccount(base, opts.muxedId) : base;
  const tx = new TransactionBuilder(account, { fee: opts.fee ?? "100", networkPassphrase: opts.passphrase ?? PASSPHRASE })
    .addOperation(Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: "1" }))
    .setTimeout(60)
    .build();
  tx.sign(...(opts.signers ?? [source]));
  return tx;
}

describe("envelope hashes", () => {
  it("a v1 transaction: the hash is SDK's tx.hash()", () => {
    const kp = Keypair.random();
    const tx = payment(kp, "41");
    const parsed = parseEnvelope(tx.toXdr(), networkId);
    expect(parsed.hashHex).toBe(hex(tx.hash()));
    expect(parsed.tx.sourceId).toBe(kp.publicKey());
    expect(parsed.tx.seqNum).toBe(42n);
    expect(parsed.numOps).toBe(1);
  });

  it("a muxed source resolves to its G account and keeps the M address", () => {
    const kp = Keypair.random();
    const tx = payment(kp, "7", { muxedId: "12345" });
    const parsed = parseEnvelope(tx.toXdr(), networkId);
    expect(parsed.hashHex).toBe(hex(tx.hash()));
    expect(parsed.tx.sourceId).toBe(kp.publicKey());
    expect(parsed.tx.sourceMuxed).toBe(tx.source);
  });

  it("a fee bump: outer and inner hashes are SDK's; the fee bump counts one more operation", () => {
    const inner = payment(Keypair.random(), "1");
    const feeSource = Keypair.random();
    const bump = TransactionBuilder.buildFeeBumpTransaction(feeSource, "500", inner, PASSPHRASE);
    bump.sign(feeSource);
    const parsed = parseEnvelope(bump.toXdr(), networkId);
    expect(parsed.hashHex).toBe(hex(bump.hash()));
    expect(parsed.tx.hashHex).toBe(hex(inner.hash()));
    expect(parsed.feeBump?.feeSourceId).toBe(feeSource.publicKey());
    expect(parsed.feeBump?.fee).toBe(1000n);
    expect(parsed.numOps).toBe(2);
  });

  it("a v0 envelope hashes like its v1 equivalent", () => {
    const kp = Keypair.random();
    const v1 = payment(kp, "9");
    const w = v1.toEnvelope().toXdrObject() as xdr.TransactionEnvelopeWire & { type: 2 };
    const cond = w.v1.tx.cond as { type: 1; timeBounds: { minTime: bigint; maxTime: bigint } };
    const v0 = {
      type: 0 as const,
      v0: {
        tx: {
          sourceAccountEd25519: kp.rawPublicKey(),
          fee: w.v1.tx.fee,
          seqNum: w.v1.tx.seqNum,
          timeBounds: cond.timeBounds,
          memo: w.v1.tx.memo,
          operations: w.v1.tx.operations,
          ext: { v: 0 as const },
        },
        signatures: w.v1.signatures,
      },
    };
    const b64 = Buffer.from(xdr.TransactionEnvelope.schema.encode(v0)).toString("base64");
    const sdkV0 = new Transaction(b64, PASSPHRASE);
    const parsed = parseEnvelope(b64, networkId);
    expect(parsed.hashHex).toBe(hex(sdkV0.hash()));
    expect(parsed.hashHex).toBe(hex(v1.hash()));
  });

  it("garbage is malformed", () => {
    expect(() => parseEnvelope("not-xdr", networkId)).toThrow(/does not decode/);
    expect(() => parseEnvelope(Buffer.from([0, 0, 0, 2, 1]).toString("base64"), networkId)).toThrow(/does not decode/);
  });
});

describe("result XDR", () => {
  it("success, failure and fee bump results decode with the SDK and name Horizon's codes", () => {
    const ok = xdr.TransactionResult.fromXdr(
      encodeTransactionResult({ code: TX.SUCCESS, feeCharged: 200n, opResults: [opSuccess(OP.PAYMENT), opSuccess(OP.CREATE_ACCOUNT)] }),
      "base64",
    );
    expect(ok.feeCharged).toBe(200n);
    expect(ok.result.type).toBe("txSuccess");

    const failed = { code: TX.FAILED, feeCharged: 300n, opResults: [opSuccess(OP.PAYMENT), opInner(OP.PAYMENT, PAYMENT.UNDERFUNDED), opOuter(OPR.BAD_AUTH)] };
    const decoded = xdr.TransactionResult.fromXDR(encodeTransactionResult(failed), "base64");
    expect(decoded.result.type).toBe("txFailed");
    if (decoded.result.type === "txFailed") {
      const [a, b, c] = decoded.result.results;
      expect(a!.type).toBe("opInner");
      if (b!.type === "opInner" && b!.tr.type === "payment") expect(b!.tr.paymentResult.type).toBe("paymentUnderfunded");
      expect(c!.type).toBe("opBadAuth");
    }
    expect(resultCodes(failed)).toEqual({ transaction: "tx_failed", operations: ["op_success", "op_underfunded", "op_bad_auth"] });

    const bump = {
      code: TX.FEE_BUMP_INNER_FAILED,
      feeCharged: 400n,
      inner: { hash: new Uint8Array(32).fill(7), code: TX.FAILED, feeCharged: 0n, opResults: [opInner(OP.PAYMENT, PAYMENT.NO_DESTINATION)] },
    };
    const b = xdr.TransactionResult.fromXdr(encodeTransactionResult(bump), "base64");
    expect(b.result.type).toBe("txFeeBumpInnerFailed");
    expect(resultCodes(bump)).toEqual({ transaction: "tx_fee_bump_inner_failed", inner_transaction: { transaction: "tx_failed", operations: ["op_no_destination"] } });

    expect(xdr.TransactionResult.fromXdr(encodeTransactionResult({ code: TX.BAD_SEQ, feeCharged: 100n }), "base64").result.type).toBe("txBadSeq");
  });
});

describe("validation order (pure, against an in-memory state)", () => {
  const kp = Keypair.random();
  const accounts = new AccountStore();
  const acct = newAccount(kp.publicKey(), 100n * 10_000_000n, 2, 0n);
  acct.seqNum = 100n;
  accounts.put(acct);
  const ctx = { accounts, ledgerSeq: 10, closeTime: BigInt(Math.floor(Date.now() / 1000)) };
  const codeOf = (tx: Transaction) => {
    const v = validateEnvelope(parseEnvelope(tx.toXdr(), networkId), ctx);
    return v.ok ? "ok" : resultCodes(v.outcome).transaction;
  };

  it("a valid transaction", () => {
    expect(codeOf(payment(kp, "100"))).toBe("ok");
  });

  it("fee before source, sequence before signatures, signatures before balance", () => {
    const ghost = Keypair.random();
    expect(codeOf(payment(ghost, "0", { fee: "50" }))).toBe("tx_insufficient_fee");
    expect(codeOf(payment(ghost, "0"))).toBe("tx_no_source_account");
    expect(codeOf(payment(kp, "500", { signers: [Keypair.random()] }))).toBe("tx_bad_seq");
    expect(codeOf(payment(kp, "100", { signers: [Keypair.random()] }))).toBe("tx_bad_auth");
    expect(codeOf(payment(kp, "100", { passphrase: Networks.TESTNET }))).toBe("tx_bad_auth");
    // The fee must be payable above the minimum balance: 100 XLM − 1 XLM reserve.
    expect(codeOf(payment(kp, "100", { fee: String(99n * 10_000_000n + 1n) }))).toBe("tx_insufficient_balance");
    expect(codeOf(payment(kp, "100", { fee: String(99n * 10_000_000n) }))).toBe("ok");
  });

  it("validation changes nothing", () => {
    payment(kp, "100");
    expect(accounts.get(kp.publicKey())!.seqNum).toBe(100n);
    expect(accounts.get(kp.publicKey())!.balance).toBe(100n * 10_000_000n);
  });
});
