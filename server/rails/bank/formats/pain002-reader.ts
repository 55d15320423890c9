/**
 * Reader for ISO 20022 pain.002 customer payment status reports, versions .001.03 to .001.14: the group
 * status (`OrgnlGrpInfAndSts/GrpSts`), payment-information block statuses (`PmtInfSts`) and one entry per
 * transaction status (`TxInfAndSts`) keyed by the original EndToEndId, with ISO reason codes in plain words.
 * A transaction without its own status inherits its block's, then the group's. Streams with saxes.
 * docs/bank-files.md#pain002 maps the fields.
 */
import { normaliseDecimal } from "./decimal";
import { describeReasonCode } from "./iso-reason-codes";
import { endToEndIdToPaymentId } from "./payment-reference";
import {
  BankFileError,
  detachEntry,
  type BankAccountRef,
  type BankEntryStatus,
  type BankStatusWithReason,
  type ParsedBankEntry,
  type ParsedBankFile,
  type ReadOptions,
} from "./statement-types";
import { child, children, firstText, streamXml, textAt, type XmlElement } from "./xml-stream";

const NAMESPACE = /^urn:iso:std:iso:20022:tech:xsd:pain\.002\.001\.(\d{2})$/;
export const PAIN002_VERSIONS = { min: 3, max: 14 } as const;

/** pain.002 status codes (ExternalPaymentTransactionStatus1Code / ExternalPaymentGroupStatus1Code) to the rail-neutral status. */
export const PAIN002_STATUS: Readonly<Record<string, BankEntryStatus>> = {
  ACTC: "ACCEPTED",
  ACCP: "ACCEPTED",
  ACSP: "ACCEPTED",
  ACWC: "ACCEPTED",
  ACWP: "ACCEPTED",
  ACFC: "ACCEPTED",
  PATC: "ACCEPTED",
  PART: "ACCEPTED",
  ACSC: "SETTLED",
  ACCC: "SETTLED",
  PDNG: "PENDING",
  RCVD: "PENDING",
  RJCT: "REJECTED",
  CANC: "CANCELLED",
};

type Fail = (detail: string, line?: number, field?: string) => never;

function statusOf(code: string, line: number, field: string, fail: Fail): BankEntryStatus {
  const status = PAIN002_STATUS[code];
  if (!status) fail(`status "${code}" is not a pain.002 status code (ACCP, ACSC, ACSP, ACTC, PART, PDNG, RJCT, …)`, line, field);
  return status as BankEntryStatus;
}

/** The first reason of a status (`StsRsnInf` elements): code and plain words (every `AddtlInf` appended). */
function reasonOf(infos: XmlElement[]): { reasonCode?: string; reasonText?: string } {
  if (infos.length === 0) return {};
  const code = firstText(infos[0], "Rsn/Cd", "Rsn/Prtry");
  const text = infos
    .flatMap((i) => children(i, "AddtlInf"))
    .map((e) => e.text.trim())
    .filter(Boolean)
    .join(" ");
  const words = describeReasonCode(code, text);
  return { ...(code ? { reasonCode: code } : {}), ...(words ? { reasonText: words } : {}) };
}

function statusWithReason(holder: XmlElement, statusField: string, fail: Fail): BankStatusWithReason | undefined {
  const code = textAt(holder, statusField);
  if (!code) return undefined;
  return { status: statusOf(code, holder.line, statusField, fail), statusCode: code, ...reasonOf(children(holder, "StsRsnInf")) };
}

