/**
 * What the sponsor-bank readers (pain.002, camt.053/.054, MT940) return: one rail-neutral shape the
 * reconciliation codes against, whatever format the bank sent. Pure types plus the reader error; no I/O.
 * Amounts are exact decimal strings everywhere (never JavaScript numbers). docs/bank-files.md describes
 * each format and how its fields map here.
 *
 * Stability: other code depends on these names. Add optional fields; do not rename or remove.
 */

/** The file formats the readers accept. */
export type BankFileFormat = "PAIN002" | "CAMT053" | "CAMT054" | "MT940";

/**
 * Status of one entry, mapped from the format's own code (kept raw in `statusCode`):
 * - BOOKED: on the account statement as booked (camt `BOOK`, every MT940 `:61:` line).
 * - PENDING: not final yet (camt `PDNG`, pain.002 `PDNG`/`RCVD`).
 * - INFO: camt `INFO` (information only, not booked).
 * - ACCEPTED: the bank accepted the instruction but has not reported settlement (pain.002 `ACTC`, `ACCP`, `ACSP`, `ACWC`, `ACWP`, `ACFC`, `PATC`, `PART`).
 * - SETTLED: the bank reports settlement completed (pain.002 `ACSC`, `ACCC`).
 * - REJECTED: refused by the bank (pain.002 `RJCT`); returns on a statement stay BOOKED with `returned`.
 * - CANCELLED: pain.002 `CANC`.
 */
export type BankEntryStatus = "BOOKED" | "PENDING" | "INFO" | "ACCEPTED" | "SETTLED" | "REJECTED" | "CANCELLED";

export type BankEntryDirection = "DEBIT" | "CREDIT";

/** An account as the file names it: IBAN when it has one, else the bank's own number; BIC of the servicer when given. */
export type BankAccountRef = {
  iban?: string;
  /** A non-IBAN account number (camt `Othr/Id`, the MT940 `:25:` value when it is not an IBAN). */
  number?: string;
  /** MT940 `:25:` often reads "BANKCODE/ACCOUNT"; the part before the slash lands here when it is not a BIC. */
  bankCode?: string;
  bic?: string;
  /** Account holder name (camt `Acct/Ownr/Nm`, counterparty `Nm`). */
  name?: string;
  currency?: string;
};

/** A balance: an exact signed decimal ("-12.50" when the bank reports it as a debit balance), its currency and date (YYYY-MM-DD). */
export type BankBalance = {
  amount: string;
  currency: string;
  date: string;
  /** The format's balance code: camt `OPBD`/`CLBD`/`PRCD`/…, MT940 `60F`/`60M`/`62F`/`62M`. */
  code?: string;
};

/** A status with its reason, as pain.002 reports it at group, payment-information or transaction level. */
export type BankStatusWithReason = {
  status: BankEntryStatus;
  /** The raw code (`ACSC`, `RJCT`, …). */
  statusCode: string;
  /** ISO external status reason code (`AC01`, `AM04`, …) or the bank's proprietary code. */
  reasonCode?: string;
  /** The reason in plain words: the bank's `AddtlInf` when given, else the wording of `reasonCode` (iso-reason-codes.ts). */
  reasonText?: string;
};

