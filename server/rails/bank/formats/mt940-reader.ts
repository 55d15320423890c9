/**
 * Reader for SWIFT MT940 customer statements as banks deliver them (with or without the `{1:}{2:}{4:`
 * envelope, bank preambles such as "ABNANL2A / 940", several statements per file). The maintained
 * @centrapay/swift-parser checks and splits each tag (its grammar for `:61:`, balances, `:86:` subfields);
 * this module finds the tags with their line numbers (so errors name the line), reads them one at a time
 * (a 100,000-entry statement is never held as library objects), keeps amounts exactly as written (the
 * library rounds to 2 decimals, so amounts are re-read from the tag text), and reads the payment reference
 * from `:86:` narratives: SWIFT-style `/EREF/…`, German `?20EREF+…` subfields,
 * `EREF+`/`EREF:` in free text, or a payment id anywhere in the text. docs/bank-files.md#mt940 describes it.
 */
import Field86Structure from "@centrapay/swift-parser/lib/field86structure.js";
import tags from "@centrapay/swift-parser/lib/tags.js";
import { normaliseDecimal } from "./decimal";
import { isValidIban } from "./iban";
import { describeReasonCode } from "./iso-reason-codes";
import { endToEndIdToPaymentId } from "./payment-reference";
import {
  BankFileError,
  detachEntry,
  type BankAccountRef,
  type BankBalance,
  type ParsedBankEntry,
  type ParsedBankFile,
  type ParsedStatement,
  type ReadOptions,
} from "./statement-types";

type RawTag = { id: string; subId: string; data: string; line: number };

const TAG_START = /^:(\d{2}|NS)([A-Z])?:/;
const TERMINATOR = /^-(\}.*|XXX)?\s*$/;
const BIC = /^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
const IBAN = /^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/;
const UUID_IN_TEXT = /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b|\b[0-9a-fA-F]{32}\b/;
// The library builds this RegExp anew on every read of PATTERN; take it once.
const STATEMENT_LINE = tags.TagStatementLine.PATTERN;
const SWIFT_FIELDS = new Map<string, RegExp>();
/** The value of "/NAME/value" in SWIFT-style details, ending at the next "/TAG/". */
function swiftField(details: string, name: string): string | undefined {
  let re = SWIFT_FIELDS.get(name);
  if (!re) {
    re = new RegExp(`/${name}/(.*?)(?=/[A-Z]{2,4}/|/$|$)`);
    SWIFT_FIELDS.set(name, re);
  }
  return re.exec(details)?.[1]?.trim();
}
const SEPA_KEYWORDS = /(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|COAM|OAMT|IBAN|BIC|RTRN)\+/g;

function fail(detail: string, line?: number, field?: string): never {
  throw new BankFileError({ format: "MT940", detail, line, field });
}

/** The tags of the text in order, each with the 1-based line it starts on; envelopes and bank preambles are skipped. */
function* tokenize(text: string): Generator<RawTag> {
  let inStatement = false;
  let tag: RawTag | undefined;
  let lineNo = 0;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    let line = text.slice(start, end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
    start = end + 1;
    lineNo += 1;
    if (line.trim() === "") continue;
    if (line.startsWith("{")) {
      // SWIFT envelope "{1:…}{2:…}{4:" — the statement text follows the "{4:" block opener.
      const body = line.indexOf("{4:");
      if (body < 0) continue;
      line = line.slice(body + 3);
      if (line.trim() === "") continue;
    }
    if (TERMINATOR.test(line)) {
      if (tag) yield tag;
      tag = undefined;
      inStatement = false;
      continue;
    }
    const match = TAG_START.exec(line);
    if (match) {
      const id = match[1] ?? "";
      if (id === "20") inStatement = true;
      else if (!inStatement) fail(`tag :${id}${match[2] ?? ""}: comes before the statement's :20: reference`, lineNo, `:${id}${match[2] ?? ""}:`);
      if (tag) yield tag;
      tag = { id, subId: match[2] ?? "", data: line.slice(match[0].length), line: lineNo };
    } else if (inStatement && tag) {
      tag.data += `\n${line}`;
    }
    // Lines outside a statement (bank preambles such as "ABNANL2A", "940", ":940:") carry nothing the statement needs.
  }
  if (tag) yield tag;
}

