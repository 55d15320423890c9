import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { subkey } from "./keys";

/**
 * AES-256-GCM for secrets kept at rest (Stellar secret seeds), keyed by a subkey of ENCRYPTION_KEY.
 * Format: `v1:<iv b64>:<tag b64>:<ciphertext b64>`. Plaintexts never go to logs or to clients.
 */
const PURPOSE = "stellar-secrets";
const VERSION = "v1";

export function encryptSecret(plaintext: string, purpose = PURPOSE): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", subkey(purpose), iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, iv.toString("base64"), tag.toString("base64"), ciphertext.toString("base64")].join(":");
}

export function decryptSecret(boxed: string, purpose = PURPOSE): string {
  const parts = boxed.split(":");
  if (parts.length !== 4 || parts[0] !== VERSION) throw new Error("unrecognised encrypted secret format");
  const [, iv, tag, ciphertext] = parts as [string, string, string, string];
  const decipher = createDecipheriv("aes-256-gcm", subkey(purpose), Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  try {
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, "base64")), decipher.final()]).toString("utf8");
  } catch {
    // Never echo the input: a wrong ENCRYPTION_KEY is the usual cause.
    throw new Error("could not decrypt a stored secret (was ENCRYPTION_KEY changed?)");
  }
}
