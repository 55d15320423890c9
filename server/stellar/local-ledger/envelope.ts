/**
 * Decoding a submitted TransactionEnvelope with the SDK's XDR schema, and the transaction hashes.
 *
 * The hash is SHA-256(networkId ‖ envelope type ‖ transaction XDR). The bytes of the transaction are
 * a slice of the submitted envelope (the envelope is the type tag, the transaction, then the signatures),
 * so the hash needs no re-encoding: that keeps a 100-operation envelope at well under a millisecond.
 */
import { createHash } from "node:crypto";
import { StrKey, xdr } from "@stellar/stellar-sdk";

type EnvelopeWire = xdr.TransactionEnvelopeWire;
type TransactionWire = xdr.TransactionWire;
type DecoratedSignatureWire = xdr.DecoratedSignatureWire;
export type MuxedAccountWire = xdr.MuxedAccountWire;
export type OperationBodyWire = xdr.OperationBodyWire;
export type MemoWire = xdr.MemoWire;
export type SignerKeyWire = xdr.SignerKeyWire;

const ENVELOPE_TYPE_TX_V0 = 0;
const ENVELOPE_TYPE_TX = 2;
const ENVELOPE_TYPE_TX_FEE_BUMP = 5;

export class MalformedEnvelopeError extends Error {}

export interface ParsedOperation {
  /** The operation's own source (G...), or null to use the transaction's. */
  sourceId: string | null;
  body: OperationBodyWire;
}

export interface ParsedTransaction {
  hash: Uint8Array;
  hashHex: string;
  sourceId: string;
  /** M... address when the source was a muxed account. */
  sourceMuxed?: string;
  fee: bigint;
  seqNum: bigint;
  timeBounds: { minTime: bigint; maxTime: bigint } | null;
  ledgerBounds: { minLedger: number; maxLedger: number } | null;
  minSeqNum: bigint | null;
  minSeqAge: bigint;
  minSeqLedgerGap: number;
  extraSigners: SignerKeyWire[];
  memo: MemoWire;
  operations: ParsedOperation[];
  signatures: DecoratedSignatureWire[];
}

export interface ParsedFeeBump {
  hash: Uint8Array;
  hashHex: string;
  feeSourceId: string;
  feeSourceMuxed?: string;
  fee: bigint;
  signatures: DecoratedSignatureWire[];
}

export interface ParsedEnvelope {
  /** base64 of the envelope as submitted. */
  envelopeXdr: string;
  /** Hash of the outer transaction (the fee bump when there is one): the transaction's id. */
  hashHex: string;
  /** The (inner) transaction. */
  tx: ParsedTransaction;
  feeBump?: ParsedFeeBump;
  /** Operations counted for fees and ledger capacity: inner operations + 1 for a fee bump. */
  numOps: number;
  /** The fee bid of the outer transaction. */
  feeBid: bigint;
}

export function networkIdOf(passphrase: string): Uint8Array {
  return createHash("sha256").update(passphrase, "utf8").digest();
}

export function accountIdFromBytes(ed25519: Uint8Array): string {
  return StrKey.encodeEd25519PublicKey(Buffer.from(ed25519));
}

export function accountIdOfMuxed(m: MuxedAccountWire): string {
  return m.type === 0 ? accountIdFromBytes(m.ed25519) : accountIdFromBytes(m.med25519.ed25519);
}

export function muxedAddressOf(m: MuxedAccountWire): string | undefined {
  if (m.type === 0) return undefined;
  const raw = Buffer.alloc(40);
  Buffer.from(m.med25519.ed25519).copy(raw, 0);
  raw.writeBigUInt64BE(m.med25519.id, 32);
  return StrKey.encodeMed25519PublicKey(raw);
}

/** StrKey of a signer key (G..., T..., X..., P...). */
export function signerKeyToString(k: SignerKeyWire): string {
  switch (k.type) {
    case 0:
      return accountIdFromBytes(k.ed25519);
    case 1:
      return StrKey.encodePreAuthTx(Buffer.from(k.preAuthTx));
    case 2:
      return StrKey.encodeSha256Hash(Buffer.from(k.hashX));
    default: {
      const p = k.ed25519SignedPayload;
      const len = p.payload.length;
      const buf = Buffer.alloc(32 + 4 + len + ((4 - (len % 4)) % 4));
      Buffer.from(p.ed25519).copy(buf, 0);
      buf.writeUInt32BE(len, 32);
      Buffer.from(p.payload).copy(buf, 36);
      return StrKey.encodeSignedPayload(buf);
    }
  }
}

/** Bytes taken by `DecoratedSignature signatures<20>` at the end of an envelope. */
function signaturesSize(sigs: DecoratedSignatureWire[]): number {
  let n = 4;
  for (const s of sigs) n += 4 + 4 + s.signature.length + ((4 - (s.signature.length % 4)) % 4);
  return n;
}