/** One movement (statement) or one transaction status (pain.002). A camt batch entry with N transaction details yields N entries. */
export type ParsedBankEntry = {
  /** 1-based position of this entry in the file (across statements), the order reconciliation reports it in. */
  index: number;
  /** The payment reference as written in the file: pain.001 `EndToEndId` echoed back, camt `Refs/EndToEndId`, MT940 `/EREF/`. Absent, or "NOTPROVIDED", when the bank gave none. */
  endToEndId?: string;
  /** The platform payment id (a UUID) when `endToEndId` is one this platform wrote (pain001-writer.ts `endToEndIdToPaymentId`). */
  paymentId?: string;
  /** The bank's own reference for the movement (camt `AcctSvcrRef`, MT940 `:61:` reference after `//`, pain.002 `StsId`). */
  bankReference?: string;
  /** The account owner's reference (camt `InstrId`/`PmtInfId`/`MsgId`, MT940 `:61:` reference before `//`, pain.002 `OrgnlInstrId`). */
  customerReference?: string;
  /** pain.002: the original payment information block (`OrgnlPmtInfId`); camt: `Refs/PmtInfId`. */
  paymentInformationId?: string;
  /**
   * Exact positive decimal with "." as separator, as written in the file (MT940 "1234,5" → "1234.5"; no trailing zeros added or removed).
   * Always present on statements (camt, MT940); pain.002 carries it only when the bank echoes the original amount (`OrgnlTxRef/Amt`).
   */
  amount?: string;
  /** ISO 4217 code; always present on statements, on pain.002 only with `amount`. */
  currency?: string;
  /**
   * Which way money moves on THIS entry, from the account holder's side: a payout leaving the sponsor account is a DEBIT.
   * A reversal books the opposite of the entry it undoes, so the reversal of a payout is a CREDIT with `reversal: true`
   * (MT940 `RD` = "reversal of a debit", camt `CRDT` with `RvslInd`). pain.002 entries are DEBIT (a credit transfer debits the debtor).
   * Use `isPayout` / `undoesPayout` below rather than combining the flags by hand.
   */
  direction: BankEntryDirection;
  /** The entry reverses an earlier booking (camt `RvslInd` true, MT940 `RD`/`RC`). */
  reversal: boolean;
  /** The entry returns a payment the beneficiary bank refused (camt `RtrInf` present or bank transaction code `RRTN`, MT940 `/RTRN/`); `reasonCode` says why. */
  returned?: boolean;
  status: BankEntryStatus;
  /** Raw status code (`BOOK`, `PDNG`, `ACSC`, `RJCT`, …); MT940 has none and reports "BOOK". */
  statusCode: string;
  /** ISO reason code (camt `RtrInf/Rsn/Cd`, pain.002 `StsRsnInf/Rsn/Cd`, MT940 `/RTRN/` code). */
  reasonCode?: string;
  /** The reason in plain words (the bank's text when given, else iso-reason-codes.ts). */
  reasonText?: string;
  /** YYYY-MM-DD. */
  bookingDate?: string;
  /** YYYY-MM-DD. */
  valueDate?: string;
  /** The other party: the creditor for a DEBIT, the debtor for a CREDIT. */
  counterparty?: BankAccountRef;
  /** Free text: camt `AddtlNtryInf`/`RmtInf/Ustrd`, MT940 `:86:` (joined, line breaks removed). */
  narrative?: string;
  /** camt bank transaction code (`Domn/Cd/Fmly/Cd/SubFmlyCd` joined by "/", or `Prtry/Cd`), MT940 `:61:` transaction type (`NTRF`, `NMSC`, …). */
  transactionCode?: string;
  /** For a camt batch entry: the enclosing `Ntry` (its 1-based position, total amount and how many transaction details it holds). */
  batch?: { entryNumber: number; entryAmount: string; transactionCount: number };
  /** 0-based index into `ParsedBankFile.statements` (statements and notifications); absent for pain.002. */
  statementIndex?: number;
  /** 1-based source line where the entry starts (camt `Ntry`/`TxDtls`, MT940 `:61:`, pain.002 `TxInfAndSts`). */
  line?: number;
};

/** One statement (camt `Stmt`/`Ntfctn`, one MT940 `:20:`…`:62:` block); a file may hold several. */
export type ParsedStatement = {
  /** camt `Stmt/Id`/`Ntfctn/Id`; MT940 `:20:`. */
  id: string;
  /** camt `ElctrncSeqNb`/`LglSeqNb`; MT940 `:28C:` (e.g. "58/1"). */
  sequenceNumber?: string;
  account?: BankAccountRef;
  currency?: string;
  openingBalance?: BankBalance;
  closingBalance?: BankBalance;
  /** Closing available balance (camt `CLAV`, MT940 `:64:`) when given. */
  availableBalance?: BankBalance;
  /** ISO date-time or date of creation (camt `CreDtTm`). */
  createdAt?: string;
  /** How many `ParsedBankEntry` rows came from this statement. */
  entryCount: number;
};