function fullDate(yy: string, mm: string, dd: string, line: number, field: string): string {
  const year = Number(yy) < 70 ? 2000 + Number(yy) : 1900 + Number(yy);
  const month = Number(mm);
  const day = Number(dd);
  if (month < 1 || month > 12 || day < 1 || day > 31) fail(`date "${yy}${mm}${dd}" is not a valid YYMMDD date`, line, field);
  return `${year}-${mm}-${dd}`;
}

function balanceOf(tag: RawTag | undefined, field: string): BankBalance | undefined {
  if (!tag) return undefined;
  const match = /^([DC])(\d{2})(\d{2})(\d{2})([A-Z]{3})([0-9,]{1,17})/.exec(tag.data.trim());
  if (!match) fail(`balance "${tag.data.trim()}" is not of the form C|D YYMMDD CCY amount`, tag.line, field);
  const amount = normaliseDecimal(match[6] ?? "", ",");
  if (amount === undefined) fail(`balance amount "${match[6]}" is not a decimal number with a comma`, tag.line, field);
  const negative = match[1] === "D" && amount.replace(/[0.]/g, "") !== "";
  return {
    amount: `${negative ? "-" : ""}${amount}`,
    currency: match[5] ?? "",
    date: fullDate(match[2] ?? "", match[3] ?? "", match[4] ?? "", tag.line, field),
    code: `${tag.id}${tag.subId}`,
  };
}

function accountOf(value: string): BankAccountRef {
  const text = value.trim().replace(/\s+/g, "");
  if (IBAN.test(text) && isValidIban(text)) return { iban: text };
  // Some banks append the account currency to the IBAN ("NL81ASNB0708271685EUR").
  const withCurrency = /^([A-Z]{2}\d{2}[A-Z0-9]{11,30})([A-Z]{3})$/.exec(text);
  if (withCurrency && isValidIban(withCurrency[1] ?? "")) return { iban: withCurrency[1] };
  if (IBAN.test(text)) return { iban: text };
  const slash = text.indexOf("/");
  if (slash > 0) {
    const bank = text.slice(0, slash);
    const number = text.slice(slash + 1);
    return BIC.test(bank) ? { bic: bank, number } : { bankCode: bank, number };
  }
  return { number: text };
}

type Narrative = { endToEndId?: string; reasonCode?: string; reasonInfo?: string; counterparty?: BankAccountRef; text: string };

/** Read the structured forms of a `:86:` narrative. */
function readNarrative(lines: string[], structured: Record<string, string> | undefined): Narrative {
  const text = lines
    .map((l) => l.trim())
    .filter(Boolean)
    .join(" ")
    .replace(/\s+/g, " ");
  const joined = lines.join("");
  const out: Narrative = { text };
  const party: BankAccountRef = {};

  if (/^\/[0-9A-Z]{2,4}\//.test(joined.trim()) || /\/EREF\//.test(joined)) {
    // SWIFT-style "/EREF/ref/IBAN/…/NAME/…/RTRN/AC04/". The reference ends at the next "/TAG/".
    const field = (name: string) => swiftField(joined, name);
    out.endToEndId = field("EREF");
    const rtrn = field("RTRN");
    if (rtrn) {
      out.reasonCode = rtrn.split("/")[0]?.trim();
      out.reasonInfo = field("RTRE") ?? undefined;
    }
    const name = field("NAME");
    const iban = field("IBAN");
    const bic = field("BIC");
    if (name) party.name = name;
    if (iban) party.iban = iban;
    if (bic) party.bic = bic;
  } else if (structured && /^(\d{3})?[?>]\d{2}/.test(joined.trim())) {
    // German/Polish subfields "166?00GUTSCHRIFT?20EREF+…?21…?32NAME": purpose text is ?20–?29 and ?60–?63, keyworded SEPA style.
    // A value continues into the next subfield only when its subfield is full (27 characters); a shorter one ends it.
    const purpose = Object.keys(structured)
      .filter((k) => /^(2\d|6[0-3])$/.test(k))
      .sort()
      .map((k) => {
        const part = structured[k] ?? "";
        return part.length >= 27 ? part : `${part}\u0001`;
      })
      .join("");
    const keyed = splitSepaKeywords(purpose);
    if (keyed.EREF) out.endToEndId = keyed.EREF;
    if (keyed.RTRN) out.reasonCode = keyed.RTRN.slice(0, 4);
    const name = [structured["32"], structured["33"]].filter(Boolean).join("");
    if (name) party.name = name;
    const account = structured["31"];
    if (account) {
      if (IBAN.test(account)) party.iban = account;
      else party.number = account;
    }
    const bank = structured["30"];
    if (bank) {
      if (BIC.test(bank)) party.bic = bank;
      else party.bankCode = bank;
    }
  } else {
    const keyed = /\bEREF[+:]\s*([^\s/]+)/.exec(text);
    if (keyed) out.endToEndId = keyed[1];
  }
  if (out.endToEndId?.toUpperCase() === "NOTPROVIDED") out.endToEndId = "NOTPROVIDED";
  if (Object.keys(party).length > 0) out.counterparty = party;
  return out;
}