function sha256(...parts: Uint8Array[]): Uint8Array {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");

function parseTransaction(tx: TransactionWire, signatures: DecoratedSignatureWire[], hash: Uint8Array): ParsedTransaction {
  let timeBounds: ParsedTransaction["timeBounds"] = null;
  let ledgerBounds: ParsedTransaction["ledgerBounds"] = null;
  let minSeqNum: bigint | null = null;
  let minSeqAge = 0n;
  let minSeqLedgerGap = 0;
  let extraSigners: SignerKeyWire[] = [];
  const cond = tx.cond;
  if (cond.type === 1) {
    timeBounds = cond.timeBounds;
  } else if (cond.type === 2) {
    timeBounds = cond.v2.timeBounds;
    ledgerBounds = cond.v2.ledgerBounds;
    minSeqNum = cond.v2.minSeqNum;
    minSeqAge = cond.v2.minSeqAge;
    minSeqLedgerGap = cond.v2.minSeqLedgerGap;
    extraSigners = cond.v2.extraSigners;
  }
  return {
    hash,
    hashHex: hex(hash),
    sourceId: accountIdOfMuxed(tx.sourceAccount),
    sourceMuxed: muxedAddressOf(tx.sourceAccount),
    fee: BigInt(tx.fee),
    seqNum: tx.seqNum,
    timeBounds,
    ledgerBounds,
    minSeqNum,
    minSeqAge,
    minSeqLedgerGap,
    extraSigners,
    memo: tx.memo,
    operations: tx.operations.map((op) => ({
      sourceId: op.sourceAccount ? accountIdOfMuxed(op.sourceAccount) : null,
      body: op.body,
    })),
    signatures,
  };
}

/**
 * Decode a base64 TransactionEnvelope and compute its hashes for the network `networkId`.
 * Throws {@link MalformedEnvelopeError} when it does not decode (Horizon's `transaction_malformed`):
 * that includes more than 100 operations or 20 signatures, which the XDR itself bounds.
 */
export function parseEnvelope(envelopeXdr: string, networkId: Uint8Array): ParsedEnvelope {
  const trimmed = envelopeXdr.trim();
  let raw: Uint8Array;
  let env: EnvelopeWire;
  try {
    raw = Buffer.from(trimmed, "base64");
    if (raw.length === 0 || Buffer.from(raw).toString("base64") !== trimmed) throw new Error("not canonical base64");
    env = xdr.TransactionEnvelope.schema.decode(raw);
  } catch (e) {
    throw new MalformedEnvelopeError(`the envelope does not decode: ${(e as Error).message}`);
  }

  if (env.type === ENVELOPE_TYPE_TX) {
    const end = raw.length - signaturesSize(env.v1.signatures);
    const hash = sha256(networkId, raw.subarray(0, end));
    const tx = parseTransaction(env.v1.tx, env.v1.signatures, hash);
    return { envelopeXdr: trimmed, hashHex: tx.hashHex, tx, numOps: tx.operations.length, feeBid: tx.fee };
  }

  if (env.type === ENVELOPE_TYPE_TX_V0) {
    // A v0 transaction is hashed as the equivalent v1 one: the raw ed25519 source becomes a muxed
    // account (KEY_TYPE_ED25519 = 0); every other field encodes identically.
    const v0 = env.v0;
    const end = raw.length - signaturesSize(v0.signatures);
    const prefix = new Uint8Array([0, 0, 0, ENVELOPE_TYPE_TX, 0, 0, 0, 0]);
    const hash = sha256(networkId, prefix, raw.subarray(4, end));
    const asV1: TransactionWire = {
      sourceAccount: { type: 0, ed25519: v0.tx.sourceAccountEd25519 },
      fee: v0.tx.fee,
      seqNum: v0.tx.seqNum,
      cond: v0.tx.timeBounds ? { type: 1, timeBounds: v0.tx.timeBounds } : { type: 0 },
      memo: v0.tx.memo,
      operations: v0.tx.operations,
      ext: { v: 0 },
    };
    const tx = parseTransaction(asV1, v0.signatures, hash);
    return { envelopeXdr: trimmed, hashHex: tx.hashHex, tx, numOps: tx.operations.length, feeBid: tx.fee };
  }

  // Fee bump: [type 5][feeSource][fee int64][inner type 2][inner tx][inner sigs][ext][outer sigs]
  const fb = env.feeBump;
  const outerEnd = raw.length - signaturesSize(fb.signatures);
  const outerHash = sha256(networkId, raw.subarray(0, outerEnd));
  const muxLen = fb.tx.feeSource.type === 0 ? 36 : 44;
  const innerStart = 4 + muxLen + 8;
  const innerEnvEnd = outerEnd - 4;
  const inner = fb.tx.innerTx.v1;
  const innerEnd = innerEnvEnd - signaturesSize(inner.signatures);
  const innerHash = sha256(networkId, raw.subarray(innerStart, innerEnd));
  const tx = parseTransaction(inner.tx, inner.signatures, innerHash);
  return {
    envelopeXdr: trimmed,
    hashHex: hex(outerHash),
    tx,
    feeBump: {
      hash: outerHash,
      hashHex: hex(outerHash),
      feeSourceId: accountIdOfMuxed(fb.tx.feeSource),
      feeSourceMuxed: muxedAddressOf(fb.tx.feeSource),
      fee: fb.tx.fee,
      signatures: fb.signatures,
    },
    numOps: tx.operations.length + 1,
    feeBid: fb.tx.fee,
  };
}

export { ENVELOPE_TYPE_TX_FEE_BUMP };
