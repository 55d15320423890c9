import { createHash } from "node:crypto";
import { StrKey } from "@stellar/stellar-sdk";
import { describe, expect, it } from "vitest";
import { isStellarAccountAddress, isStellarContractAddress, isStellarMuxedAddress } from "@/server/rails/stellar/stellar-address";

/** Deterministic payloads (no randomness): SHA-256 chains of the index. */
function bytes(i: number, length: number): Buffer {
  let out = Buffer.alloc(0);
  for (let n = 0; out.length < length; n++) out = Buffer.concat([out, createHash("sha256").update(`${i}:${n}`).digest()]);
  return out.subarray(0, length);
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Valid addresses and near-misses: one character changed, cut, extended, lower-cased, other kinds. */
function candidates(): string[] {
  const out: string[] = ["", "G", "GAAA", "not an address", "M" + "A".repeat(68)];
  for (let i = 0; i < 40; i++) {
    const valid = [
      StrKey.encodeEd25519PublicKey(bytes(i, 32)),
      StrKey.encodeMed25519PublicKey(bytes(i, 40)),
      StrKey.encodeContract(bytes(i, 32)),
      StrKey.encodeEd25519SecretSeed(bytes(i, 32)),
    ];
    for (const a of valid) {
      const at = i % a.length;
      const swapped = ALPHABET[(ALPHABET.indexOf(a[at]!) + 1 + (i % 31)) % 32]!;
      out.push(
        a,
        a.slice(0, at) + swapped + a.slice(at + 1),
        a.slice(0, -1),
        a + "A",
        a.toLowerCase(),
        a.slice(0, -1) + ALPHABET[(ALPHABET.indexOf(a.at(-1)!) + 1) % 32],
      );
    }
  }
  return out;
}

describe("Stellar address checks without the SDK (server/rails/stellar/stellar-address.ts)", () => {
  it("agree with the SDK's StrKey on valid addresses and near-misses", () => {
    const all = candidates();
    for (const a of all) {
      expect([a, isStellarAccountAddress(a)]).toEqual([a, StrKey.isValidEd25519PublicKey(a)]);
      expect([a, isStellarMuxedAddress(a)]).toEqual([a, StrKey.isValidMed25519PublicKey(a)]);
      expect([a, isStellarContractAddress(a)]).toEqual([a, StrKey.isValidContract(a)]);
    }
    // The set exercises both answers of each check.
    expect(all.filter(isStellarAccountAddress).length).toBeGreaterThanOrEqual(40);
    expect(all.filter(isStellarMuxedAddress).length).toBeGreaterThanOrEqual(40);
    expect(all.filter(isStellarContractAddress).length).toBeGreaterThanOrEqual(40);
  });

  it("refuses a muxed address whose unused last bit is set (non-canonical base32)", () => {
    const a = StrKey.encodeMed25519PublicKey(bytes(1, 40));
    const last = ALPHABET.indexOf(a.at(-1)!);
    const flipped = a.slice(0, -1) + ALPHABET[last ^ 1];
    expect(isStellarMuxedAddress(flipped)).toBe(StrKey.isValidMed25519PublicKey(flipped));
    expect(isStellarMuxedAddress(flipped)).toBe(false);
  });
});