function splitSepaKeywords(purpose: string): Record<string, string> {
  const result: Record<string, string> = {};
  const marks = [...purpose.matchAll(SEPA_KEYWORDS)];
  marks.forEach((m, i) => {
    const start = (m.index ?? 0) + m[0].length;
    const next = marks[i + 1]?.index ?? purpose.length;
    const stop = purpose.indexOf("\u0001", start);
    const end = stop >= 0 && stop < next ? stop : next;
    result[m[1] ?? ""] ??= purpose
      .slice(start, end)
      .replace(/\u0001/g, "")
      .trim();
  });
  return result;
}

type StatementState = {
  first: RawTag;
  seen: Set<string>;
  statement: ParsedStatement;
  pending?: { raw: RawTag; details: string[] };
};

/** Parse an MT940 file (one or more statements). Throws BankFileError (with line and tag) on anything it cannot read exactly. */
export function parseMt940(input: string | Uint8Array, options: ReadOptions = {}): ParsedBankFile {
  const text = typeof input === "string" ? input.replace(/^\uFEFF/, "") : new TextDecoder("utf-8").decode(input);
  const factory = new tags.TagFactory();
  const statements: ParsedStatement[] = [];
  const entries: ParsedBankEntry[] = [];
  let entryCount = 0;
  const keep = options.onEntry ?? ((entry: ParsedBankEntry) => entries.push(entry));
  let state: StatementState | undefined;
  let previous = "";

  const flushEntry = (st: StatementState) => {
    if (!st.pending) return;
    keep(detachEntry(entryOf(st.pending.raw, st.pending.details, ++entryCount, statements.length, st.statement.currency)));
    st.statement.entryCount += 1;
    st.pending = undefined;
  };
  const finish = (st: StatementState | undefined) => {
    if (!st) return;
    flushEntry(st);
    for (const [id, name, field] of [
      ["25", ":25: account", ":25:"],
      ["28", ":28C: statement number", ":28C:"],
      ["60", ":60F: opening balance", ":60F:"],
      ["62", ":62F: closing balance", ":62F:"],
    ] as const) {
      if (!st.seen.has(id)) fail(`statement "${st.first.data.trim()}" has no ${name}`, st.first.line, field);
    }
    if (st.statement.account && st.statement.currency) st.statement.account.currency = st.statement.currency;
    statements.push(st.statement);
  };

  for (const raw of tokenize(text)) {
    try {
      factory.createTag(raw.id, raw.subId, raw.data);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      fail(`tag :${raw.id}${raw.subId}: cannot be read (${why.replace(/\n/g, " ")})`, raw.line, `:${raw.id}${raw.subId}:`);
    }
    if (raw.id === "20") {
      finish(state);
      state = { first: raw, seen: new Set(), statement: { id: raw.data.trim(), entryCount: 0 } };
      previous = "20";
      continue;
    }
    const st = state as StatementState;
    st.seen.add(raw.id);
    switch (raw.id) {
      case "25":
        st.statement.account = accountOf(raw.data);
        break;
      case "28":
        st.statement.sequenceNumber = raw.data.trim();
        break;
      case "60": {
        const opening = balanceOf(raw, `:60${raw.subId}:`);
        st.statement.openingBalance = opening;
        st.statement.currency = opening?.currency;
        break;
      }
      case "61":
        flushEntry(st);
        st.pending = { raw, details: [] };
        break;
      case "86":
        // As @centrapay/swift-parser does: a :86: right after a :61: details that entry; elsewhere it informs the account owner.
        if (previous === "61" && st.pending) st.pending.details.push(raw.data);
        break;
      case "62":
        flushEntry(st);
        st.statement.closingBalance = balanceOf(raw, `:62${raw.subId}:`);
        break;
      case "64":
        st.statement.availableBalance = balanceOf(raw, ":64:");
        break;
      default:
        break;
    }
    if (raw.id !== "NS") previous = raw.id;
  }
  finish(state);
  if (statements.length === 0) fail("the file holds no MT940 statement (no :20: tag found)", 1, ":20:");

  const first = statements[0] as ParsedStatement;
  return {
    format: "MT940",
    version: "MT940",
    messageId: first.id,
    statementId: first.id,
    account: first.account,
    currency: first.currency,
    openingBalance: first.openingBalance,
    closingBalance: statements[statements.length - 1]?.closingBalance,
    statements,
    entries,
  };
}

