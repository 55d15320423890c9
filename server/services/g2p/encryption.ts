import { createHash, createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from "node:crypto";
import { FlattenedEncrypt, flattenedDecrypt, type FlattenedJWE, type JWK } from "jose";
import { subkey } from "../crypto/keys";

/**
 * G2P Connect encrypted messages (docs/g2p-connect.md#encrypted-messages): with
 * `header.is_msg_encrypted: true` the body's `message` is the spec's `EncryptedMessage`,
 * `{header: {alg, enc, kid}, ciphertext, encrypted_key, tag, iv}`: a JWE in the flattened JSON
 * serialization (RFC 7516 §7.2.2) whose per-recipient unprotected `header` names the algorithms and
 * the recipient's key. The JOSE work is done by the `jose` library.
 *
 * - Our key: X25519 derived from ENCRYPTION_KEY (subkey "g2p-encryption"), like the signing key in
 *   ./signature.ts. Senders encrypt to it with ECDH-ES+A128KW/A192KW/A256KW and any of the JWA
 *   content encryptions jose supports (A128/192/256GCM, A128CBC-HS256, A192CBC-HS384, A256CBC-HS512).
 * - A sender's key (`g2p_senders.encryption_public_key`, a public JWK): X25519 or EC P-256/384/521
 *   (we send ECDH-ES+A256KW) or RSA of 2048 bits or more (RSA-OAEP-256); always A256GCM.
 *
 * jose puts the ephemeral key `epk` of ECDH-ES in a `protected` header (it must be integrity-protected
 * with the ciphertext); the schema's fields are all there and `protected` is one JWE field more.
 */

/** Key management algorithms a sender may use towards our X25519 key. */
export const INBOUND_KEY_MANAGEMENT = ["ECDH-ES+A256KW", "ECDH-ES+A192KW", "ECDH-ES+A128KW"] as const;
/** Content encryption algorithms we decrypt (every JWA `enc` jose supports). */
export const INBOUND_CONTENT_ENCRYPTION = ["A256GCM", "A192GCM", "A128GCM", "A256CBC-HS512", "A192CBC-HS384", "A128CBC-HS256"] as const;
/** Content encryption of what we send. */
export const OUTBOUND_CONTENT_ENCRYPTION = "A256GCM";

/** Key management algorithms a sender's key may name in its `alg` (and what we use without one). */
const SENDER_ALGS: Record<"OKP" | "EC" | "RSA", { default: string; allowed: readonly string[] }> = {
  OKP: { default: "ECDH-ES+A256KW", allowed: INBOUND_KEY_MANAGEMENT },
  EC: { default: "ECDH-ES+A256KW", allowed: INBOUND_KEY_MANAGEMENT },
  RSA: { default: "RSA-OAEP-256", allowed: ["RSA-OAEP-256", "RSA-OAEP-384", "RSA-OAEP-512", "RSA-OAEP"] },
};

const X25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b656e04220420", "hex");

/** RFC 7638 thumbprint (SHA-256, base64url) of a public JWK: the `kid` when a key names none. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = jwk.kty === "RSA" ? ["e", "kty", "n"] : jwk.kty === "EC" ? ["crv", "kty", "x", "y"] : ["crv", "kty", "x"];
  const json = `{${members.map((m) => `${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`).join(",")}}`;
  return createHash("sha256").update(json, "utf8").digest("base64url");
}

export type PlatformEncryptionKey = {
  privateKey: KeyObject;
  /**
   * The public JWK senders encrypt to, with `kid` and `use`; no `alg`, since every ECDH-ES+A*KW is
   * taken (a JWK's alg would hold libraries such as jose to that one).
   */
  publicJwk: { kty: "OKP"; crv: "X25519"; x: string; kid: string; use: "enc" };
  kid: string;
};

let platformKey: PlatformEncryptionKey | undefined;

/**
 * This platform's encryption key, derived from ENCRYPTION_KEY (every process has the same one and
 * nothing extra is stored). Its `kid` is the RFC 7638 thumbprint of the public key.
 */
export function platformEncryptionKey(): PlatformEncryptionKey {
  if (platformKey) return platformKey;
  const privateKey = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, subkey("g2p-encryption")]), format: "der", type: "pkcs8" });
  const { x } = createPublicKey(privateKey).export({ format: "jwk" }) as { x: string };
  const kid = jwkThumbprint({ kty: "OKP", crv: "X25519", x });
  platformKey = { privateKey, publicJwk: { kty: "OKP", crv: "X25519", x, kid, use: "enc" }, kid };
  return platformKey;
}

/* ---------------------------------------------------------------- senders' keys */

/** Members of a private or symmetric JWK: never accepted. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

export type SenderEncryptionKey = { jwk: JWK; alg: string; kid: string };

/**
 * A sender's public encryption key from the JWK JSON text an owner pasted, checked and reduced to
 * its public members (plus `kid`, `alg`, `use` when given). Throws an Error whose message says what
 * is wrong (the field is "the encryption key").
 */
