/**
 * Exact money. Amounts travel as decimal strings and are computed as integer stroops
 * (1 unit = 10^7 stroops, Stellar's precision); never JavaScript floats.
 */
export const STROOPS_PER_UNIT = 10_000_000n;
export const MAX_INT64 = 9_223_372_036_854_775_807n;
const AMOUNT_PATTERN = /^(\d+)(?:\.(\d+))?$/;

export type AmountResult = { ok: true; stroops: bigint } | { ok: false; message: string };

/**
 * Parse a positive decimal amount with at most `decimals` decimals (the asset's or currency's
 * precision: 7 for Stellar assets, 2 for most fiat currencies; docs/domain.md#money) that fits in
 * int64 stroops. The result is always in stroops, whatever the precision.
 */
export function parseAmount(raw: string, decimals = 7): AmountResult {
  const value = raw.trim();
  const match = AMOUNT_PATTERN.exec(value);
  if (!match) return { ok: false, message: "invalid amount. Amount must be a positive number, e.g. 12.50" };
  const [, whole = "0", fraction = ""] = match;
  if (fraction.length > decimals) {
    return { ok: false, message: decimals === 0 ? "invalid amount. This currency has no decimal places" : `invalid amount. Use at most ${decimals} decimal places` };
  }
  const stroops = BigInt(whole) * STROOPS_PER_UNIT + BigInt(fraction.padEnd(7, "0") || "0");
  if (stroops <= 0n) return { ok: false, message: "invalid amount. Amount must be greater than 0" };
  if (stroops > MAX_INT64) return { ok: false, message: "invalid amount. Amount is too large" };
  return { ok: true, stroops };
}

/** Stroops as a decimal string with exactly `decimals` decimals ("12.50" for 2), cutting nothing that is not zero. */
export function formatAmount(stroops: bigint, decimals: number): string {
  const full = formatStroops(stroops);
  if (decimals >= 7) return full;
  const [whole, fraction = ""] = full.split(".");
  const kept = fraction.slice(0, decimals);
  const dropped = fraction.slice(decimals);
  // More precision than the currency has means the value did not come through parseAmount: show it all.
  if (/[1-9]/.test(dropped)) return full.replace(/0+$/, "");
  return decimals === 0 ? (whole ?? "0") : `${whole}.${kept}`;
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

/**
 * For display. Without `decimals`, trailing zeros are trimmed: "12.5000000" → "12.5", "3.0000000" → "3".
 * With the currency's decimals, exactly that many are shown: "12.5000000" at 2 → "12.50".
 */
export function displayAmount(decimal: string | null | undefined, decimals?: number): string {
  if (decimals !== undefined && decimals < 7) return formatAmount(toStroops(decimal), decimals);
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
