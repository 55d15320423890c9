import { createHmac, hkdfSync } from "node:crypto";

/**
 * ENCRYPTION_KEY (32+ random bytes, base64 or hex; `npm start` generates one under .data/) is the
 * root of the app's keyed hashes and encrypted secrets; each use derives its own subkey.
 */
function rootKey(): Buffer {
  const raw = process.env.ENCRYPTION_KEY;
  if (!raw) throw new Error("ENCRYPTION_KEY is not set");
  const key = /^[0-9a-f]{64,}$/i.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
  if (key.length < 32) throw new Error("ENCRYPTION_KEY must hold at least 32 bytes (base64 or hex)");
  return key;
}

const subkeys = new Map<string, Buffer>();

export function subkey(purpose: string): Buffer {
  let key = subkeys.get(purpose);
  if (!key) {
    key = Buffer.from(hkdfSync("sha256", rootKey(), Buffer.alloc(0), `disbursements:${purpose}`, 32));
    subkeys.set(purpose, key);
  }
  return key;
}

/** Keyed hash (HMAC-SHA256, hex) for values too guessable for a plain hash, e.g. dates of birth. */
export function keyedHash(purpose: string, value: string): string {
  return createHmac("sha256", subkey(purpose)).update(value, "utf8").digest("hex");
}
