/**
 * Stellar addresses (StrKey: version byte + payload + CRC16-XModem checksum, base32 without
 * padding). The Stellar rail owns the format (docs/rails.md "Destinations"); the check is pure and
 * SDK-free, so the CSV validator, the G2P payee parser and the browser's forms may import this one
 * file of the rail (eslint.config.mjs allows exactly it). Same answers as the SDK's `StrKey.isValid…`
 * checks (tests/unit/stellar-address.test.ts compares them).
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Version bytes of the address kinds we accept. */
const VERSION = { account: 6 << 3, muxedAccount: 12 << 3, contract: 2 << 3 } as const;

/** Encoded length and payload size of each kind. */
const SHAPE = {
  account: { chars: 56, payload: 32 },
  muxedAccount: { chars: 69, payload: 40 },
  contract: { chars: 56, payload: 32 },
} as const;

type Kind = keyof typeof VERSION;

function crc16Xmodem(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** Base32 decoding that refuses anything but the canonical form (unused trailing bits must be zero). */
function base32Decode(text: string): Uint8Array | null {
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) return null;
    buffer = ((buffer << 5) | value) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >> bits) & 0xff;
    }
  }
  if (bits > 0 && (buffer & ((1 << bits) - 1)) !== 0) return null;
  return out;
}

function isValid(kind: Kind, address: unknown): boolean {
  if (typeof address !== "string" || address.length !== SHAPE[kind].chars) return false;
  const bytes = base32Decode(address);
  if (!bytes || bytes.length !== 1 + SHAPE[kind].payload + 2 || bytes[0] !== VERSION[kind]) return false;
  const body = bytes.subarray(0, bytes.length - 2);
  const checksum = bytes[bytes.length - 2]! | (bytes[bytes.length - 1]! << 8);
  return crc16Xmodem(body) === checksum;
}

/** An account address (`G…`), as `StrKey.isValidEd25519PublicKey`. */
export const isStellarAccountAddress = (address: unknown) => isValid("account", address);
/** A muxed account address (`M…`), as `StrKey.isValidMed25519PublicKey`. */
export const isStellarMuxedAddress = (address: unknown) => isValid("muxedAccount", address);
/** A contract address (`C…`), as `StrKey.isValidContract`. */
export const isStellarContractAddress = (address: unknown) => isValid("contract", address);
