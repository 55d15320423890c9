import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";
import { subkey } from "../crypto/keys";

/**
 * G2P Connect message signatures (docs/g2p-connect.md#signatures): Ed25519 over a signing string that
 * carries the validity window and a digest, in the HTTP-signature style of the spec's Signature.yaml:
 *
 *   Signature keyId="<sender_id>|<key id>|ed25519",algorithm="ed25519",created="<unix s>",
 *     expires="<unix s>",headers="(created) (expires) digest",signature="<base64>"
 *
 * signing string = "(created): <created>\n(expires): <expires>\ndigest: BLAKE-512=<base64 digest>"
 *
 * The signature travels in the body's `signature` (MsgSignature) or in the HTTP `Signature` header
 * (Signature.yaml), or both. The digest is BLAKE2b-512 of one of:
 *   - the canonical JSON of {"header": …, "message": …} (object keys sorted at every level, no
 *     insignificant white space): what we sign, in both places, so a re-serialized body verifies;
 *   - that object serialized compactly in the key order received (a client that signs
 *     JSON.stringify({header, message}) as the spec's "{header}+{message}" says);
 *   - for the HTTP header only, the exact request body bytes (HTTP-signature / Beckn practice,
 *     where `digest` is the Digest header of the body).
 * `kidId` (the spelling of the spec's MsgSignature example) is read as `keyId`.
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
  return blake512(canonicalJson({ header, message }));
}

/** Base64 BLAKE2b-512 of text or bytes (the `Digest: BLAKE-512=` value of a body). */
export function blake512(data: string | Buffer): string {
  return createHash("blake2b512").update(data).digest("base64");
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
  return `Signature keyId="${options.keyId}|ed25519",algorithm="ed25519",created="${created}",expires="${expires}",headers="${SIGNED_HEADERS}",signature="${signature}"`;
}

export function parseSignatureParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const body = value.trim().replace(/^Signature\s*:?\s*/i, "");
  // A last value without its closing quote (as in the spec's MsgSignature example) runs to the end.
  for (const match of body.matchAll(/([A-Za-z]+)\s*=\s*"([^"]*)(?:"|\s*$)/g)) params[match[1] as string] = (match[2] as string).trim();
  if (params.keyId === undefined && params.kidId !== undefined) params.keyId = params.kidId;
  return params;
}

/** The `headers` a signature may cover: the spec's list, in its order. */
const SIGNED_HEADERS = "(created) (expires) digest";

export type VerifyResult = { ok: true } | { ok: false; reason: string };

export type VerifyOptions = {
  now?: Date;
  skewSeconds?: number;
  /** The exact request body: also accepted as what the digest covers (signatures in the HTTP header). */
  rawBody?: string;
  /** The sender the keyId must name, when the header has no sender_id (the 2023-03 revision's is optional). */
  senderId?: string;
};

/**
 * Check a received signature against the sender's key: well-formed, Ed25519, issued by this
 * sender (keyId starts with the header's sender_id), covering "(created) (expires) digest", inside
 * its created/expires window (with `skewSeconds` of clock tolerance) and matching one of the
 * accepted digests of this header and message (see the top of this file).
 */
export function verifyG2pSignature(value: string, header: { sender_id?: string }, message: unknown, publicKey: KeyObject, options: VerifyOptions = {}): VerifyResult {
  const p = parseSignatureParams(value);
  if (!p.signature || !p.created || !p.expires || !p.keyId) return { ok: false, reason: "the signature lacks keyId, created, expires or signature" };
  if ((p.algorithm ?? "ed25519").toLowerCase() !== "ed25519") return { ok: false, reason: `algorithm ${p.algorithm} is not supported; use ed25519` };
  if (p.headers !== undefined && p.headers.trim().replace(/\s+/g, " ").toLowerCase() !== SIGNED_HEADERS) {
    return { ok: false, reason: `headers must be "${SIGNED_HEADERS}"` };
  }
  if (p.keyId.split("|")[0] !== (header.sender_id ?? options.senderId)) return { ok: false, reason: "the signature's keyId names another sender" };
  const created = Number(p.created);
  const expires = Number(p.expires);
  if (!Number.isInteger(created) || !Number.isInteger(expires)) return { ok: false, reason: "created and expires must be Unix times in seconds" };
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const skew = options.skewSeconds ?? 300;
  if (created > now + skew) return { ok: false, reason: "the signature was created in the future" };
  if (expires < now - skew) return { ok: false, reason: "the signature has expired" };
  const digests = new Set([messageDigest(header, message), blake512(JSON.stringify({ header, message }))]);
  if (options.rawBody !== undefined) digests.add(blake512(options.rawBody));
  let signature: Buffer;
  try {
    signature = Buffer.from(p.signature, "base64");
  } catch {
    return { ok: false, reason: "the signature value is not base64" };
  }
  for (const digest of digests) {
    try {
      if (verify(null, Buffer.from(signingString(created, expires, digest), "utf8"), publicKey, signature)) return { ok: true };
    } catch {
      // an unusable signature value verifies nothing
    }
  }
  return { ok: false, reason: "the signature does not match the message" };
}

/**
 * Sign an exact HTTP body for the `Signature` header (digest of the body bytes), with the
 * `Digest` header that goes with it: how our callbacks and synchronous answers are signed in
 * the HTTP header as well as in the body.
 */
export function signG2pHttpBody(bodyText: string, options: SignOptions): { signature: string; digest: string } {
  const created = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const expires = created + (options.ttlSeconds ?? 3600);
  const digest = blake512(bodyText);
  const data = Buffer.from(signingString(created, expires, digest), "utf8");
  const signature = sign(null, data, options.privateKey).toString("base64");
  return {
    signature: `Signature keyId="${options.keyId}|ed25519",algorithm="ed25519",created="${created}",expires="${expires}",headers="${SIGNED_HEADERS}",signature="${signature}"`,
    digest: `BLAKE-512=${digest}`,
  };
}

/** A signature a request carried: where (`signature` field or HTTP header), its value, and the raw body the header form covers. */
export type GivenSignature = { where: string; value: string; rawBody: string | undefined };

/**
 * Checks every signature a message carried against the sender's registered key (each one given
 * must verify, docs/g2p-connect.md#signatures). Returns the first that does not, in words, or null.
 * `onUnusableKey` is told when the registered key cannot be parsed (every signature then fails).
 */
export function firstInvalidSignature(
  registeredPublicKey: string,
  signatures: readonly GivenSignature[],
  header: { sender_id?: string },
  message: unknown,
  options: Omit<VerifyOptions, "rawBody">,
  onUnusableKey: (error: unknown) => void,
): { where: string; reason: string } | null {
  let publicKey: KeyObject | null = null;
  try {
    publicKey = parseEd25519PublicKey(registeredPublicKey);
  } catch (error) {
    onUnusableKey(error);
  }
  for (const sig of signatures) {
    const verdict = publicKey
      ? verifyG2pSignature(sig.value, header, message, publicKey, { ...options, rawBody: sig.rawBody })
      : { ok: false as const, reason: "the sender's registered public key cannot be used" };
    if (!verdict.ok) return { where: sig.where, reason: verdict.reason };
  }
  return null;
}
