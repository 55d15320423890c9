import { createHash, timingSafeEqual } from "node:crypto";

/**
 * The ILP condition and fulfilment of FSPIOP transfers (docs/rails/mojaloop.md): the payee's FSP
 * gives a condition with its quote (the SHA-256 of a 32-byte secret, base64url, 43 characters), and
 * reveals the secret — the fulfilment — when it commits the transfer. A transfer is SUCCESS only when
 * SHA-256(fulfilment) equals the condition the payment was sent with. Pure.
 */

const BASE64URL_32_BYTES = /^[A-Za-z0-9_-]{43}$/;

export type FulfilmentCheck = { ok: true } | { ok: false; reason: string };

/** Whether a string is a base64url-encoded 32-byte value (a condition or a fulfilment). */
export function isIlp32(value: string): boolean {
  return BASE64URL_32_BYTES.test(value) && Buffer.from(value, "base64url").length === 32;
}

/** SHA-256 of the fulfilment's bytes, base64url (the condition it fulfils). */
export function conditionOf(fulfilment: string): string {
  return createHash("sha256").update(Buffer.from(fulfilment, "base64url")).digest("base64url");
}

/** Check a fulfilment against the condition the transfer was sent with. */
export function checkFulfilment(fulfilment: string | null | undefined, condition: string): FulfilmentCheck {
  if (!isIlp32(condition)) return { ok: false, reason: "the stored condition is not a base64url SHA-256 value" };
  if (!fulfilment) return { ok: false, reason: "the switch reported the transfer committed without a fulfilment" };
  if (!isIlp32(fulfilment)) return { ok: false, reason: "the fulfilment is not a base64url 32-byte value" };
  const digest = createHash("sha256").update(Buffer.from(fulfilment, "base64url")).digest();
  const expected = Buffer.from(condition, "base64url");
  return timingSafeEqual(digest, expected) ? { ok: true } : { ok: false, reason: "the fulfilment does not match the transfer's condition" };
}
