/**
 * stellar-core's SignatureChecker: weights of the signers whose signatures verify against the
 * transaction hash, each signature marked "used" when it matches a signer (for `tx_bad_auth_extra`).
 *
 * Verification is ed25519 over the transaction hash, done with node:crypto (OpenSSL): the same
 * RFC 8032 check as the SDK's `Keypair.verify` (@noble/ed25519, zip215 off), about 20× faster, which
 * matters because this is the hot path of the ledger. Public keys are parsed once and cached.
 */
import { createPublicKey, verify as cryptoVerify, type KeyObject } from "node:crypto";
import { StrKey, type xdr } from "@stellar/stellar-sdk";

type DecoratedSignatureWire = xdr.DecoratedSignatureWire;

const SPKI_ED25519_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const keyCache = new Map<string, KeyObject | null>();

function keyObjectFor(accountId: string): KeyObject | null {
  let k = keyCache.get(accountId);
  if (k !== undefined) return k;
  try {
    const raw = StrKey.decodeEd25519PublicKey(accountId);
    k = createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(raw)]), format: "der", type: "spki" });
  } catch {
    k = null;
  }
  if (keyCache.size > 200_000) keyCache.clear();
  keyCache.set(accountId, k);
  return k;
}

/** ed25519 verification of `signature` over `data` by the account key `accountId` (G...). */
export function verifyEd25519(accountId: string, data: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  const key = keyObjectFor(accountId);
  if (!key) return false;
  try {
    return cryptoVerify(null, data, key, signature);
  } catch {
    return false;
  }
}

/** The last 4 bytes of a G... key: the hint a DecoratedSignature carries. */
function hintOf(accountId: string): number {
  const raw = StrKey.decodeEd25519PublicKey(accountId);
  return ((raw[28]! << 24) | (raw[29]! << 16) | (raw[30]! << 8) | raw[31]!) >>> 0;
}

const hintCache = new Map<string, number>();
function cachedHint(accountId: string): number {
  let h = hintCache.get(accountId);
  if (h === undefined) {
    h = hintOf(accountId);
    if (hintCache.size > 200_000) hintCache.clear();
    hintCache.set(accountId, h);
  }
  return h;
}

export interface WeightedSigner {
  /** StrKey; only ed25519 (G...) signers can be satisfied by a signature here. */
  key: string;
  weight: number;
}

export class SignatureChecker {
  private readonly used: boolean[];
  private readonly hints: number[];
  /** accountId → index of the signature it made, or -1. */
  private readonly matches = new Map<string, number>();

  constructor(
    private readonly hash: Uint8Array,
    private readonly signatures: DecoratedSignatureWire[],
  ) {
    this.used = signatures.map(() => false);
    this.hints = signatures.map((s) => ((s.hint[0]! << 24) | (s.hint[1]! << 16) | (s.hint[2]! << 8) | s.hint[3]!) >>> 0);
  }

  /** Index of a signature by `accountId` over the hash, or -1. Memoised per checker. */
  private signatureBy(accountId: string): number {
    const known = this.matches.get(accountId);
    if (known !== undefined) return known;
    let found = -1;
    if (this.signatures.length > 0) {
      const hint = cachedHint(accountId);
      for (let i = 0; i < this.signatures.length; i++) {
        if (this.hints[i] !== hint) continue;
        if (verifyEd25519(accountId, this.hash, this.signatures[i]!.signature)) {
          found = i;
          break;
        }
      }
    }
    this.matches.set(accountId, found);
    return found;
  }

  /**
   * True when the signers with a valid signature reach `neededWeight` (at least one signature is
   * always needed: a threshold of 0 still requires a signer of weight ≥ 1).
   */
  checkSignature(signers: WeightedSigner[], neededWeight: number): boolean {
    let total = 0;
    for (const s of signers) {
      if (s.weight <= 0 || s.key.charCodeAt(0) !== 71 /* G */) continue;
      const i = this.signatureBy(s.key);
      if (i < 0) continue;
      this.used[i] = true;
      total += Math.min(s.weight, 255);
      if (total >= neededWeight) return true;
    }
    return false;
  }

  /** An operation whose source account does not exist yet: its master key must have signed. */
  checkSignatureNoAccount(accountId: string): boolean {
    return this.checkSignature([{ key: accountId, weight: 1 }], 0);
  }

  checkAllSignaturesUsed(): boolean {
    return this.used.every(Boolean);
  }
}
