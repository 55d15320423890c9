/**
 * Exact decimal strings for bank files: parse, normalise, add and compare without JavaScript floats
 * (amounts are scaled to bigint). Used by the readers and by pain001-writer.ts.
 */
const DECIMAL = /^(\d+)(?:\.(\d*))?$/;

/**
 * Normalise a non-negative decimal as written in a file ("0012.50" → "12.50", "100." → "100"); keeps the
 * fraction digits (no zeros added or removed). Returns undefined when the text is not a plain decimal.
 */
export function normaliseDecimal(raw: string, separator: "." | "," = "."): string | undefined {
  let text = raw.trim();
  if (separator === ",") {
    if (text.includes(".")) return undefined;
    text = text.replace(",", ".");
  }
  const match = DECIMAL.exec(text);
  if (!match) return undefined;
  const whole = (match[1] ?? "0").replace(/^0+(?=\d)/, "");
  const fraction = match[2] ?? "";
  return fraction ? `${whole}.${fraction}` : whole;
}

/** A decimal string as an integer count of 10^-scale units; undefined when it has more fraction digits than `scale` (other than trailing zeros). */
export function toScaled(decimal: string, scale: number): bigint | undefined {
  const negative = decimal.startsWith("-");
  const match = DECIMAL.exec(negative ? decimal.slice(1) : decimal);
  if (!match) return undefined;
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > scale) return undefined;
  const value = BigInt(whole) * 10n ** BigInt(scale) + BigInt(fraction.padEnd(scale, "0") || "0");
  return negative ? -value : value;
}

/** An integer count of 10^-scale units back to a decimal string with exactly `scale` fraction digits. */
export function fromScaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  if (scale === 0) return `${negative ? "-" : ""}${abs}`;
  const unit = 10n ** BigInt(scale);
  return `${negative ? "-" : ""}${abs / unit}.${(abs % unit).toString().padStart(scale, "0")}`;
}

/** How many fraction digits a decimal string carries, ignoring trailing zeros. */
export function significantScale(decimal: string): number {
  const fraction = decimal.split(".")[1] ?? "";
  return fraction.replace(/0+$/, "").length;
}

/** Exact equality of two decimal strings ("12.5" equals "12.50"). */
export function decimalsEqual(a: string, b: string): boolean {
  const scale = Math.max(a.split(".")[1]?.length ?? 0, b.split(".")[1]?.length ?? 0);
  const x = toScaled(a, scale);
  const y = toScaled(b, scale);
  return x !== undefined && x === y;
}

/** Exact sum of decimal strings, printed with the largest scale among them. */
export function sumDecimals(values: Iterable<string>): string {
  const list = [...values];
  const scale = list.reduce((max, v) => Math.max(max, v.split(".")[1]?.length ?? 0), 0);
  let total = 0n;
  for (const v of list) {
    const scaled = toScaled(v, scale);
    if (scaled === undefined) throw new Error(`not a decimal number: "${v}"`);
    total += scaled;
  }
  return fromScaled(total, scale);
}
