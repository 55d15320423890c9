/**
 * Reader for ISO 20022 camt.053 (bank-to-customer statement) and camt.054 (debit/credit notification),
 * versions .001.02 to .001.13, tolerant of what real banks send (a plain `<Sts>BOOK</Sts>` in new versions,
 * `<Sts><Cd>` in old ones, a missing status or balance indicator). Streams with saxes (xml-stream.ts):
 * one entry at a time, amounts kept as exact decimal strings. Each transaction detail (`TxDtls`) of a batch
 * entry becomes its own ParsedBankEntry with its own amount. docs/bank-files.md#camt053--camt054 maps the fields.
 */
import { normaliseDecimal } from "./decimal";
import { describeReasonCode } from "./iso-reason-codes";
import { endToEndIdToPaymentId } from "./payment-reference";
import {
  BankFileError,
  detachEntry,
  type BankAccountRef,
  type BankBalance,
  type BankEntryDirection,
  type BankEntryStatus,
  type BankFileFormat,
  type ParsedBankEntry,
  type ParsedBankFile,
  type ParsedStatement,
  type ReadOptions,
} from "./statement-types";
import { at, child, children, firstText, streamXml, textAt, type XmlElement } from "./xml-stream";

const NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(\d{2})$/;
const MESSAGES: Record<string, { format: BankFileFormat; statement: string; kind: string }> = {
  BkToCstmrStmt: { format: "CAMT053", statement: "Stmt", kind: "camt.053" },
  BkToCstmrDbtCdtNtfctn: { format: "CAMT054", statement: "Ntfctn", kind: "camt.054" },
};
export const CAMT_VERSIONS = { min: 2, max: 13 } as const;

const ENTRY_STATUS: Record<string, BankEntryStatus> = { BOOK: "BOOKED", PDNG: "PENDING", FUTR: "PENDING", INFO: "INFO" };

type Fail = (detail: string, line?: number, field?: string) => never;

/** Parse a camt.053 or camt.054 file. Throws BankFileError (with line and field) on anything it cannot read exactly. */
export function parseCamt(input: string | Uint8Array, options: ReadOptions = {}): ParsedBankFile {
  let format: BankFileFormat | undefined;
  let version = "";
  let statementTag = "";
  let messageId: string | undefined;
  let createdAt: string | undefined;
  const statements: ParsedStatement[] = [];
  const entries: ParsedBankEntry[] = [];
  let entryCount = 0;
  const keep = options.onEntry ?? ((entry: ParsedBankEntry) => entries.push(entry));
  let entryNumber = 0;
  let current: ParsedStatement | undefined;
  const fail: Fail = (detail, line, field) => {
    throw new BankFileError({ format: format ?? "XML", detail, line, field });
  };

  streamXml(input, {
    format: () => format ?? "XML",
    onRoot: (name, namespace, line) => {
      if (name !== "Document") fail(`the root element is <${name}>, expected <Document> of a camt.053 or camt.054 message`, line, name);
      const match = namespace ? NAMESPACE.exec(namespace) : null;
      if (namespace && !match) fail(`namespace "${namespace}" is not a camt.053/camt.054 namespace`, line, "Document/@xmlns");
      if (match) {
        const v = Number(match[2]);
        if (v < CAMT_VERSIONS.min || v > CAMT_VERSIONS.max) fail(`${match[1]}.001.${match[2]} is not supported (versions .02 to .13 are)`, line, "Document/@xmlns");
        version = `${match[1]}.001.${match[2]}`;
      }
    },
    onOpen: (path, line) => {
      if (path.length === 2) {
        const message = MESSAGES[path[1] ?? ""];
        if (!message) fail(`<${path[1]}> is not a camt.053 statement (BkToCstmrStmt) or camt.054 notification (BkToCstmrDbtCdtNtfctn)`, line, path[1]);
        format = message.format;
        statementTag = message.statement;
        if (version && !version.startsWith(message.kind)) fail(`the namespace says ${version} but the message is <${path[1]}>`, line, path[1]);
        if (!version) version = `${message.kind}.001.??`;
      } else if (path.length === 3 && path[2] === statementTag) {
        current = { id: "", entryCount: 0 };
        statements.push(current);
      }
    },
    capture: (path) => (path.length === 3 && path[2] === "GrpHdr") || (path.length === 4 && path[2] === statementTag),
    onElement: (element, path) => {
      if (path.length === 3) {
        messageId = textAt(element, "MsgId");
        createdAt = textAt(element, "CreDtTm");
        if (!messageId) fail("the group header has no message id", element.line, "GrpHdr/MsgId");
        return;
      }
      if (!current) return;
      switch (element.name) {
        case "Id":
          current.id = element.text.trim();
          break;
        case "ElctrncSeqNb":
          current.sequenceNumber = element.text.trim();
          break;
        case "LglSeqNb":
          current.sequenceNumber ??= element.text.trim();
          break;
        case "CreDtTm":
          current.createdAt = element.text.trim();
          break;
        case "Acct":
          current.account = readAccount(element);
          current.currency = current.account.currency;
          break;
        case "Bal":
          readBalance(element, current, fail);
          break;
        case "Ntry": {
          entryNumber += 1;
          const produced = readEntry(element, entryNumber, entryCount, statements.length - 1, fail);
          entryCount += produced.length;
          for (const e of produced) keep(detachEntry(e));
          current.entryCount += produced.length;
          break;
        }
        default:
          break;
      }
    },
    onClose: (path) => {
      if (path.length === 3 && path[2] === statementTag && current) {
        if (!current.id) fail(`a ${statementTag} has no Id`, undefined, `${statementTag}/Id`);
        current = undefined;
      }
    },
  });

  if (!format) fail("the file holds no camt.053 or camt.054 message", 1);
  if (!messageId) fail("the group header is missing", 1, "GrpHdr");
  const first = statements[0];
  return {
    format: format as BankFileFormat,
    version,
    messageId: messageId as string,
    createdAt,
    statementId: first?.id,
    account: first?.account,
    currency: first?.currency,
    openingBalance: first?.openingBalance,
    closingBalance: statements[statements.length - 1]?.closingBalance,
    statements,
    entries,
  };
}

