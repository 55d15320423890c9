/**
 * Writer for ISO 20022 pain.001.001.09 customer credit transfer initiations: one group header (MsgId,
 * CreDtTm, NbOfTxs, exact CtrlSum), one payment information block (the sponsor account as debtor) and one
 * CdtTrfTxInf per payment, EndToEndId = the payment id in its 32-character form (payment-reference.ts).
 * Built with fast-xml-parser's XMLBuilder one block at a time (correct escaping, no tree of 100,000 payments kept);
 * amounts are exact decimals printed with the currency's minor units. Input is checked first and every
 * problem names the payment (position and id) and the field. docs/bank-files.md#pain001 describes the output;
 * tests/fixtures/iso20022 holds the XSD it validates against.
 */
import { XMLBuilder } from "fast-xml-parser";
import { currencyDecimals as isoDecimals } from "@/server/domain/currencies";
import { fromScaled, normaliseDecimal, significantScale, toScaled } from "./decimal";
import { isValidIban } from "./iban";
import { endToEndIdToPaymentId, paymentIdToEndToEndId } from "./payment-reference";

export { endToEndIdToPaymentId, isValidIban, paymentIdToEndToEndId };

export const PAIN001_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09";
export const PAIN001_VERSION = "pain.001.001.09";

/** Decimal places of a currency per ISO 4217 (the platform's table, server/domain/currencies.ts; 2 when unknown). */
export function currencyDecimals(currency: string): number {
  return isoDecimals(currency) ?? 2;
}

/** An account: an IBAN, or another identifier with an optional scheme code (ExternalAccountIdentification1Code such as "BBAN") or proprietary scheme name. */
export type Pain001Account = { iban: string } | { number: string; schemeCode?: string; schemeProprietary?: string };

/** A bank: BIC, and/or a clearing-system member id (e.g. a national bank code, with the clearing system code such as "USABA"), another id, a name and a branch. */
export type Pain001Agent = {
  bic?: string;
  clearingSystemCode?: string;
  memberId?: string;
  otherId?: string;
  name?: string;
  branchId?: string;
};

export type Pain001Payment = {
  /** The platform payment id (UUID); becomes the EndToEndId (32 hex digits). */
  paymentId: string;
  /** Exact positive decimal string ("12.5", "12.5000000"); no more significant decimals than the currency has. */
  amount: string;
  currency: string;
  creditor: { name: string; account: Pain001Account; agent?: Pain001Agent; country?: string };
  /** Unstructured remittance text (at most 140 characters). */
  remittanceInformation?: string;
};

export type Pain001Batch = {
  /** Unique per file (Max35Text); the bank echoes it in pain.002 `OrgnlMsgId`. */
  messageId: string;
  createdAt: Date;
  /** Defaults to `messageId`. */
  paymentInformationId?: string;
  /** YYYY-MM-DD. */
  requestedExecutionDate: string;
  initiatingParty: { name: string; id?: string };
  debtor: { name: string; account: Pain001Account; agent: Pain001Agent; accountCurrency?: string };
  /** Ask the bank for one booking per payment (false, the default: reconciliation matches entries one to one) or one batch booking (true). */
  batchBooking?: boolean;
  chargeBearer?: "SLEV" | "SHAR" | "DEBT" | "CRED";
  /** Service level code (e.g. "SEPA", "NURG"); omitted when absent. */
  serviceLevel?: string;
  payments: readonly Pain001Payment[];
  /** Decimal places per currency when the platform's own table differs from ISO 4217. */
  decimalsFor?: (currency: string) => number;
};

export type Pain001Problem = { paymentIndex?: number; paymentId?: string; field: string; message: string };

/** The batch cannot be written: lists each problem with the payment (1-based position and id) and the field. */
export class Pain001InputError extends Error {
  readonly problems: Pain001Problem[];
  constructor(problems: Pain001Problem[]) {
    const shown = problems
      .slice(0, 10)
      .map((p) => (p.paymentIndex !== undefined ? `payment ${p.paymentIndex} (${p.paymentId || "no id"}) ${p.field}: ${p.message}` : `${p.field}: ${p.message}`));
    const more = problems.length > 10 ? `; and ${problems.length - 10} more` : "";
    super(`pain.001 cannot be written: ${shown.join("; ")}${more}`);
    this.name = "Pain001InputError";
    this.problems = problems;
  }
}

