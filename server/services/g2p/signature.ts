import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { subkey } from "../crypto/keys";

/**
 * G2P Connect message signatures (docs/g2p-connect.md#signatures): Ed25519 over a signing string that
 * carries the validity window and a digest of the message's `header` and `message`, in the HTTP-signature
 * style the spec shows:
 *
 *   Signature keyId="<sender_id>|<key id>|ed25519",algorithm="ed25519",created="<unix s>",
 *     expires="<unix s>",headers="(created) (expires) digest",signature="<base64>"
 *
 * signing string = "(created): <created>\n(expires): <expires>\ndigest: BLAKE-512=<base64 digest>"
 * digest         = BLAKE2b-512 of the canonical JSON of {"header": …, "message": …} (object keys
 *                  sorted at every level, no insignificant white space), so a re-serialized body
 *                  verifies the same.
 */

/** JSON with object keys sorted at every level (RFC 8785 style for the values G2P messages hold). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

export function messageDigest(header: unknown, message: unknown): string {
  return createHash("blake2b512").update(canonicalJson({ header, message }), "utf8").digest("base64");
}

export function signingString(created: number, expires: number, digest: string): string {
  return `(created): ${created}\n(expires): ${expires}\ndigest: BLAKE-512=${digest}`;
}

/* ---------------------------------------------------------------- keys */

const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const ED25519_PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

/**
 * A registered public key in any of the usual spellings (PEM SPKI, base64 / base64url / hex of the
 * 32 raw bytes) as a KeyObject; throws a readable error for anything that is not an Ed25519 key.
 */
export function parseEd25519PublicKey(input: string): KeyObject {
  const text = input.trim();
  let key: KeyObject;
  try {
    if (text.includes("-----BEGIN")) key = createPublicKey(text);
    else {
      const raw = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, "hex") : Buffer.from(text.replace(/-/g, "+").replace(/_/g, "/"), "base64");
      if (raw.length !== 32) throw new Error("length");
      key = createPublicKey({ key: Buffer.concat([ED25519_SPKI_PREFIX, raw]), format: "der", type: "spki" });
    }
  } catch {
    throw new Error("The public key must be an Ed25519 key: PEM (BEGIN PUBLIC KEY) or the 32 raw bytes in base64 or hex.");
  }
  if (key.asymmetricKeyType !== "ed25519") throw new Error(`The public key is ${key.asymmetricKeyType ?? "unknown"}; an Ed25519 key is required.`);
  return key;
}

/** The canonical stored form of a public key: PEM. */
export function normalizeEd25519PublicKey(input: string): string {
  return parseEd25519PublicKey(input).export({ format: "pem", type: "spki" }).toString().trim();
}

/** The 32 raw bytes of an Ed25519 public key in base64 (how the Integrations page shows keys too). */
export function rawPublicKeyBase64(key: KeyObject): string {
  return (key.export({ format: "der", type: "spki" }) as Buffer).subarray(ED25519_SPKI_PREFIX.length).toString("base64");
}

export function ed25519PrivateKeyFromSeed(seed: Buffer): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed.subarray(0, 32)]), format: "der", type: "pkcs8" });
}

/**
 * This platform's signing key, derived from ENCRYPTION_KEY (so every process signs with the same key
 * and nothing extra needs storing). Organizations see the public half on the Integrations page.
 */
export function platformSigningKey(): { privateKey: KeyObject; publicKeyPem: string; publicKeyBase64: string } {
  const privateKey = ed25519PrivateKeyFromSeed(subkey("g2p-signing"));
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKeyPem: publicKey.export({ format: "pem", type: "spki" }).toString().trim(),
    publicKeyBase64: rawPublicKeyBase64(publicKey),
  };
}

/* ---------------------------------------------------------------- sign / verify */

export type SignOptions = { keyId: string; privateKey: KeyObject; now?: Date; ttlSeconds?: number };

/** The `signature` value for a message's header and body. */
export function signG2pMessage(header: unknown, message: unknown, options: SignOptions): string {
  const created = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expires = created + (options.ttlSeconds ?? 3600);
  const data = Buffer.from(signingString(created, expires, messageDigest(header, message)), "utf8");
  const signature = sign(null, data, options.privateKey).toString("base64");
  return `Signature keyId="${options.keyId}|ed25519",algorithm="ed25519",created="${created}",expires="${expires}",headers="(created) (expires) digest",signature="${signature}"`;
}

export function parseSignatureParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const body = value.trim().replace(/^Signature:?\s*/i, "");
  for (const match of body.matchAll(/([A-Za-z]+)\s*=\s*"([^"]*)"/g)) params[match[1] as string] = match[2] as string;
  return params;
}

export type VerifyResult = { ok: true } | { ok: false; reason: string };

/**
 * Check a received `signature` against the sender's key: well-formed, Ed25519, issued by this
 * sender (keyId starts with the header's sender_id), inside its created/expires window (with
 * `skewSeconds` of clock tolerance) and matching the digest of this header and message.
 */
export function verifyG2pSignature(
  value: string,
  header: { sender_id: string },
  message: unknown,
  publicKey: KeyObject,
  options: { now?: Date; skewSeconds?: number } = {},
): VerifyResult {
  const p = parseSignatureParams(value);
  if (!p.signature || !p.created || !p.expires || !p.keyId) return { ok: false, reason: "the signature lacks keyId, created, expires or signature" };
  if ((p.algorithm ?? "ed25519").toLowerCase() !== "ed25519") return { ok: false, reason: `algorithm ${p.algorithm} is not supported; use ed25519` };
  if (p.keyId.split("|")[0] !== header.sender_id) return { ok: false, reason: "the signature's keyId names another sender" };
  const created = Number(p.created);
  const expires = Number(p.expires);
  if (!Number.isInteger(created) || !Number.isInteger(expires)) return { ok: false, reason: "created and expires must be Unix times in seconds" };
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const skew = options.skewSeconds ?? 300;
  if (created > now + skew) return { ok: false, reason: "the signature was created in the future" };
  if (expires < now - skew) return { ok: false, reason: "the signature has expired" };
  const data = Buffer.from(signingString(created, expires, messageDigest(header, message)), "utf8");
  let valid = false;
  try {
    valid = verify(null, data, publicKey, Buffer.from(p.signature, "base64"));
  } catch {
    valid = false;
  }
  return valid ? { ok: true } : { ok: false, reason: "the signature does not match the message" };
}