function readAccount(acct: XmlElement): BankAccountRef {
  const account: BankAccountRef = {};
  const iban = textAt(acct, "Id/IBAN");
  const other = textAt(acct, "Id/Othr/Id");
  if (iban) account.iban = iban.replace(/\s+/g, "");
  if (other) account.number = other;
  const currency = textAt(acct, "Ccy");
  if (currency) account.currency = currency;
  const bic = firstText(acct, "Svcr/FinInstnId/BIC", "Svcr/FinInstnId/BICFI");
  if (bic) account.bic = bic;
  const name = firstText(acct, "Nm", "Ownr/Nm");
  if (name) account.name = name;
  return account;
}

function readAmount(element: XmlElement | undefined, field: string, fail: Fail): { amount: string; currency: string } | undefined {
  if (!element) return undefined;
  const amount = normaliseDecimal(element.text);
  if (amount === undefined) fail(`amount "${element.text.trim()}" is not a non-negative decimal number`, element.line, field);
  const currency = element.attrs.Ccy?.trim();
  if (!currency || !/^[A-Z]{3}$/.test(currency)) fail(`the amount has no valid currency (Ccy="${currency ?? ""}")`, element.line, `${field}/@Ccy`);
  return { amount: amount as string, currency: currency as string };
}

function readDate(element: XmlElement | undefined): string | undefined {
  const value = firstText(element, "Dt", "DtTm");
  return value ? value.slice(0, 10) : undefined;
}