const BIC = /^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
const CURRENCY = /^[A-Z]{3}$/;
const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const COUNTRY = /^[A-Z]{2}$/;
// XML 1.0 forbids these characters even escaped; reject them with a clear message instead of writing a broken file.
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

type Check = (field: string, message: string) => void;

function checkText(value: string | undefined, field: string, max: number, check: Check, required = true): void {
  if (value === undefined || value.trim() === "") {
    if (required) check(field, "is required");
    return;
  }
  if (value.length > max) check(field, `is ${value.length} characters long; at most ${max} are allowed`);
  if (INVALID_XML_CHARS.test(value)) check(field, "contains a control character that XML cannot carry");
}

function checkAccount(account: Pain001Account | undefined, field: string, check: Check): void {
  if (!account) return check(field, "is required");
  if ("iban" in account) {
    if (!isValidIban(account.iban)) check(`${field}.iban`, `"${account.iban}" is not a valid IBAN (format or check digits)`);
  } else {
    checkText(account.number, `${field}.number`, 34, check);
    if (account.schemeCode !== undefined && !/^[A-Z0-9]{1,4}$/.test(account.schemeCode))
      check(`${field}.schemeCode`, `"${account.schemeCode}" is not an account scheme code (1 to 4 letters, e.g. BBAN)`);
    checkText(account.schemeProprietary, `${field}.schemeProprietary`, 35, check, false);
  }
}

function checkAgent(agent: Pain001Agent | undefined, field: string, check: Check): void {
  if (!agent) return;
  if (agent.bic !== undefined && !BIC.test(agent.bic)) check(`${field}.bic`, `"${agent.bic}" is not a BIC (8 or 11 letters and digits)`);
  if (agent.clearingSystemCode !== undefined && !/^[A-Z0-9]{1,5}$/.test(agent.clearingSystemCode))
    check(`${field}.clearingSystemCode`, "must be 1 to 5 letters or digits (e.g. USABA, GBDSC)");
  if (agent.clearingSystemCode !== undefined && !agent.memberId) check(`${field}.memberId`, "is required with a clearing system code");
  checkText(agent.memberId, `${field}.memberId`, 35, check, false);
  checkText(agent.otherId, `${field}.otherId`, 35, check, false);
  checkText(agent.name, `${field}.name`, 140, check, false);
  checkText(agent.branchId, `${field}.branchId`, 35, check, false);
}

type Prepared = { endToEndId: string; amount: string; scaled: bigint; scale: number };

