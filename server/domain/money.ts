/**
 * Exact money. Amounts travel as decimal strings and are computed as integer stroops
 * (1 unit = 10^7 stroops, Stellar's precision); never JavaScript floats.
 */
export const STROOPS_PER_UNIT = 10_000_000n;
export const MAX_INT64 = 9_223_372_036_854_775_807n;
const AMOUNT_PATTERN = /^(\d+)(?:\.(\d+))?$/;

export type AmountResult = { ok: true; stroops: bigint } | { ok: false; message: string };

/** Parse a positive decimal amount with at most 7 decimals that fits in int64 stroops. */
export function parseAmount(raw: string): AmountResult {
  const value = raw.trim();
  const match = AMOUNT_PATTERN.exec(value);
  if (!match) return { ok: false, message: "invalid amount. Amount must be a positive number, e.g. 12.50" };
  const [, whole = "0", fraction = ""] = match;
  if (fraction.length > 7) return { ok: false, message: "invalid amount. Use at most 7 decimal places" };
  const stroops = BigInt(whole) * STROOPS_PER_UNIT + BigInt(fraction.padEnd(7, "0") || "0");
  if (stroops <= 0n) return { ok: false, message: "invalid amount. Amount must be greater than 0" };
  if (stroops > MAX_INT64) return { ok: false, message: "invalid amount. Amount is too large" };
  return { ok: true, stroops };
}

/** Stroops to a decimal string with exactly 7 decimals ("12.5000000"), as NUMERIC(19,7) prints. */
export function formatStroops(stroops: bigint): string {
  const negative = stroops < 0n;
  const abs = negative ? -stroops : stroops;
  const whole = abs / STROOPS_PER_UNIT;
  const fraction = (abs % STROOPS_PER_UNIT).toString().padStart(7, "0");
  return `${negative ? "-" : ""}${whole}.${fraction}`;
}

/** A NUMERIC string from the database (any scale up to 7) to stroops. */
export function toStroops(decimal: string | null | undefined): bigint {
  if (!decimal) return 0n;
  const negative = decimal.startsWith("-");
  const [whole = "0", fraction = ""] = (negative ? decimal.slice(1) : decimal).split(".");
  const stroops = BigInt(whole || "0") * STROOPS_PER_UNIT + BigInt(fraction.slice(0, 7).padEnd(7, "0") || "0");
  return negative ? -stroops : stroops;
}

/** Trim trailing zeros for display: "12.5000000" → "12.5", "3.0000000" → "3". */
export function displayAmount(decimal: string | null | undefined): string {
  if (!decimal) return "0";
  const s = formatStroops(toStroops(decimal));
  return s.replace(/\.?0+$/, "") || "0";
}

/** Group thousands for display without touching the digits ("1234567.5" → "1,234,567.5"). */
export function groupThousands(decimal: string): string {
  const [whole = "0", fraction] = decimal.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction ? `${grouped}.${fraction}` : grouped;
}
