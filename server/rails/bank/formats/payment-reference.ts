/**
 * The payment reference the platform puts in a bank file's EndToEndId (ISO 20022 Max35Text, MT940
 * `/EREF/`) and reads back from pain.002 / camt / MT940: the payment id (a UUID, 36 characters with
 * hyphens, one too many for Max35Text) written as its 32 lowercase hex digits. The mapping is reversible;
 * banks may upper-case references, so reading ignores case. docs/bank-files.md#endtoendid explains it.
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COMPACT = /^[0-9a-f]{32}$/i;

/** Payment id (UUID) → EndToEndId (32 hex digits). Throws on anything that is not a UUID. */
export function paymentIdToEndToEndId(paymentId: string): string {
  if (!UUID.test(paymentId)) throw new Error(`payment id "${paymentId}" is not a UUID`);
  return paymentId.replace(/-/g, "").toLowerCase();
}

/** EndToEndId → payment id (lowercase UUID), or undefined when the reference is not one this platform wrote (accepts the hyphenated form too). */
export function endToEndIdToPaymentId(endToEndId: string | undefined): string | undefined {
  if (!endToEndId) return undefined;
  const value = endToEndId.trim();
  if (UUID.test(value)) return value.toLowerCase();
  if (!COMPACT.test(value)) return undefined;
  const hex = value.toLowerCase();
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