/** Check the whole batch and return each payment's EndToEndId and printed amount, or throw Pain001InputError listing the problems. */
function prepare(batch: Pain001Batch): { prepared: Prepared[]; controlSum: string } {
  const problems: Pain001Problem[] = [];
  const top: Check = (field, message) => problems.push({ field, message });
  checkText(batch.messageId, "messageId", 35, top);
  checkText(batch.paymentInformationId ?? batch.messageId, "paymentInformationId", 35, top);
  if (!(batch.createdAt instanceof Date) || Number.isNaN(batch.createdAt.getTime())) top("createdAt", "is not a valid date-time");
  if (!DATE.test(batch.requestedExecutionDate ?? "")) top("requestedExecutionDate", `"${batch.requestedExecutionDate}" is not a YYYY-MM-DD date`);
  checkText(batch.initiatingParty?.name, "initiatingParty.name", 140, top);
  checkText(batch.initiatingParty?.id, "initiatingParty.id", 35, top, false);
  checkText(batch.debtor?.name, "debtor.name", 140, top);
  checkAccount(batch.debtor?.account, "debtor.account", top);
  checkAgent(batch.debtor?.agent, "debtor.agent", top);
  if (batch.debtor?.accountCurrency !== undefined && !CURRENCY.test(batch.debtor.accountCurrency)) top("debtor.accountCurrency", "is not a 3-letter ISO 4217 code");
  if (batch.serviceLevel !== undefined && !/^[A-Z0-9]{1,4}$/.test(batch.serviceLevel)) top("serviceLevel", "must be 1 to 4 letters or digits (e.g. SEPA, NURG)");
  if (!batch.payments || batch.payments.length === 0) top("payments", "the batch has no payments");

  const decimalsFor = batch.decimalsFor ?? currencyDecimals;
  const seen = new Set<string>();
  const prepared: Prepared[] = [];
  let maxScale = 0;
  (batch.payments ?? []).forEach((payment, i) => {
    const paymentIndex = i + 1;
    const paymentId = payment?.paymentId ?? "";
    const check: Check = (field, message) => problems.push({ paymentIndex, paymentId, field, message });
    let endToEndId = "";
    try {
      endToEndId = paymentIdToEndToEndId(paymentId);
      if (seen.has(endToEndId)) check("paymentId", "appears twice in the batch");
      seen.add(endToEndId);
    } catch {
      check("paymentId", `"${paymentId}" is not a UUID`);
    }
    const currency = payment?.currency ?? "";
    if (!CURRENCY.test(currency)) check("currency", `"${currency}" is not a 3-letter ISO 4217 code`);
    const scale = CURRENCY.test(currency) ? decimalsFor(currency) : 2;
    const amount = normaliseDecimal(String(payment?.amount ?? ""));
    let scaled = 0n;
    if (amount === undefined) check("amount", `"${payment?.amount}" is not a positive decimal number`);
    else if (significantScale(amount) > scale) check("amount", `${amount} has more than the ${scale} decimal places ${currency} allows`);
    else {
      scaled = toScaled(amount, scale) ?? 0n;
      if (scaled <= 0n) check("amount", "must be greater than zero");
      if (scaled.toString().length > 18) check("amount", "has more than 18 digits");
    }
    checkText(payment?.creditor?.name, "creditor.name", 140, check);
    checkAccount(payment?.creditor?.account, "creditor.account", check);
    checkAgent(payment?.creditor?.agent, "creditor.agent", check);
    if (payment?.creditor?.country !== undefined && !COUNTRY.test(payment.creditor.country)) check("creditor.country", "is not a 2-letter ISO 3166 code");
    checkText(payment?.remittanceInformation, "remittanceInformation", 140, check, false);
    maxScale = Math.max(maxScale, scale);
    prepared.push({ endToEndId, amount: fromScaled(scaled, scale), scaled, scale });
  });
  if (problems.length > 0) throw new Pain001InputError(problems);
  let total = 0n;
  for (const p of prepared) total += p.scaled * 10n ** BigInt(maxScale - p.scale);
  return { prepared, controlSum: fromScaled(total, maxScale) };
}

type XmlNode = string | { [name: string]: XmlNode | XmlNode[] };

function accountNode(acct: Pain001Account, currency?: string): XmlNode {
  let id: XmlNode;
  if ("iban" in acct) id = { IBAN: acct.iban.replace(/\s+/g, "").toUpperCase() };
  else {
    const other: Record<string, XmlNode> = { Id: acct.number };
    if (acct.schemeCode) other.SchmeNm = { Cd: acct.schemeCode };
    else if (acct.schemeProprietary) other.SchmeNm = { Prtry: acct.schemeProprietary };
    id = { Othr: other };
  }
  return currency ? { Id: id, Ccy: currency } : { Id: id };
}

function agentNode(a: Pain001Agent): XmlNode {
  const fin: Record<string, XmlNode> = {};
  if (a.bic) fin.BICFI = a.bic;
  if (a.memberId) fin.ClrSysMmbId = a.clearingSystemCode ? { ClrSysId: { Cd: a.clearingSystemCode }, MmbId: a.memberId } : { MmbId: a.memberId };
  if (a.name) fin.Nm = a.name;
  // An agent known by nothing above is sent as "NOTPROVIDED", the ISO convention for a mandatory agent left to the bank.
  if (a.otherId || !(a.bic || a.memberId || a.name)) fin.Othr = { Id: a.otherId ?? "NOTPROVIDED" };
  return a.branchId ? { FinInstnId: fin, BrnchId: { Id: a.branchId } } : { FinInstnId: fin };
}

