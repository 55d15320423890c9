/**
 * Exact money for the example bank: amounts are bigint minor units inside, decimal strings on the
 * wire and in files. JSON numbers (the OpenG2P example bank's payloads send floats) are read through
 * their shortest decimal spelling, and refused when that spelling has more decimals than the currency.
 */

/** ISO 4217 minor units where they differ from 2. */
const EXPONENTS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

export function currencyDecimals(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

export function isCurrencyCode(value: unknown): value is string {
  return typeof value === "string" && /^[A-Z]{3}$/.test(value);
}

export class AmountError extends Error {}

/** "12.5" / 12.5 → 1250n (USD). Throws AmountError naming the problem. */
export function parseAmount(value: unknown, currency: string, field = "amount"): bigint {
  let text: string;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new AmountError(`${field} must be a finite number`);
    text = String(value);
  } else if (typeof value === "string") {
    text = value.trim();
  } else {
    throw new AmountError(`${field} is missing or not a number`);
  }
  const m = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) throw new AmountError(`${field} "${text}" is not a plain positive decimal`);
  const decimals = currencyDecimals(currency);
  const frac = (m[2] ?? "").replace(/0+$/, "");
  if (frac.length > decimals) throw new AmountError(`${field} "${text}" has more than ${decimals} decimals for ${currency}`);
  const minor = BigInt(m[1]!) * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, "0") || "0");
  return minor;
}

/** 1250n → "12.50" (USD); negative values keep their sign. */
export function formatAmount(minor: bigint, currency: string, separator = "."): string {
  const decimals = currencyDecimals(currency);
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const digits = abs.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals);
  return `${negative ? "-" : ""}${whole}${decimals > 0 ? `${separator}${frac}` : separator === "," ? "," : ""}`;
}