export function parseSenderEncryptionKey(text: string): SenderEncryptionKey {
  let value: unknown;
  try {
    value = JSON.parse(text.trim());
  } catch {
    throw new Error('The encryption key must be a public JWK in JSON, e.g. {"kty":"OKP","crv":"X25519","x":"…"}.');
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new Error("The encryption key must be one JWK object (JSON).");
  const jwk = value as Record<string, unknown>;
  if (Array.isArray(jwk.keys)) throw new Error("That is a key set (keys: […]); paste the one public JWK to encrypt to.");
  const secret = PRIVATE_MEMBERS.filter((m) => m in jwk);
  if (secret.length > 0) {
    throw new Error(
      `That JWK holds private key material (${secret.map((m) => `"${m}"`).join(", ")}): paste the sender's public key only, and treat this private key as exposed.`,
    );
  }
  const kty = jwk.kty;
  if (kty !== "OKP" && kty !== "EC" && kty !== "RSA") {
    throw new Error(`The encryption key has kty ${JSON.stringify(kty ?? null)}; use an X25519 (OKP), EC P-256/P-384/P-521 or RSA public key.`);
  }
  if (kty === "OKP" && jwk.crv !== "X25519") {
    throw new Error(`The encryption key's curve is ${JSON.stringify(jwk.crv ?? null)}; an OKP key must be X25519 (Ed25519 signs, it cannot encrypt).`);
  }
  if (kty === "EC" && !["P-256", "P-384", "P-521"].includes(String(jwk.crv))) {
    throw new Error(`The encryption key's curve is ${JSON.stringify(jwk.crv ?? null)}; an EC key must be P-256, P-384 or P-521.`);
  }
  if (jwk.use !== undefined && jwk.use !== "enc") throw new Error(`The encryption key has "use": ${JSON.stringify(jwk.use)}; it must be "enc" (or absent).`);
  const algs = SENDER_ALGS[kty];
  if (jwk.alg !== undefined && !algs.allowed.includes(String(jwk.alg))) {
    throw new Error(`The encryption key's "alg" ${JSON.stringify(jwk.alg)} is not supported for ${kty} keys; use ${algs.allowed.join(", ")} (or leave it out).`);
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== "string" || jwk.kid === "" || jwk.kid.length > 200)) {
    throw new Error('The encryption key\'s "kid" must be a non-empty string of at most 200 characters.');
  }
  const members = kty === "RSA" ? ["kty", "n", "e"] : kty === "EC" ? ["kty", "crv", "x", "y"] : ["kty", "crv", "x"];
  for (const m of members) {
    if (typeof jwk[m] !== "string" || jwk[m] === "") throw new Error(`The encryption key lacks "${m}".`);
  }
  const publicJwk: Record<string, string> = {};
  for (const m of members) publicJwk[m] = jwk[m] as string;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: publicJwk as JsonWebKey, format: "jwk" });
  } catch {
    throw new Error(`The encryption key is not a valid ${kty} public key (its coordinates or modulus do not form a key).`);
  }
  if (kty === "RSA" && (key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
    throw new Error(`The encryption key is RSA of ${key.asymmetricKeyDetails?.modulusLength ?? "?"} bits; use at least 2048.`);
  }
  const kid = typeof jwk.kid === "string" ? jwk.kid : jwkThumbprint(publicJwk);
  const normalized: JWK = {
    ...publicJwk,
    ...(jwk.kid !== undefined ? { kid: jwk.kid as string } : {}),
    ...(jwk.alg !== undefined ? { alg: String(jwk.alg) } : {}),
    use: "enc",
  };
  return { jwk: normalized, alg: (jwk.alg as string | undefined) ?? algs.default, kid };
}

/** The stored form of a sender's key: the checked JWK as compact JSON. */
export function normalizeSenderEncryptionKey(text: string): string {
  return JSON.stringify(parseSenderEncryptionKey(text).jwk);
}

/* ---------------------------------------------------------------- messages */

/** The spec's EncryptedMessage (a flattened JWE; `protected` and `aad` are the JWE fields it may also carry). */
export type EncryptedMessage = {
  header: { alg: string; enc: string; kid: string; [k: string]: unknown };
  ciphertext: string;
  encrypted_key: string;
  tag: string;
  iv: string;
  protected?: string;
  aad?: string;
};

/** Encrypt a message to a sender's public key: the `message` of a body with is_msg_encrypted true. */
export async function encryptMessage(message: unknown, senderKeyText: string): Promise<EncryptedMessage> {
  const key = parseSenderEncryptionKey(senderKeyText);
  const jwe = await new FlattenedEncrypt(new TextEncoder().encode(JSON.stringify(message)))
    .setUnprotectedHeader({ alg: key.alg, enc: OUTBOUND_CONTENT_ENCRYPTION, kid: key.kid })
    .encrypt(key.jwk);
  return jwe as unknown as EncryptedMessage;
}

