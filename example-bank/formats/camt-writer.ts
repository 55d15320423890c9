/**
 * camt.053.001.08 (bank-to-customer statement) and camt.054.001.08 (debit/credit notification) for
 * one account over a period, valid against the ISO 20022 schemas. Each booked entry carries one
 * transaction detail whose `Refs/EndToEndId` is the payment reference. A return of a payout is a
 * CRDT entry with `RvslInd` true (ISO usage: a reversed debit) and `RtrInf/Rsn/Cd`.
 */
import { formatAmount } from "../money";
import { reasonText } from "../reason-codes";
import { effect, type Account, type Entry } from "../state";
import { buildXml, maxText, type XmlNode } from "./xml";

export type CamtInput = {
  kind: "camt.053" | "camt.054";
  messageId: string;
  statementId: string;
  /** `ElctrncSeqNb`, when the caller numbers its statements. */
  sequence?: number;
  createdAt: Date;
  from: Date;
  to: Date;
  account: Account;
  bic?: string;
  bankName: string;
  opening: bigint;
  closing: bigint;
  entries: Entry[];
};

const amount = (minor: bigint, currency: string): XmlNode => ({ "@_Ccy": currency, "#text": formatAmount(minor < 0n ? -minor : minor, currency) });
const isoDateTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
const isoDate = (d: Date) => d.toISOString().slice(0, 10);
/** camt accepts IBAN only when it looks like one (the schema checks the pattern). */
const looksLikeIban = (v: string) => /^[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}$/.test(v);
const accountId = (v: string): XmlNode => (looksLikeIban(v) ? { IBAN: v } : { Othr: { Id: maxText(v, 34)! } });

function balance(code: string, minor: bigint, currency: string, date: Date): XmlNode {
  return { Tp: { CdOrPrtry: { Cd: code } }, Amt: amount(minor, currency), CdtDbtInd: minor < 0n ? "DBIT" : "CRDT", Dt: { Dt: isoDate(date) } };
}

function entryNode(e: Entry): XmlNode {
  // Credit-debit indicator of the booking itself: a reversed debit is booked as a credit (ISO usage of RvslInd).
  const credit = effect(e) === "C";
  const ref = e.payment_reference;
  const e2e = ref && ref.length <= 35 ? ref : "NOTPROVIDED";
  const counterparty: XmlNode | undefined = e.counterparty_name ? { Pty: { Nm: maxText(e.counterparty_name, 140)! } } : undefined;
  const counterAccount: XmlNode | undefined = e.counterparty_account ? { Id: accountId(e.counterparty_account.replace(/\s+/g, "").toUpperCase()) } : undefined;
  // For a payout (or its return) the counterparty is the creditor; for money in, the debtor.
  const payout = e.direction === "D";
  const returned = e.kind === "RETURN";
  const tx: XmlNode = {
    Refs: {
      MsgId: maxText(e.msg_id, 35),
      AcctSvcrRef: e.id,
      PmtInfId: maxText(e.pmt_inf_id, 35),
      InstrId: maxText(e.instr_id, 35),
      EndToEndId: ref ? e2e : undefined,
    },
    Amt: amount(e.amount, e.currency),
    CdtDbtInd: credit ? "CRDT" : "DBIT",
    RltdPties: counterparty ? (payout ? { Cdtr: counterparty, CdtrAcct: counterAccount } : { Dbtr: counterparty, DbtrAcct: counterAccount }) : undefined,
    RltdAgts: e.counterparty_bank_code && payout ? { CdtrAgt: { FinInstnId: { Othr: { Id: maxText(e.counterparty_bank_code, 35)! } } } } : undefined,
    RmtInf: maxText(e.narrative, 140) ? { Ustrd: maxText(e.narrative, 140) } : undefined,
    RtrInf: returned && e.reason_code ? { Rsn: { Cd: e.reason_code }, AddtlInf: maxText(reasonText(e.reason_code), 105) } : undefined,
    AddtlTxInf: ref && ref.length > 35 ? maxText(`Payment reference ${ref}`, 500) : undefined,
  };
  if (!ref) delete (tx.Refs as XmlNode).EndToEndId;
  const family = e.kind === "DEPOSIT" ? { Cd: "RCDT", SubFmlyCd: "BOOK" } : { Cd: "ICDT", SubFmlyCd: returned ? "RRTN" : "ESCT" };
  return {
    NtryRef: e.id,
    Amt: amount(e.amount, e.currency),
    CdtDbtInd: credit ? "CRDT" : "DBIT",
    RvslInd: e.reversal ? "true" : undefined,
    Sts: { Cd: "BOOK" },
    BookgDt: { DtTm: isoDateTime(new Date(e.booked_at)) },
    ValDt: { Dt: isoDate(new Date(e.booked_at)) },
    AcctSvcrRef: e.id,
    BkTxCd: { Domn: { Cd: "PMNT", Fmly: family } },
    NtryDtls: { TxDtls: tx },
  };
}

export function writeCamt(input: CamtInput): string {
  const { account } = input;
  const ns = input.kind === "camt.053" ? "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08" : "urn:iso:std:iso:20022:tech:xsd:camt.054.001.08";
  const acctId = account.iban ?? account.account_number;
  const acct: XmlNode = {
    Id: accountId(acctId),
    Ccy: account.currency,
    Nm: maxText(account.account_holder_name, 70),
    Svcr: { FinInstnId: input.bic ? { BICFI: input.bic } : { Nm: maxText(input.bankName, 140)! } },
  };
  const body: XmlNode = {
    Id: maxText(input.statementId, 35)!,
    ElctrncSeqNb: input.sequence !== undefined ? String(input.sequence) : undefined,
    CreDtTm: isoDateTime(input.createdAt),
    FrToDt: { FrDtTm: isoDateTime(input.from), ToDtTm: isoDateTime(input.to) },
    Acct: acct,
  };
  if (input.kind === "camt.053") {
    body.Bal = [balance("OPBD", input.opening, account.currency, input.from), balance("CLBD", input.closing, account.currency, input.to)];
  }
  let credits = 0n;
  let debits = 0n;
  for (const e of input.entries) {
    if (effect(e) === "C") credits += e.amount;
    else debits += e.amount;
  }
  const net = credits - debits;
  body.TxsSummry = {
    TtlNtries: {
      NbOfNtries: String(input.entries.length),
      Sum: formatAmount(credits + debits, account.currency),
      TtlNetNtry: { Amt: formatAmount(net < 0n ? -net : net, account.currency), CdtDbtInd: net < 0n ? "DBIT" : "CRDT" },
    },
  };
  body.Ntry = input.entries.map(entryNode);
  const groupHeader: XmlNode = { MsgId: maxText(input.messageId, 35)!, CreDtTm: isoDateTime(input.createdAt) };
  const doc: XmlNode =
    input.kind === "camt.053"
      ? { Document: { "@_xmlns": ns, BkToCstmrStmt: { GrpHdr: groupHeader, Stmt: body } } }
      : { Document: { "@_xmlns": ns, BkToCstmrDbtCdtNtfctn: { GrpHdr: groupHeader, Ntfctn: body } } };
  return buildXml(doc);
}
