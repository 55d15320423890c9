import { Secret, TOTP } from "otpauth";

/**
 * TOTP (RFC 6238) as authenticator apps expect it: HMAC-SHA-1, 6 digits, 30-second steps. A code
 * from the step before or after the server's clock is accepted (clock drift); the caller refuses a
 * step it has already accepted (docs/security.md).
 */
export const TOTP_ALGORITHM = "SHA1";
export const TOTP_DIGITS = 6;
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_WINDOW = 1;

function totpFor(secretBase32: string, label = "account", issuer = "") {
  return new TOTP({
    issuer,
    label,
    secret: Secret.fromBase32(secretBase32),
    algorithm: TOTP_ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  });
}

/** RFC 6238's T: the number of whole periods since the Unix epoch. */
export function totpStep(timestampMs: number): number {
  return TOTP.counter({ period: TOTP_PERIOD_SECONDS, timestamp: timestampMs });
}

/** The code an authenticator app shows at `timestampMs`. */
export function totpCode(secretBase32: string, timestampMs: number = Date.now()): string {
  return totpFor(secretBase32).generate({ timestamp: timestampMs });
}

/** The time step whose code `code` is (within ±TOTP_WINDOW steps of `timestampMs`), or null. */
export function matchTotp(secretBase32: string, code: string, timestampMs: number = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: timestampMs, window: TOTP_WINDOW });
  return delta === null ? null : totpStep(timestampMs) + delta;
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function otpauthUri(secretBase32: string, account: string, issuer: string): string {
  return totpFor(secretBase32, account, issuer).toString();
}

/** A new random secret (160 bits, RFC 4226's recommended length), in base32 for manual entry. */
export function newTotpSecretBase32(): string {
  return new Secret({ size: 20 }).base32;
}

/** Recovery codes: 10 characters from an alphabet without look-alikes (0/o, 1/l/i), shown as xxxxx-xxxxx. */
const RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
export const RECOVERY_CODE_LENGTH = 10;

/** Turns random bytes into one recovery code ("k7m2p-qx9ta"). */
export function recoveryCodeFromBytes(bytes: Uint8Array): string {
  if (bytes.length < RECOVERY_CODE_LENGTH) throw new Error("need at least 10 random bytes");
  // 256 % 31 != 0 leaves a negligible bias (< 1%) per character; the code still carries ~49 bits.
  const chars = Array.from(bytes.slice(0, RECOVERY_CODE_LENGTH), (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]);
  return `${chars.slice(0, 5).join("")}-${chars.slice(5).join("")}`;
}

/**
 * What the user typed as a second factor: a 6-digit TOTP code or a recovery code, with spaces and
 * dashes removed and letters lower-cased; null when it is neither shape.
 */
export function parseSecondFactorCode(input: string): { kind: "totp"; code: string } | { kind: "recovery"; code: string } | null {
  const cleaned = input.replace(/[\s-]/g, "").toLowerCase();
  if (/^\d{6}$/.test(cleaned)) return { kind: "totp", code: cleaned };
  if (cleaned.length === RECOVERY_CODE_LENGTH && [...cleaned].every((c) => RECOVERY_ALPHABET.includes(c))) {
    return { kind: "recovery", code: cleaned };
  }
  return null;
}
