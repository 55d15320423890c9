/**
 * Small display helpers shared by every component: counts with thousands separators and
 * "1 payment" / "3 payments". Pure string functions with no server or React imports, so both
 * the browser and server-side messages can use them.
 */

/** Group thousands without touching the digits ("1234567.5" → "1,234,567.5"). */
export function groupThousands(decimal: string): string {
  const [whole = "0", fraction] = decimal.split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction ? `${grouped}.${fraction}` : grouped;
}

/** An integer count with thousands separators ("20,000"). */
export function formatCount(n: number): string {
  return groupThousands(String(n));
}

/** The word alone for n: pluralWord(1, "payment") → "payment", pluralWord(3, "payment") → "payments". */
export function pluralWord(n: number, one: string, many: string = `${one}s`): string {
  return n === 1 ? one : many;
}

/** A formatted count and its word: plural(1, "payment") → "1 payment", plural(20000, "payment") → "20,000 payments". */
export function plural(n: number, one: string, many?: string): string {
  return `${formatCount(n)} ${pluralWord(n, one, many)}`;
}
