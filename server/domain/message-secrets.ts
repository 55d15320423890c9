/**
 * Receivers' secrets inside message text (docs/security.md, "Receivers' secrets"): the 6-digit
 * one-time code of a RECEIVER_OTP message and the bearer token of a registration or set-password
 * link. Used twice: to mask bodies for roles without `receivers:secrets`, and to store only the
 * redacted text of a message that a real transport (SMTP, SMS) carried. Pure: no I/O.
 */
export const REDACTED_CODE = "••••••";
export const REDACTED_TOKEN = "[redacted]";

/** `/r/<token>` (server/services/registration/registration-token.ts) and `?token=<token>` (set-password links). */
const REGISTRATION_PATH = /\/r\/[A-Za-z0-9._~%-]+/g;
const TOKEN_PARAM = /([?&]token=)[^&#\s]+/gi;
/** A stand-alone run of exactly six digits: the code (server/services/registration/send-registration-otp.ts). */
const SIX_DIGITS = /(?<![0-9])[0-9]{6}(?![0-9])/g;

/** The text with every registration link token (and, for a one-time code message, the code) replaced. */
export function redactMessageSecrets(type: string, text: string): string {
  let out = text.replace(REGISTRATION_PATH, `/r/${REDACTED_TOKEN}`).replace(TOKEN_PARAM, `$1${REDACTED_TOKEN}`);
  if (type === "RECEIVER_OTP") out = out.replace(SIX_DIGITS, REDACTED_CODE);
  return out;
}

/**
 * Whether the stored text of a message carried by this transport keeps its secrets: only the
 * embedded outbox, which is the delivery channel itself (staff read the link there and pass it on).
 */
export function transportKeepsSecrets(transportName: string): boolean {
  return transportName === "outbox";
}