/** One `:61:` line with its `:86:` details as a ParsedBankEntry. */
function entryOf(raw: RawTag, details: string[], index: number, statementIndex: number, currency: string | undefined): ParsedBankEntry {
  const match = STATEMENT_LINE.exec(raw.data);
  if (!match) fail(`statement line "${raw.data.split("\n")[0]}" cannot be read`, raw.line, ":61:");
  const mark = match[7] ?? "";
  const amount = normaliseDecimal(match[9] ?? "", ",");
  if (amount === undefined || amount === "") fail(`amount "${match[9] ?? ""}" is not a decimal number with a comma`, raw.line, ":61:");
  const reversal = mark.startsWith("R");
  const debitMark = mark.endsWith("D");
  // RD (reversal of a debit) books money back: a CREDIT that undoes a payout; RC books a DEBIT.
  const direction = reversal ? (debitMark ? "CREDIT" : "DEBIT") : debitMark ? "DEBIT" : "CREDIT";
  const valueDate = fullDate(match[1] ?? "", match[2] ?? "", match[3] ?? "", raw.line, ":61:");
  let bookingDate: string | undefined;
  if (match[4]) {
    const valueYear = Number(valueDate.slice(0, 4));
    const valueMonth = Number(match[2]);
    const bookMonth = Number(match[5]);
    const year = valueMonth === 12 && bookMonth === 1 ? valueYear + 1 : valueMonth === 1 && bookMonth === 12 ? valueYear - 1 : valueYear;
    bookingDate = `${year}-${match[5]}-${match[6]}`;
  }
  const detailText = details.join("\n");
  const narrative = readNarrative(detailText.split("\n"), detailText ? Field86Structure.parse(detailText) : undefined);
  const entry: ParsedBankEntry = {
    index,
    amount,
    currency: currency ?? "",
    direction,
    reversal,
    status: "BOOKED",
    statusCode: "BOOK",
    valueDate,
    ...(bookingDate ? { bookingDate } : {}),
    transactionCode: match[10] ?? "",
    statementIndex,
    line: raw.line,
  };
  const customerRef = (match[11] ?? "").trim();
  if (customerRef && customerRef.toUpperCase() !== "NONREF") entry.customerReference = customerRef;
  const bankRef = (match[13] ?? "").trim();
  if (bankRef) entry.bankReference = bankRef;
  let e2e = narrative.endToEndId;
  if (!e2e) e2e = UUID_IN_TEXT.exec(narrative.text)?.[0];
  if (e2e) {
    entry.endToEndId = e2e;
    const paymentId = endToEndIdToPaymentId(e2e);
    if (paymentId) entry.paymentId = paymentId;
  }
  if (narrative.reasonCode) {
    entry.reasonCode = narrative.reasonCode;
    entry.returned = true;
    const words = describeReasonCode(narrative.reasonCode, narrative.reasonInfo);
    if (words) entry.reasonText = words;
  }
  const party: BankAccountRef = { ...(narrative.counterparty ?? {}) };
  const extra = (match[15] ?? "").trim();
  if (extra && !party.iban && IBAN.test(extra.split(/\s/)[0] ?? "")) party.iban = extra.split(/\s/)[0];
  if (Object.keys(party).length > 0) entry.counterparty = party;
  if (narrative.text) entry.narrative = narrative.text;
  return entry;
}
