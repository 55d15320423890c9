/**
 * What a staff member types in a list's search box, as the normalised keys the search indexes hold
 * (docs/performance.md, "Search"). Search is by prefix (the start of a phone number from its country
 * code, an email, an external id, a paymentID, or a payment id), which a btree with text_pattern_ops
 * serves as one range read; an exact match ranks first.
 */
export type SearchKeys = {
  /** Lower-cased text (emails and ids are matched lower-cased). */
  text: string;
  /** The stored phone form `+digits`, when the text reads as a phone number. */
  phone: string | null;
  /** Payment ids from `lo` to `hi` (the typed start of a UUID), and the full id when complete. */
  uuid: { lo: string; hi: string; exact: string | null } | null;
};

const PHONE_TEXT = /^\+?[\d\s().-]+$/;
const HEX = /^[0-9a-f]+$/;

function asUuid(hex32: string): string {
  return `${hex32.slice(0, 8)}-${hex32.slice(8, 12)}-${hex32.slice(12, 16)}-${hex32.slice(16, 20)}-${hex32.slice(20)}`;
}

export function searchKeys(q: string): SearchKeys {
  const text = q.trim().toLowerCase();
  const digits = text.replace(/\D/g, "");
  const phone = PHONE_TEXT.test(text) && digits.length > 0 ? `+${digits}` : null;
  const hex = text.replace(/-/g, "");
  const uuid =
    HEX.test(hex) && hex.length >= 4 && hex.length <= 32
      ? { lo: asUuid(hex.padEnd(32, "0")), hi: asUuid(hex.padEnd(32, "f")), exact: hex.length === 32 ? asUuid(hex) : null }
      : null;
  return { text, phone, uuid };
}

/**
 * The half-open range `[from, to)` of strings starting with `prefix` in byte order (text_pattern_ops'
 * `~>=~` / `~<~`), so the index range holds even in a generic plan where LIKE's pattern is unknown.
 */
export function prefixRange(prefix: string): { from: string; to: string } {
  const last = prefix.codePointAt(prefix.length - 1) ?? 0;
  const head = prefix.slice(0, prefix.length - (last > 0xffff ? 2 : 1));
  return { from: prefix, to: head + String.fromCodePoint(last + 1) };
}