function readBalance(bal: XmlElement, statement: ParsedStatement, fail: Fail): void {
  const code = firstText(bal, "Tp/CdOrPrtry/Cd", "Tp/CdOrPrtry/Prtry");
  const amount = readAmount(child(bal, "Amt"), "Bal/Amt", fail);
  if (!amount) fail("a balance has no amount", bal.line, "Bal/Amt");
  const date = readDate(child(bal, "Dt"));
  if (!date) fail("a balance has no date", bal.line, "Bal/Dt");
  const negative = textAt(bal, "CdtDbtInd") === "DBIT" && amount.amount.replace(/[0.]/g, "") !== "";
  const balance: BankBalance = { amount: `${negative ? "-" : ""}${amount.amount}`, currency: amount.currency, date: date as string, code };
  if (code === "OPBD" || (code === "PRCD" && !statement.openingBalance)) statement.openingBalance = balance;
  else if (code === "CLBD") statement.closingBalance = balance;
  else if (code === "CLAV") statement.availableBalance = balance;
  statement.currency ??= amount.currency;
}

function direction(code: string | undefined, line: number, field: string, fail: Fail): BankEntryDirection {
  if (code === "DBIT") return "DEBIT";
  if (code === "CRDT") return "CREDIT";
  return fail(`credit/debit indicator "${code ?? ""}" is neither CRDT nor DBIT`, line, field);
}

function bankTransactionCode(el: XmlElement | undefined): string | undefined {
  if (!el) return undefined;
  const domain = textAt(el, "Domn/Cd");
  if (domain) return [domain, textAt(el, "Domn/Fmly/Cd"), textAt(el, "Domn/Fmly/SubFmlyCd")].filter(Boolean).join("/");
  return textAt(el, "Prtry/Cd");
}

function partyName(party: XmlElement | undefined): string | undefined {
  return firstText(party, "Nm", "Pty/Nm", "Agt/FinInstnId/Nm");
}

function counterparty(tx: XmlElement, payoutSide: boolean): BankAccountRef | undefined {
  const parties = child(tx, "RltdPties");
  const agents = child(tx, "RltdAgts");
  const party = payoutSide ? child(parties, "Cdtr") : child(parties, "Dbtr");
  const acct = payoutSide ? child(parties, "CdtrAcct") : child(parties, "DbtrAcct");
  const agent = payoutSide ? child(agents, "CdtrAgt") : child(agents, "DbtrAgt");
  const ref: BankAccountRef = {};
  const name = partyName(party);
  const iban = textAt(acct, "Id/IBAN");
  const number = textAt(acct, "Id/Othr/Id");
  const bic = firstText(agent, "FinInstnId/BIC", "FinInstnId/BICFI");
  const bankCode = textAt(agent, "FinInstnId/ClrSysMmbId/MmbId");
  if (name) ref.name = name;
  if (iban) ref.iban = iban.replace(/\s+/g, "");
  if (number) ref.number = number;
  if (bic) ref.bic = bic;
  if (bankCode) ref.bankCode = bankCode;
  return Object.keys(ref).length > 0 ? ref : undefined;
}

function notProvided(value: string | undefined): string | undefined {
  return value && value.toUpperCase() !== "NOTPROVIDED" ? value : undefined;
}

