import { createSign, createVerify, type KeyLike } from "node:crypto";

/**
 * FSPIOP request signatures (the FSPIOP API "Signature" document; docs/rails/mojaloop.md): a JWS with
 * a detached payload in the `FSPIOP-Signature` header, `{"signature": "…", "protectedHeader": "…"}`.
 * The protected header (base64url JSON) names `alg` (RS256) and copies `FSPIOP-URI`,
 * `FSPIOP-HTTP-Method`, `FSPIOP-Source` and, when the request has them, `FSPIOP-Destination` and
 * `Date`; the signature covers `protectedHeader + "." + base64url(body)` over the body's exact bytes.
 * Verifying checks the signature with the switch's public key and that every protected value equals
 * the request's header. Pure (no I/O).
 */

export const FSPIOP_JWS_ALG = "RS256";

export type HeaderBag = Record<string, string | string[] | undefined>;

export type JwsVerdict = { ok: true } | { ok: false; reason: string };

function header(headers: HeaderBag, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return Array.isArray(value) ? value[0] : value;
  }
  return undefined;
}

type SignInput = {
  method: string;
  /** The request's path as sent (the FSPIOP-URI), e.g. "/transfers/0f…". */
  uri: string;
  headers: HeaderBag;
  body: string | Buffer;
  privateKey: KeyLike;
};

/**
 * Sign a request: answers the headers to add (`fspiop-uri`, `fspiop-http-method`, `fspiop-signature`).
 * The body must be sent byte for byte as given.
 */
export function signFspiopRequest(input: SignInput): Record<string, string> {
  const source = header(input.headers, "fspiop-source");
  if (!source) throw new Error("FSPIOP-Source is required to sign a request.");
  const protectedObject: Record<string, string> = {
    alg: FSPIOP_JWS_ALG,
    "FSPIOP-URI": input.uri,
    "FSPIOP-HTTP-Method": input.method.toUpperCase(),
    "FSPIOP-Source": source,
  };
  const destination = header(input.headers, "fspiop-destination");
  if (destination) protectedObject["FSPIOP-Destination"] = destination;
  const date = header(input.headers, "date");
  if (date) protectedObject.Date = date;
  const protectedHeader = Buffer.from(JSON.stringify(protectedObject)).toString("base64url");
  const payload = Buffer.from(input.body).toString("base64url");
  const signature = createSign("RSA-SHA256").update(`${protectedHeader}.${payload}`).sign(input.privateKey).toString("base64url");
  return {
    "fspiop-uri": input.uri,
    "fspiop-http-method": input.method.toUpperCase(),
    "fspiop-signature": JSON.stringify({ signature, protectedHeader }),
  };
}

/**
 * Verify the `FSPIOP-Signature` of a request received (a callback from the switch) against the
 * sender's public key. `rawBody`: the body's bytes exactly as received (not re-serialised JSON).
 */
export function verifyFspiopSignature(input: { headers: HeaderBag; rawBody: string | Buffer; publicKey: KeyLike }): JwsVerdict {
  const raw = header(input.headers, "fspiop-signature");
  if (!raw) return { ok: false, reason: "the request has no FSPIOP-Signature header" };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, reason: "FSPIOP-Signature is not JSON" };
  }
  const { signature, protectedHeader } = (parsed ?? {}) as { signature?: unknown; protectedHeader?: unknown };
  if (typeof signature !== "string" || typeof protectedHeader !== "string" || !/^[A-Za-z0-9_-]+$/.test(signature) || !/^[A-Za-z0-9_-]+$/.test(protectedHeader)) {
    return { ok: false, reason: "FSPIOP-Signature lacks a base64url signature or protectedHeader" };
  }
  let claims: Record<string, unknown>;
  try {
    claims = JSON.parse(Buffer.from(protectedHeader, "base64url").toString("utf8")) as Record<string, unknown>;
  } catch {
    return { ok: false, reason: "the protected header is not base64url JSON" };
  }
  if (claims === null || typeof claims !== "object") return { ok: false, reason: "the protected header is not a JSON object" };
  if (claims.alg !== FSPIOP_JWS_ALG) return { ok: false, reason: `the protected header's alg is ${JSON.stringify(claims.alg)}, not ${FSPIOP_JWS_ALG}` };

  const payload = Buffer.from(input.rawBody).toString("base64url");
  let valid = false;
  try {
    valid = createVerify("RSA-SHA256").update(`${protectedHeader}.${payload}`).verify(input.publicKey, Buffer.from(signature, "base64url"));
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: "the signature does not verify with the switch's public key" };

  // Required claims, each equal to the request's header.
  for (const name of ["FSPIOP-URI", "FSPIOP-HTTP-Method", "FSPIOP-Source"]) {
    const claim = claims[name];
    const actual = header(input.headers, name);
    if (typeof claim !== "string" || !claim) return { ok: false, reason: `the protected header lacks ${name}` };
    if (actual === undefined) return { ok: false, reason: `the request lacks the ${name} header` };
    if (claim !== actual) return { ok: false, reason: `${name} of the request (${actual}) differs from the signed ${claim}` };
  }
  // Optional ones: present on one side means present and equal on the other.
  for (const name of ["FSPIOP-Destination", "Date"]) {
    const claim = claims[name];
    const actual = header(input.headers, name);
    if (claim === undefined && actual === undefined) continue;
    if (name === "Date" && claim === undefined) continue; // Date may be left unsigned.
    if (claim !== actual) return { ok: false, reason: `${name} of the request (${actual ?? "absent"}) differs from the signed ${claim ?? "absent"}` };
  }
  return { ok: true };
}