function creditor(ref: XmlElement | undefined): BankAccountRef | undefined {
  if (!ref) return undefined;
  const out: BankAccountRef = {};
  const name = firstText(ref, "Cdtr/Nm", "Cdtr/Pty/Nm");
  const iban = textAt(ref, "CdtrAcct/Id/IBAN");
  const number = textAt(ref, "CdtrAcct/Id/Othr/Id");
  const bic = firstText(ref, "CdtrAgt/FinInstnId/BICFI", "CdtrAgt/FinInstnId/BIC");
  const bankCode = textAt(ref, "CdtrAgt/FinInstnId/ClrSysMmbId/MmbId");
  if (name) out.name = name;
  if (iban) out.iban = iban;
  if (number) out.number = number;
  if (bic) out.bic = bic;
  if (bankCode) out.bankCode = bankCode;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Parse a pain.002 status report. Throws BankFileError (with line and field) on anything it cannot read exactly. */
export function parsePain002(input: string | Uint8Array, options: ReadOptions = {}): ParsedBankFile {
  let version = "";
  let messageId: string | undefined;
  let createdAt: string | undefined;
  let originalMessageId: string | undefined;
  let groupStatus: BankStatusWithReason | undefined;
  const blocks: (BankStatusWithReason & { paymentInformationId: string })[] = [];
  const entries: ParsedBankEntry[] = [];
  let entryCount = 0;
  const keep = options.onEntry ?? ((entry: ParsedBankEntry) => entries.push(entry));
  let block: { id?: string; status?: BankStatusWithReason } | undefined;
  const fail: Fail = (detail, line, field) => {
    throw new BankFileError({ format: "PAIN002", detail, line, field });
  };

  streamXml(input, {
    format: () => "PAIN002",
    onRoot: (name, namespace, line) => {
      if (name !== "Document") fail(`the root element is <${name}>, expected <Document> of a pain.002 message`, line, name);
      const match = namespace ? NAMESPACE.exec(namespace) : null;
      if (namespace && !match) fail(`namespace "${namespace}" is not a pain.002 namespace`, line, "Document/@xmlns");
      if (match) {
        const v = Number(match[1]);
        if (v < PAIN002_VERSIONS.min || v > PAIN002_VERSIONS.max) fail(`pain.002.001.${match[1]} is not supported (versions .03 to .14 are)`, line, "Document/@xmlns");
        version = `pain.002.001.${match[1]}`;
      } else version = "pain.002.001.??";
    },
    onOpen: (path, line) => {
      if (path.length === 2 && path[1] !== "CstmrPmtStsRpt") fail(`<${path[1]}> is not a pain.002 customer payment status report (CstmrPmtStsRpt)`, line, path[1]);
      if (path.length === 3 && path[2] === "OrgnlPmtInfAndSts") block = {};
    },
    capture: (path) => (path.length === 3 && (path[2] === "GrpHdr" || path[2] === "OrgnlGrpInfAndSts")) || (path.length === 4 && path[2] === "OrgnlPmtInfAndSts"),
    onElement: (element, path) => {
      if (path.length === 3) {
        if (element.name === "GrpHdr") {
          messageId = textAt(element, "MsgId");
          createdAt = textAt(element, "CreDtTm");
          if (!messageId) fail("the group header has no message id", element.line, "GrpHdr/MsgId");
        } else {
          originalMessageId = textAt(element, "OrgnlMsgId");
          groupStatus = statusWithReason(element, "GrpSts", fail);
        }
        return;
      }
      if (!block) return;
      if (element.name === "OrgnlPmtInfId") block.id = element.text.trim();
      else if (element.name === "PmtInfSts") {
        const code = element.text.trim();
        block.status = { status: statusOf(code, element.line, "OrgnlPmtInfAndSts/PmtInfSts", fail), statusCode: code };
      } else if (element.name === "StsRsnInf" && block.status && !block.status.reasonCode) {
        Object.assign(block.status, reasonOf([element]));
      } else if (element.name === "TxInfAndSts") {
        keep(detachEntry(readTransaction(element, ++entryCount, block, groupStatus, fail)));
      }
    },
    onClose: (path) => {
      if (path.length === 3 && path[2] === "OrgnlPmtInfAndSts" && block) {
        if (block.status) blocks.push({ paymentInformationId: block.id ?? "", ...block.status });
        block = undefined;
      }
    },
  });

  if (!messageId) fail("the group header is missing", 1, "GrpHdr");
  return {
    format: "PAIN002",
    version,
    messageId: messageId as string,
    createdAt,
    statements: [],
    ...(originalMessageId ? { originalMessageId } : {}),
    ...(groupStatus ? { groupStatus } : {}),
    ...(blocks.length > 0 ? { paymentInformationStatuses: blocks } : {}),
    entries,
  };
}

function readTransaction(
  tx: XmlElement,
  index: number,
  block: { id?: string; status?: BankStatusWithReason },
  group: BankStatusWithReason | undefined,
  fail: Fail,
): ParsedBankEntry {
  const own = statusWithReason(tx, "TxSts", fail);
  const inherited = own ?? block.status ?? group;
  if (!inherited) fail("a transaction status has no TxSts and neither its block nor the group gives one", tx.line, "TxInfAndSts/TxSts");
  const status = inherited as BankStatusWithReason;
  const entry: ParsedBankEntry = { index, direction: "DEBIT", reversal: false, status: status.status, statusCode: status.statusCode, line: tx.line };
  if (status.reasonCode) entry.reasonCode = status.reasonCode;
  if (status.reasonText) entry.reasonText = status.reasonText;
  const e2e = textAt(tx, "OrgnlEndToEndId");
  if (e2e) {
    entry.endToEndId = e2e;
    const paymentId = endToEndIdToPaymentId(e2e);
    if (paymentId) entry.paymentId = paymentId;
  }
  const bankRef = textAt(tx, "AcctSvcrRef") ?? textAt(tx, "StsId");
  if (bankRef) entry.bankReference = bankRef;
  const instr = textAt(tx, "OrgnlInstrId");
  if (instr) entry.customerReference = instr;
  if (block.id) entry.paymentInformationId = block.id;
  const ref = child(tx, "OrgnlTxRef");
  const amountEl = child(child(ref, "Amt"), "InstdAmt");
  if (amountEl) {
    const amount = normaliseDecimal(amountEl.text);
    if (amount === undefined) fail(`amount "${amountEl.text.trim()}" is not a non-negative decimal number`, amountEl.line, "OrgnlTxRef/Amt/InstdAmt");
    entry.amount = amount;
    const ccy = amountEl.attrs.Ccy?.trim();
    if (ccy) entry.currency = ccy;
  }
  const execution = firstText(ref, "ReqdExctnDt/Dt", "ReqdExctnDt/DtTm", "ReqdExctnDt");
  if (execution) entry.valueDate = execution.slice(0, 10);
  const party = creditor(ref);
  if (party) entry.counterparty = party;
  return entry;
}
