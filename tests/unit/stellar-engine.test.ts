import { Account, Asset, FeeBumpTransaction, Keypair, Memo, Operation, TransactionBuilder } from "@stellar/stellar-sdk";
import { describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "@/server/services/crypto/secret-box";
import { buildPaymentTransaction, type BuildPaymentTransactionInput } from "@/server/rails/stellar/engine/build-payment-transaction";
import { envelopeFacts } from "@/server/rails/stellar/stellar-submission";
import { PASSPHRASES, stellarConfig } from "@/server/stellar/network";
import { decodeTransactionResult, effectiveTxCode, failureMessage } from "@/server/stellar/result-codes";

describe("secret box", () => {
  it("round-trips with a fresh IV each time, in the v1 format", () => {
    const secret = Keypair.random().secret();
    const a = encryptSecret(secret);
    const b = encryptSecret(secret);
    expect(a).toMatch(/^v1:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(secret);
    expect(decryptSecret(a)).toBe(secret);
  });

  it("refuses a tampered ciphertext or another purpose's key, without echoing the input", () => {
    const boxed = encryptSecret("SXXXX-secret-value");
    const [v, iv, tag, ct] = boxed.split(":") as [string, string, string, string];
    const flipped = Buffer.from(ct, "base64");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => decryptSecret([v, iv, tag, flipped.toString("base64")].join(":"))).toThrow(/could not decrypt/);
    expect(() => decryptSecret(boxed, "another-purpose")).toThrow(/could not decrypt/);
    expect(() => decryptSecret("v0:a:b:c")).toThrow(/format/);
  });
});

describe("result codes", () => {
  // A fee bump whose inner transaction failed: op 0 succeeded, op 1 op_no_destination (from the local ledger).
  const FEE_BUMP_INNER_FAILED = "AAAAAAAAASz////zOVSQTmlkUY8rN+ABlxeslltM9TXCZkt+T6yMte1/crsAAAAAAAAAAP////8AAAACAAAAAAAAAAEAAAAAAAAAAAAAAAH////7AAAAAAAAAAA=";
  const FEE_BUMP_INNER_SUCCESS = "AAAAAAAAAMgAAAABrA0qaLWgwrTUlxeJgJBudK24Os86zasVTMsCV4xiGXMAAAAAAAAAAAAAAAAAAAABAAAAAAAAAAEAAAAAAAAAAAAAAAA=";

  it("decodes a fee bump's inner operation results", () => {
    expect(decodeTransactionResult(FEE_BUMP_INNER_FAILED)).toEqual({
      code: "tx_failed",
      outerCode: "tx_fee_bump_inner_failed",
      operations: ["op_success", "op_no_destination"],
    });
    expect(decodeTransactionResult(FEE_BUMP_INNER_SUCCESS)).toEqual({
      code: "tx_success",
      outerCode: "tx_fee_bump_inner_success",
      operations: ["op_success"],
    });
  });

  it("takes the inner code of Horizon's result_codes", () => {
    expect(effectiveTxCode({ transaction: "tx_fee_bump_inner_failed", inner_transaction: { transaction: "tx_bad_seq" } })).toBe("tx_bad_seq");
    expect(effectiveTxCode({ transaction: "tx_insufficient_fee" })).toBe("tx_insufficient_fee");
  });

  it("says in plain words what went wrong", () => {
    expect(failureMessage("op_no_destination", "USDC")).toBe("The receiver's Stellar account does not exist.");
    expect(failureMessage("op_no_trust", "USDC")).toBe("The receiver's account does not trust USDC.");
    expect(failureMessage("op_underfunded", "EURC")).toBe("The distribution account does not have enough EURC.");
    expect(failureMessage("tx_weird", "USDC")).toContain("tx_weird");
  });
});

describe("buildPaymentTransaction", () => {
  const channel = Keypair.random();
  const distribution = Keypair.random();
  const receivers = Array.from({ length: 3 }, () => Keypair.random().publicKey());
  const base = {
    passphrase: PASSPHRASES.local,
    baseFee: 100,
    channel,
    channelSequence: 41n,
    distribution,
    asset: { code: "USDC", issuer: Keypair.random().publicKey() },
    payments: receivers.map((destination, i) => ({ destination, amount: `${i + 1}.5` })),
    memo: null,
    maxTime: 2_000_000_000,
    maxLedger: 1234,
  };

  it("the Stellar rail reads a stored envelope's channel, sequence number and bounds (lookup and tx_bad_seq)", () => {
    const built = buildPaymentTransaction(base);
    expect(envelopeFacts(built.envelopeXdr, PASSPHRASES.local)).toEqual({ channel: channel.publicKey(), sequence: 42n, maxLedger: 1234, maxTime: 2_000_000_000 });
  });

  it("builds a fee-bumped batch: channel source, distribution op source, bounds, exact amounts", () => {
    const built = buildPaymentTransaction(base);
    const parsed = TransactionBuilder.fromXDR(built.envelopeXdr, PASSPHRASES.local);
    expect(parsed).toBeInstanceOf(FeeBumpTransaction);
    const fb = parsed as FeeBumpTransaction;
    expect(fb.feeSource).toBe(distribution.publicKey());
    expect(fb.fee).toBe(String(100 * (3 + 1)));
    const inner = fb.innerTransaction;
    expect(inner.source).toBe(channel.publicKey());
    expect(inner.sequence).toBe("42");
    expect(built.sequence).toBe(42n);
    expect(inner.fee).toBe("300");
    expect(inner.timeBounds).toEqual({ minTime: "0", maxTime: "2000000000" });
    expect(inner.ledgerBounds).toEqual({ minLedger: 0, maxLedger: 1234 });
    expect(inner.operations.map((o) => [o.type, o.source, (o as { destination?: string }).destination, (o as { amount?: string }).amount])).toEqual(
      receivers.map((r, i) => ["payment", distribution.publicKey(), r, `${i + 1}.5000000`]),
    );
    expect(inner.signatures).toHaveLength(2);
    expect(fb.signatures).toHaveLength(1);
    expect(built.hash).toBe(Buffer.from(fb.hash()).toString("hex"));
    expect(built.innerHash).toBe(Buffer.from(inner.hash()).toString("hex"));
    // The hash is bound to the network: the same envelope hashes differently on testnet.
    const elsewhere = TransactionBuilder.fromXDR(built.envelopeXdr, PASSPHRASES.testnet);
    expect(Buffer.from(elsewhere.hash()).toString("hex")).not.toBe(built.hash);
  });

  it("puts a memo on a single payment, as text or id", () => {
    const text = TransactionBuilder.fromXDR(
      buildPaymentTransaction({ ...base, payments: base.payments.slice(0, 1), memo: "invoice 7" }).envelopeXdr,
      PASSPHRASES.local,
    ) as FeeBumpTransaction;
    expect(text.innerTransaction.memo.type).toBe("text");
    const id = TransactionBuilder.fromXDR(
      buildPaymentTransaction({ ...base, payments: base.payments.slice(0, 1), memo: "12345" }).envelopeXdr,
      PASSPHRASES.local,
    ) as FeeBumpTransaction;
    expect(id.innerTransaction.memo.type).toBe("id");
  });

  it("makes the very envelope the SDK's TransactionBuilder and buildFeeBumpTransaction make, byte for byte", () => {
    // The reference: how the engine built transactions before it built the XDR itself (ed25519 signatures are deterministic).
    const reference = (input: BuildPaymentTransactionInput) => {
      const asset = input.asset.issuer === "" ? Asset.native() : new Asset(input.asset.code, input.asset.issuer);
      const builder = new TransactionBuilder(new Account(input.channel.publicKey(), input.channelSequence.toString()), {
        fee: String(input.baseFee),
        networkPassphrase: input.passphrase,
        timebounds: { minTime: 0, maxTime: input.maxTime },
        ledgerbounds: { minLedger: 0, maxLedger: input.maxLedger },
      });
      for (const p of input.payments)
        builder.addOperation(Operation.payment({ destination: p.destination, asset, amount: p.amount, source: input.distribution.publicKey() }));
      if (input.memo !== null) builder.addMemo(/^\d+$/.test(input.memo) ? Memo.id(input.memo) : Memo.text(input.memo));
      const inner = builder.build();
      inner.sign(input.channel, input.distribution);
      const envelope = TransactionBuilder.buildFeeBumpTransaction(input.distribution, String(input.baseFee), inner, input.passphrase);
      envelope.sign(input.distribution);
      return { envelopeXdr: envelope.toXDR(), hash: Buffer.from(envelope.hash()).toString("hex"), innerHash: Buffer.from(inner.hash()).toString("hex") };
    };
    const many = Array.from({ length: 100 }, (_, i) => ({ destination: Keypair.random().publicKey(), amount: `${i + 1}.0000001` }));
    const cases: BuildPaymentTransactionInput[] = [
      base,
      { ...base, asset: { code: "XLM", issuer: "" }, payments: many, channelSequence: 123_456_789_012_345n },
      { ...base, payments: base.payments.slice(0, 1), memo: "invoice 7" },
      { ...base, payments: base.payments.slice(0, 1), memo: "18446744073709551615" },
      { ...base, asset: { code: "LONGASSET12", issuer: base.asset.issuer }, baseFee: 250, payments: many.slice(0, 37) },
    ];
    for (const input of cases) {
      const built = buildPaymentTransaction(input);
      expect({ envelopeXdr: built.envelopeXdr, hash: built.hash, innerHash: built.innerHash }).toEqual(reference(input));
    }
  });

  it("refuses an empty batch or more than 100 payments", () => {
    expect(() => buildPaymentTransaction({ ...base, payments: [] })).toThrow(/1 to 100/);
    const many = Array.from({ length: 101 }, () => ({ destination: receivers[0]!, amount: "1" }));
    expect(() => buildPaymentTransaction({ ...base, payments: many })).toThrow(/1 to 100/);
  });
});

describe("stellarConfig", () => {
  it("defaults to the local ledger with the standalone passphrase", () => {
    const c = stellarConfig({});
    expect(c).toMatchObject({ network: "local", passphrase: "Standalone Network ; February 2017", horizonUrl: "http://127.0.0.1:8000", channelAccounts: 4 });
    expect(stellarConfig({ LEDGER_PORT: "8123" }).horizonUrl).toBe("http://127.0.0.1:8123");
  });

  it("uses the real passphrases and HORIZON_URL on testnet and pubnet", () => {
    expect(stellarConfig({ STELLAR_NETWORK: "testnet" })).toMatchObject({ passphrase: "Test SDF Network ; September 2015", friendbotUrl: null });
    expect(stellarConfig({ STELLAR_NETWORK: "pubnet", HORIZON_URL: "https://h.example/" })).toMatchObject({
      passphrase: "Public Global Stellar Network ; September 2015",
      horizonUrl: "https://h.example",
    });
    expect(() => stellarConfig({ STELLAR_NETWORK: "mainnet" })).toThrow(/STELLAR_NETWORK/);
    expect(() => stellarConfig({ CHANNEL_ACCOUNTS: "0" })).toThrow(/CHANNEL_ACCOUNTS/);
  });
});