const builder = new XMLBuilder({ format: true, indentBy: "  ", ignoreAttributes: false, attributeNamePrefix: "@_", suppressEmptyNode: false });

/** Build one block with fast-xml-parser (escaping included) and indent it to its depth in the document. */
function block(node: Record<string, XmlNode | XmlNode[]>, depth: number): string {
  const pad = "  ".repeat(depth);
  return builder.build(node).replace(/^(?=.)/gm, pad);
}

export type Pain001Result = { xml: string; messageId: string; numberOfTransactions: number; controlSum: string; endToEndIds: string[] };

/**
 * Write the batch as a pain.001.001.09 document. `onChunk`, when given, receives the XML piece by piece
 * (for streaming to a file or HTTP body) and `xml` is then empty; otherwise the whole document is returned.
 */
export function writePain001(batch: Pain001Batch, onChunk?: (chunk: string) => void): Pain001Result {
  const { prepared, controlSum } = prepare(batch);
  const chunks: string[] = [];
  let pending = "";
  // Chunks of about 1 MB: few enough strings to join cheaply, small enough to stream.
  const emit = (text: string, flush = false) => {
    pending += text;
    if (pending.length < 1 << 20 && !flush) return;
    if (onChunk) onChunk(pending);
    else chunks.push(pending);
    pending = "";
  };
  const count = String(prepared.length);
  const party: Record<string, XmlNode> = { Nm: batch.initiatingParty.name };
  if (batch.initiatingParty.id) party.Id = { OrgId: { Othr: { Id: batch.initiatingParty.id } } };

  emit(`<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="${PAIN001_NAMESPACE}">\n  <CstmrCdtTrfInitn>\n`);
  emit(
    block(
      { GrpHdr: { MsgId: batch.messageId, CreDtTm: batch.createdAt.toISOString().replace(/\.\d{3}Z$/, "Z"), NbOfTxs: count, CtrlSum: controlSum, InitgPty: party } },
      2,
    ),
  );
  const info: Record<string, XmlNode> = {
    PmtInfId: batch.paymentInformationId ?? batch.messageId,
    PmtMtd: "TRF",
    BtchBookg: batch.batchBooking ? "true" : "false",
    NbOfTxs: count,
    CtrlSum: controlSum,
  };
  if (batch.serviceLevel) info.PmtTpInf = { SvcLvl: { Cd: batch.serviceLevel } };
  info.ReqdExctnDt = { Dt: batch.requestedExecutionDate };
  info.Dbtr = { Nm: batch.debtor.name };
  info.DbtrAcct = accountNode(batch.debtor.account, batch.debtor.accountCurrency);
  info.DbtrAgt = agentNode(batch.debtor.agent);
  info.ChrgBr = batch.chargeBearer ?? "SLEV";
  emit("    <PmtInf>\n");
  emit(block(info, 3));
  batch.payments.forEach((payment, i) => {
    const p = prepared[i] as Prepared;
    const tx: Record<string, XmlNode> = {
      PmtId: { EndToEndId: p.endToEndId },
      Amt: { InstdAmt: { "#text": p.amount, "@_Ccy": payment.currency } },
    };
    if (payment.creditor.agent) tx.CdtrAgt = agentNode(payment.creditor.agent);
    tx.Cdtr = payment.creditor.country ? { Nm: payment.creditor.name, PstlAdr: { Ctry: payment.creditor.country } } : { Nm: payment.creditor.name };
    tx.CdtrAcct = accountNode(payment.creditor.account);
    if (payment.remittanceInformation) tx.RmtInf = { Ustrd: payment.remittanceInformation };
    emit(block({ CdtTrfTxInf: tx }, 3));
  });
  emit("    </PmtInf>\n  </CstmrCdtTrfInitn>\n</Document>\n", true);
  return {
    xml: onChunk ? "" : chunks.join(""),
    messageId: batch.messageId,
    numberOfTransactions: prepared.length,
    controlSum,
    endToEndIds: prepared.map((p) => p.endToEndId),
  };
}
