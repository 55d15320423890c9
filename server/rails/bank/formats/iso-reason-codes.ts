/**
 * ISO 20022 external status reason codes (pain.002 `StsRsnInf/Rsn/Cd`) and return reason codes
 * (camt `RtrInf/Rsn/Cd`, MT940 `/RTRN/`) in plain words an operator can act on. The codes are those of the
 * public ISO external code list; the wording is ours. docs/bank-files.md#reason-codes lists how they surface.
 */
export const ISO_REASON_CODES: Readonly<Record<string, string>> = {
  AC01: "The account number is wrong (invalid or missing).",
  AC02: "The debtor (sponsor) account number is invalid or missing.",
  AC03: "The beneficiary account number is invalid or missing.",
  AC04: "The beneficiary account is closed.",
  AC05: "The debtor (sponsor) account is closed.",
  AC06: "The account is blocked; the bank will not move money on it.",
  AC07: "The beneficiary account is closed.",
  AC09: "The account currency is not valid for this payment.",
  AC10: "The debtor (sponsor) account currency is not valid for this payment.",
  AC11: "The beneficiary account currency is not valid for this payment.",
  AC13: "The debtor account type is not allowed for this payment.",
  AC14: "The beneficiary account type is not allowed for this payment.",
  AG01: "The bank does not allow this kind of payment on this account.",
  AG02: "The bank operation code is not valid.",
  AG03: "The bank does not support this kind of payment.",
  AM01: "The amount is zero.",
  AM02: "The amount is higher than the bank allows for one payment.",
  AM03: "The currency is not allowed for this payment.",
  AM04: "Not enough funds on the sponsor account.",
  AM05: "The bank saw this payment before and treated it as a duplicate.",
  AM06: "The amount is lower than the bank accepts.",
  AM07: "The amount is blocked by the bank or a regulator.",
  AM09: "The amount is not the amount agreed or expected.",
  AM10: "The control sum does not match the sum of the payments.",
  AM12: "The amount is not valid.",
  AM13: "The amount is above the clearing system's limit.",
  AM14: "The amount is above the limit agreed with the bank.",
  BE01: "The beneficiary's name does not match the account holder.",
  BE04: "The beneficiary's address is missing or wrong.",
  BE05: "The bank does not recognise the party that sent the payments.",
  BE06: "The bank does not know the beneficiary.",
  BE07: "The debtor's address is missing or wrong.",
  CH03: "The requested execution date is too far in the future.",
  CH16: "A field of the payment file is not formatted correctly.",
  CH17: "The payment file contains a field the bank does not accept.",
  CNOR: "The beneficiary's bank is not reachable through the payment system.",
  CURR: "The currency is wrong.",
  CUST: "Cancelled at the request of the customer.",
  DNOR: "The debtor's bank is not reachable through the payment system.",
  DS02: "The payment order was cancelled.",
  DT01: "A date in the payment is not valid.",
  DUPL: "The bank treated this payment as a duplicate.",
  ED05: "Settlement of the payment failed.",
  FF01: "The file format is not valid (for example it does not match the schema).",
  FOCR: "Returned after a cancellation request.",
  FR01: "Returned or rejected because of suspected fraud.",
  MD07: "The beneficiary has died.",
  MS02: "Refused by the beneficiary for a reason not given.",
  MS03: "Refused by a bank for a reason not given.",
  NARR: "See the bank's text for the reason.",
  NOAS: "The beneficiary did not answer.",
  NOOR: "The bank never received the original payment.",
  RC01: "The bank identifier (BIC or bank code) is wrong.",
  RC02: "The bank identifier is not valid.",
  RC03: "The debtor's bank identifier is not valid.",
  RC04: "The beneficiary's bank identifier is not valid.",
  RR01: "The debtor account or identification required by regulation is missing.",
  RR02: "The debtor name or address required by regulation is missing.",
  RR03: "The beneficiary name or address required by regulation is missing.",
  RR04: "Refused for a regulatory reason.",
  SL01: "Refused by a service the bank offers the debtor (for example a blocking rule).",
  TM01: "Received after the bank's cut-off time.",
  UPAY: "The payment was not due.",
};

/**
 * Plain words for a reason code: the ISO wording, followed by the bank's own text when it gives one
 * ("Not enough funds on the sponsor account. Bank says: Saldo insuficiente"). An unknown code with no text says so.
 */
export function describeReasonCode(code: string | undefined, bankText?: string): string | undefined {
  const text = bankText?.replace(/\s+/g, " ").trim();
  const known = code ? ISO_REASON_CODES[code.toUpperCase()] : undefined;
  if (known) return text ? `${known} Bank says: ${text}` : known;
  if (text) return text;
  return code ? `The bank gave reason code ${code}, which is not in the ISO list.` : undefined;
}