/** Why an inbound encrypted message cannot be used: the text of the `err.encryption.invalid` answer. */
export class G2pDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "G2pDecryptionError";
  }
}

const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Check that `message` has the EncryptedMessage form, names our key and an algorithm we take; then
 * what `decryptMessage` will need. Cheap (no cryptography): done before the signature is checked.
 */
export function checkEncryptedMessage(message: unknown): EncryptedMessage {
  if (typeof message !== "object" || message === null || Array.isArray(message)) {
    throw new G2pDecryptionError("With is_msg_encrypted true, message must be an EncryptedMessage object {header: {alg, enc, kid}, ciphertext, encrypted_key, tag, iv}.");
  }
  const m = message as Record<string, unknown>;
  if ("recipients" in m) {
    throw new G2pDecryptionError(
      "message uses the general JWE JSON serialization (recipients); send the spec's EncryptedMessage, the flattened form {header, ciphertext, encrypted_key, tag, iv}.",
    );
  }
  const header = m.header as Record<string, unknown> | undefined;
  const missing = ["ciphertext", "encrypted_key", "tag", "iv"].filter((f) => typeof m[f] !== "string");
  if (typeof header !== "object" || header === null || Array.isArray(header)) missing.unshift("header");
  else for (const f of ["alg", "enc", "kid"]) if (typeof header[f] !== "string") missing.push(`header.${f}`);
  if (missing.length > 0) {
    throw new G2pDecryptionError(
      `With is_msg_encrypted true, message must be the spec's EncryptedMessage; missing or not a string: ${missing.map((f) => `message.${f}`).join(", ")}.`,
    );
  }
  for (const f of ["ciphertext", "encrypted_key", "tag", "iv", "protected", "aad"]) {
    if (m[f] !== undefined && (typeof m[f] !== "string" || !B64URL.test(m[f] as string))) throw new G2pDecryptionError(`message.${f} must be base64url (no padding).`);
  }
  const h = header as Record<string, string>;
  let protectedHeader: Record<string, unknown> = {};
  if (typeof m.protected === "string" && m.protected !== "") {
    try {
      protectedHeader = JSON.parse(Buffer.from(m.protected, "base64url").toString("utf8")) as Record<string, unknown>;
    } catch {
      throw new G2pDecryptionError("message.protected is not base64url of a JSON object.");
    }
  }
  const joined = { ...protectedHeader, ...h };
  const ours = platformEncryptionKey().kid;
  if (joined.kid !== ours) {
    throw new G2pDecryptionError(
      `message.header.kid "${String(joined.kid)}" is not this platform's encryption key; encrypt to the key shown on the Integrations page (kid "${ours}").`,
    );
  }
  if (!(INBOUND_KEY_MANAGEMENT as readonly string[]).includes(String(joined.alg))) {
    throw new G2pDecryptionError(`message.header.alg "${String(joined.alg)}" is not supported; our X25519 key takes ${INBOUND_KEY_MANAGEMENT.join(", ")}.`);
  }
  if (!(INBOUND_CONTENT_ENCRYPTION as readonly string[]).includes(String(joined.enc))) {
    throw new G2pDecryptionError(`message.header.enc "${String(joined.enc)}" is not supported; use one of ${INBOUND_CONTENT_ENCRYPTION.join(", ")}.`);
  }
  return message as EncryptedMessage;
}

/**
 * Decrypt an EncryptedMessage sent to our key: the plain message (a JSON object). Throws
 * G2pDecryptionError when it cannot be decrypted or is not JSON.
 */
export async function decryptMessage(message: unknown, options: { maxPlaintextBytes: number }): Promise<Record<string, unknown>> {
  const jwe = checkEncryptedMessage(message);
  let plaintext: Uint8Array;
  try {
    const result = await flattenedDecrypt(jwe as unknown as FlattenedJWE, platformEncryptionKey().privateKey, {
      keyManagementAlgorithms: [...INBOUND_KEY_MANAGEMENT],
      contentEncryptionAlgorithms: [...INBOUND_CONTENT_ENCRYPTION],
      maxDecompressedLength: options.maxPlaintextBytes,
    });
    plaintext = result.plaintext;
  } catch (error) {
    const why = (error as { code?: string }).code === "ERR_JWE_DECRYPTION_FAILED" ? "decryption failed" : ((error as Error).message ?? "decryption failed");
    throw new G2pDecryptionError(
      `message could not be decrypted with this platform's encryption key (${why}): it was encrypted to another key, or its ciphertext, tag, iv or headers were altered.`,
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(plaintext));
  } catch {
    throw new G2pDecryptionError("The decrypted message is not JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new G2pDecryptionError("The decrypted message must be a JSON object.");
  return value as Record<string, unknown>;
}