export type ParsedBankFile = {
  format: BankFileFormat;
  /** Schema version read, e.g. "camt.053.001.02", "pain.002.001.10"; "MT940" for MT940. */
  version: string;
  /** camt/pain.002 `GrpHdr/MsgId`; MT940: the first statement's `:20:`. */
  messageId: string;
  /** `GrpHdr/CreDtTm` when present. */
  createdAt?: string;
  /** The first statement's id (convenience; see `statements` for all). */
  statementId?: string;
  /** The first statement's account. */
  account?: BankAccountRef;
  /** The first statement's currency. */
  currency?: string;
  /** Opening balance of the first statement. */
  openingBalance?: BankBalance;
  /** Closing balance of the last statement. */
  closingBalance?: BankBalance;
  /** Statements in file order (empty for pain.002). */
  statements: ParsedStatement[];
  /** pain.002: the `MsgId` of the pain.001 this report answers (`OrgnlGrpInfAndSts/OrgnlMsgId`). */
  originalMessageId?: string;
  /** pain.002: the group status when the bank reports one (a group `RJCT` with no transaction detail rejects every payment of the original message). */
  groupStatus?: BankStatusWithReason;
  /** pain.002: statuses of payment information blocks (`OrgnlPmtInfAndSts`) given at block level. */
  paymentInformationStatuses?: (BankStatusWithReason & { paymentInformationId: string })[];
  entries: ParsedBankEntry[];
};

/**
 * A copy of `s` that shares no memory with the text it was cut from. V8 keeps a substring of 13 or more
 * characters as a view into its parent, so an entry field cut from a 256 KB decoded slice of the file
 * would keep that whole slice alive: a 100,000-entry camt.053's entries held about 130 MB more than
 * their own text (measured). Concatenation then slicing makes V8 flatten a small copy.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** The entry with every text field (and its counterparty's) detached from the file's text (`ownString`); returned for chaining. */
export function detachEntry(entry: ParsedBankEntry): ParsedBankEntry {
  const fields = entry as unknown as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (typeof value === "string") fields[key] = ownString(value);
  }
  if (entry.counterparty) {
    const party = entry.counterparty as Record<string, unknown>;
    for (const key of Object.keys(party)) if (typeof party[key] === "string") party[key] = ownString(party[key] as string);
  }
  if (entry.batch) entry.batch.entryAmount = ownString(entry.batch.entryAmount);
  return entry;
}

/**
 * Reader options. `onEntry`: each entry is handed over as soon as it is read (its text already
 * detached, `detachEntry`) instead of being collected, and `ParsedBankFile.entries` stays empty — a
 * caller that keeps only some fields of 100,000 entries never holds them all in full.
 */
export type ReadOptions = { onEntry?: (entry: ParsedBankEntry) => void };

/** A booked or reported payout: money left the account for a beneficiary (not a reversal or return of one). */
export function isPayout(entry: Pick<ParsedBankEntry, "direction" | "reversal" | "returned">): boolean {
  return entry.direction === "DEBIT" && !entry.reversal && !entry.returned;
}

/** The entry gives a payout's money back: a reversal of a debit (MT940 `RD`, camt `CRDT` + `RvslInd`) or a returned payment; the payment it names has failed. */
export function undoesPayout(entry: Pick<ParsedBankEntry, "direction" | "reversal" | "returned">): boolean {
  return entry.direction === "CREDIT" && (entry.reversal || entry.returned === true);
}

/**
 * A bank file that cannot be read: names the format, the 1-based source line when known and the field
 * that is wrong (an XML path like "Ntry/Amt" or an MT940 tag like ":61:"), so an operator can fix or
 * report the file.
 */
export class BankFileError extends Error {
  readonly format: BankFileFormat | "XML" | "UNKNOWN";
  readonly line?: number;
  readonly field?: string;
  /** The problem alone, without location. */
  readonly detail: string;

  constructor(args: { format: BankFileError["format"]; detail: string; line?: number; field?: string; cause?: unknown }) {
    const where = [args.line !== undefined ? `line ${args.line}` : undefined, args.field ? `field ${args.field}` : undefined].filter(Boolean).join(", ");
    super(`${formatLabel(args.format)}${where ? ` (${where})` : ""}: ${args.detail}`, args.cause === undefined ? undefined : { cause: args.cause });
    this.name = "BankFileError";
    this.format = args.format;
    this.line = args.line;
    this.field = args.field;
    this.detail = args.detail;
  }
}

function formatLabel(format: BankFileError["format"]): string {
  switch (format) {
    case "PAIN002":
      return "pain.002 status report";
    case "CAMT053":
      return "camt.053 statement";
    case "CAMT054":
      return "camt.054 notification";
    case "MT940":
      return "MT940 statement";
    case "XML":
      return "XML bank file";
    default:
      return "bank file";
  }
}
