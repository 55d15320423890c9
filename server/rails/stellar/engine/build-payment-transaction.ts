import { createHash, createPrivateKey, sign as signEd25519, type KeyObject } from "node:crypto";
import { Asset, Memo, Operation, xdr, type Keypair } from "@stellar/stellar-sdk";
import { formatStroops, toStroops } from "@/server/domain/money";
import { memoType } from "@/server/domain/csv-instructions";

export type PaymentOperation = { destination: string; amount: string };

export type BuildPaymentTransactionInput = {
  passphrase: string;
  /** Fee bid per operation, in stroops. */
  baseFee: number;
  channel: Keypair;
  /** The channel's current sequence number on the ledger; the transaction uses the next one. */
  channelSequence: bigint;
  distribution: Keypair;
  asset: { code: string; issuer: string };
  payments: PaymentOperation[];
  /** One memo per transaction, so a payment with a memo travels alone. */
  memo: string | null;
  /** Valid until this time (unix seconds) and in ledgers before `maxLedger`. */
  maxTime: number;
  maxLedger: number;
};

export type BuiltPaymentTransaction = {
  /** The fee-bump envelope, base64: what is stored and submitted, byte for byte. */
  envelopeXdr: string;
  /** Hash of the fee bump: what is submitted and looked up. */
  hash: string;
  innerHash: string;
  sequence: bigint;
};

export function stellarAsset(asset: { code: string; issuer: string }): Asset {
  return asset.issuer === "" ? Asset.native() : new Asset(asset.code, asset.issuer);
}

/** ed25519 private keys for node:crypto, from a keypair's raw seed (PKCS#8 DER prefix + 32 bytes). */
const PKCS8_ED25519_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");
const signingKeys = new WeakMap<Keypair, KeyObject>();
function signingKey(keypair: Keypair): KeyObject {
  let key = signingKeys.get(keypair);
  if (!key) {
    key = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, keypair.rawSecretKey()]), format: "der", type: "pkcs8" });
    signingKeys.set(keypair, key);
  }
  return key;
}

/** A decorated signature of `hash` (ed25519 is deterministic: the same bytes the SDK's pure-JS signer makes, natively). */
function decoratedSignature(keypair: Keypair, hash: Buffer): xdr.DecoratedSignature {
  return new xdr.DecoratedSignature({ hint: keypair.signatureHint(), signature: signEd25519(null, hash, signingKey(keypair)) });
}

const networkIds = new Map<string, xdr.Hash>();
function networkId(passphrase: string): xdr.Hash {
  let id = networkIds.get(passphrase);
  if (!id) {
    id = xdr.Hash.fromXdr(createHash("sha256").update(passphrase).digest());
    networkIds.set(passphrase, id);
  }
  return id;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest();

/**
 * One transaction of up to 100 payments: the channel account is the transaction source (so many
 * transactions can be pending at once), the distribution account is every operation's source and
 * pays the fee through a fee bump (channels hold no XLM). Signed by the channel and the
 * distribution account; the fee bump by the distribution account.
 *
 * Built from the XDR types directly, each hash computed once and signed with node:crypto: the same
 * envelope as TransactionBuilder + buildFeeBumpTransaction (tests/unit/stellar-engine.test.ts
 * compares them byte for byte), without the SDK's defensive re-encoding of the whole transaction on
 * every access and its pure-JS ed25519 — a third of a worker's CPU per payment before (docs/performance/engine.md).
 */
export function buildPaymentTransaction(input: BuildPaymentTransactionInput): BuiltPaymentTransaction {
  const n = input.payments.length;
  if (n === 0 || n > 100) throw new Error("a payment transaction holds 1 to 100 payments");
  if (!Number.isInteger(input.baseFee) || input.baseFee < 100) throw new Error("the base fee is at least 100 stroops");
  const asset = stellarAsset(input.asset);
  const distribution = input.distribution.publicKey();
  const operations = input.payments.map((p) =>
    // Amounts from NUMERIC(19,7) strings, normalised to exactly 7 decimals.
    Operation.payment({ destination: p.destination, asset, amount: formatStroops(toStroops(p.amount)), source: distribution }),
  );
  const sequence = input.channelSequence + 1n;
  const memo = input.memo === null ? Memo.none() : memoType(input.memo) === "id" ? Memo.id(input.memo) : Memo.text(input.memo);
  const inner = new xdr.Transaction({
    sourceAccount: input.channel.xdrMuxedAccount(),
    fee: input.baseFee * n,
    seqNum: xdr.Int64.fromString(sequence.toString()),
    cond: xdr.Preconditions.precondV2(
      new xdr.PreconditionsV2({
        timeBounds: new xdr.TimeBounds({ minTime: xdr.Uint64.fromString("0"), maxTime: xdr.Uint64.fromString(String(input.maxTime)) }),
        ledgerBounds: new xdr.LedgerBounds({ minLedger: 0, maxLedger: input.maxLedger }),
        minSeqNum: null,
        minSeqAge: xdr.Uint64.fromString("0"),
        minSeqLedgerGap: 0,
        extraSigners: [],
      }),
    ),
    memo: memo.toXdrObject(),
    operations,
    ext: xdr.TransactionExt.v0(),
  });
  const innerHash = sha256(
    new xdr.TransactionSignaturePayload({
      networkId: networkId(input.passphrase),
      taggedTransaction: xdr.TransactionSignaturePayloadTaggedTransaction.envelopeTypeTx(inner),
    }).toXdr(),
  );
  const innerEnvelope = new xdr.TransactionV1Envelope({
    tx: inner,
    signatures: [decoratedSignature(input.channel, innerHash), decoratedSignature(input.distribution, innerHash)],
  });
  const feeBump = new xdr.FeeBumpTransaction({
    feeSource: input.distribution.xdrMuxedAccount(),
    fee: xdr.Int64.fromString(String(input.baseFee * (n + 1))),
    innerTx: xdr.FeeBumpTransactionInnerTx.envelopeTypeTx(innerEnvelope),
    ext: xdr.FeeBumpTransactionExt.v0(),
  });
  const hash = sha256(
    new xdr.TransactionSignaturePayload({
      networkId: networkId(input.passphrase),
      taggedTransaction: xdr.TransactionSignaturePayloadTaggedTransaction.envelopeTypeTxFeeBump(feeBump),
    }).toXdr(),
  );
  const envelope = xdr.TransactionEnvelope.envelopeTypeTxFeeBump(
    new xdr.FeeBumpTransactionEnvelope({ tx: feeBump, signatures: [decoratedSignature(input.distribution, hash)] }),
  );
  return {
    envelopeXdr: Buffer.from(envelope.toXdr()).toString("base64"),
    hash: hash.toString("hex"),
    innerHash: innerHash.toString("hex"),
    sequence,
  };
}
