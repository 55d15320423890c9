/**
 * ISO 20022 external status/return reason codes the example bank answers with, in plain words.
 * A small subset of the ISO external code list: the codes a sponsor bank sends for payouts.
 */
export const REASON_TEXT: Record<string, string> = {
  AC01: "Incorrect account number",
  AC04: "Closed account number",
  AC06: "Blocked account",
  AC13: "Invalid debtor account type",
  AG01: "Transaction forbidden on this type of account",
  AM02: "Amount exceeds the maximum allowed",
  AM03: "Currency not allowed for this account",
  AM04: "Insufficient funds",
  AM05: "Duplication",
  AM12: "Invalid amount",
  BE04: "Missing creditor address",
  DUPL: "Duplicate payment",
  DU01: "Duplicate message identification",
  FF01: "Invalid file format",
  MD07: "End customer deceased",
  MS03: "Reason not specified",
  NARR: "Narrative",
  RC01: "Bank identifier incorrect",
  RR01: "Missing debtor account or identification",
};

export function reasonText(code: string): string {
  return REASON_TEXT[code] ?? `Reason ${code}`;
}

/** A reason code is 4 upper-case letters or digits. */
export function isReasonCode(code: string): boolean {
  return /^[A-Z0-9]{4}$/.test(code);
}
