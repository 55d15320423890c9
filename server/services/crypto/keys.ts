import { createHmac, hkdfSync } from "node:crypto";
import { config } from "@/server/config";
import { decodeEncryptionKey } from "@/server/config/schema";

/**
 * ENCRYPTION_KEY (32+ random bytes, base64 or hex; `npm start` generates one under .data/) is the
 * root of the app's keyed hashes and encrypted secrets; each use derives its own subkey.
 */
function rootKey(): Buffer {
  // config() refuses a key shorter than 32 bytes (server/config/schema.ts).
  const raw = config().ENCRYPTION_KEY;
  if (!raw) throw new Error("ENCRYPTION_KEY is not set");
  return decodeEncryptionKey(raw);
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