function readEntry(ntry: XmlElement, entryNumber: number, startIndex: number, statementIndex: number, fail: Fail): ParsedBankEntry[] {
  const amountEl = child(ntry, "Amt");
  if (!amountEl) fail("an entry has no amount", ntry.line, "Ntry/Amt");
  const entryAmount = readAmount(amountEl, "Ntry/Amt", fail) as { amount: string; currency: string };
  const entryDirection = direction(textAt(ntry, "CdtDbtInd"), ntry.line, "Ntry/CdtDbtInd", fail);
  const rvsl = textAt(ntry, "RvslInd");
  const reversal = rvsl === "true" || rvsl === "1";
  const statusCode = firstText(ntry, "Sts/Cd", "Sts/Prtry", "Sts") ?? "BOOK";
  const status = ENTRY_STATUS[statusCode] ?? "INFO";
  const bookingDate = readDate(child(ntry, "BookgDt"));
  const valueDate = readDate(child(ntry, "ValDt"));
  const entryBankRef = textAt(ntry, "AcctSvcrRef");
  const entryCode = bankTransactionCode(child(ntry, "BkTxCd"));
  const entryNarrative = children(ntry, "AddtlNtryInf")
    .map((e) => e.text.trim())
    .filter(Boolean)
    .join(" ");
  const details = children(ntry, "NtryDtls");
  const txs = details.flatMap((d) => children(d, "TxDtls"));
  const declared = details.map((d) => textAt(d, "Btch/NbOfTxs")).find((n) => n !== undefined);
  const isBatch = txs.length > 1 || (declared !== undefined && Number(declared) > 1);
  const batch = isBatch ? { entryNumber, entryAmount: entryAmount.amount, transactionCount: declared !== undefined ? Number(declared) : txs.length } : undefined;

  const base = (index: number, line: number): ParsedBankEntry => ({
    index,
    direction: entryDirection,
    reversal,
    status,
    statusCode,
    amount: entryAmount.amount,
    currency: entryAmount.currency,
    ...(bookingDate ? { bookingDate } : {}),
    ...(valueDate ? { valueDate } : {}),
    ...(entryBankRef ? { bankReference: entryBankRef } : {}),
    ...(entryCode ? { transactionCode: entryCode } : {}),
    ...(entryNarrative ? { narrative: entryNarrative } : {}),
    ...(batch ? { batch } : {}),
    statementIndex,
    line,
  });

  if (txs.length === 0) {
    const entry = base(startIndex + 1, ntry.line);
    if (/RRTN/.test(entryCode ?? "")) entry.returned = true;
    return [entry];
  }

  return txs.map((tx, i) => {
    const entry = base(startIndex + i + 1, tx.line);
    const txAmountEl = child(tx, "Amt") ?? at(tx, "AmtDtls/TxAmt/Amt") ?? at(tx, "AmtDtls/InstdAmt/Amt");
    if (txAmountEl) {
      const amt = readAmount(txAmountEl, "TxDtls/Amt", fail) as { amount: string; currency: string };
      entry.amount = amt.amount;
      entry.currency = amt.currency;
    } else if (txs.length > 1) {
      fail(`transaction ${i + 1} of a batch entry with ${txs.length} transactions has no amount`, tx.line, "TxDtls/Amt");
    }
    const txIndicator = textAt(tx, "CdtDbtInd");
    if (txIndicator) entry.direction = direction(txIndicator, tx.line, "TxDtls/CdtDbtInd", fail);
    const e2e = textAt(tx, "Refs/EndToEndId");
    if (e2e) {
      entry.endToEndId = e2e;
      const paymentId = endToEndIdToPaymentId(e2e);
      if (paymentId) entry.paymentId = paymentId;
    }
    const txBankRef = textAt(tx, "Refs/AcctSvcrRef") ?? entryBankRef ?? textAt(tx, "Refs/TxId");
    if (txBankRef) entry.bankReference = txBankRef;
    const customerRef = notProvided(textAt(tx, "Refs/InstrId")) ?? notProvided(textAt(tx, "Refs/MsgId"));
    if (customerRef) entry.customerReference = customerRef;
    const pmtInf = textAt(tx, "Refs/PmtInfId");
    if (pmtInf) entry.paymentInformationId = pmtInf;
    const txCode = bankTransactionCode(child(tx, "BkTxCd"));
    if (txCode) entry.transactionCode = txCode;
    const rtr = child(tx, "RtrInf");
    if (rtr || /RRTN/.test(entry.transactionCode ?? "")) entry.returned = true;
    if (rtr) {
      const code = firstText(rtr, "Rsn/Cd", "Rsn/Prtry");
      const info = children(rtr, "AddtlInf")
        .map((e) => e.text.trim())
        .join(" ");
      if (code) entry.reasonCode = code;
      const words = describeReasonCode(code, info);
      if (words) entry.reasonText = words;
    }
    const undo = entry.direction === "CREDIT" && (entry.reversal || entry.returned === true);
    const payoutSide = (entry.direction === "DEBIT" && !entry.reversal) || undo;
    const party = counterparty(tx, payoutSide);
    if (party) entry.counterparty = party;
    const remittance = children(child(tx, "RmtInf"), "Ustrd")
      .map((e) => e.text.trim())
      .filter(Boolean)
      .join(" ");
    const narrative = remittance || textAt(tx, "AddtlTxInf") || entryNarrative;
    if (narrative) entry.narrative = narrative;
    return entry;
  });
}
