/**
 * pain.002.001.11 customer payment status report: the group status, one block per original payment
 * information block and one `TxInfAndSts` per original transaction (`OrgnlEndToEndId`, `TxSts`
 * ACSP/ACSC/RJCT, `StsRsnInf/Rsn/Cd` with the reason in `AddtlInf`, the original amount), valid
 * against the ISO 20022 schema.
 */
import { reasonText } from "../reason-codes";
import { buildXml, maxText, type XmlNode } from "./xml";

export type TxStatus = "ACSP" | "ACSC" | "RJCT";

export type Pain002Input = {
  messageId: string;
  createdAt: Date;
  bankName: string;
  originalMessageId: string;
  originalMessageName: string;
  originalCreatedAt?: string;
  originalNbOfTxs: number;
  originalCtrlSum: string;
  /** A rejection of the whole message (e.g. a duplicate message id); then no transaction detail is sent. */
  groupRejection?: { code: string; text?: string };
  paymentInfos: {
    id: string;
    transactions: {
      endToEndId: string;
      instrId?: string;
      status: TxStatus;
      reasonCode?: string;
      reasonText?: string;
      bankReference?: string;
      acceptedAt?: string;
      amount: string;
      currency: string;
    }[];
  }[];
};

const isoDateTime = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

/** Group or block status from its transactions' statuses. */
export function summaryStatus(statuses: TxStatus[]): string {
  if (statuses.length === 0) return "RJCT";
  if (statuses.every((s) => s === "RJCT")) return "RJCT";
  if (statuses.some((s) => s === "RJCT")) return "PART";
  if (statuses.every((s) => s === "ACSC")) return "ACSC";
  return "ACSP";
}

function perStatus(statuses: TxStatus[]): XmlNode[] {
  const counts = new Map<string, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts.entries()].map(([status, n]) => ({ DtldNbOfTxs: String(n), DtldSts: status }));
}

function reason(code: string, text?: string): XmlNode {
  return { Rsn: { Cd: code }, AddtlInf: maxText(text ?? reasonText(code), 105) };
}

export function writePain002(input: Pain002Input): string {
  const all = input.paymentInfos.flatMap((p) => p.transactions.map((t) => t.status));
  const group: XmlNode = {
    OrgnlMsgId: maxText(input.originalMessageId, 35)!,
    OrgnlMsgNmId: maxText(input.originalMessageName, 35)!,
    OrgnlCreDtTm: input.originalCreatedAt,
    OrgnlNbOfTxs: String(input.originalNbOfTxs),
    OrgnlCtrlSum: input.originalCtrlSum,
    GrpSts: input.groupRejection ? "RJCT" : summaryStatus(all),
    StsRsnInf: input.groupRejection ? reason(input.groupRejection.code, input.groupRejection.text) : undefined,
    NbOfTxsPerSts: input.groupRejection ? undefined : perStatus(all),
  };
  const blocks: XmlNode[] = input.groupRejection
    ? []
    : input.paymentInfos.map((p) => ({
        OrgnlPmtInfId: maxText(p.id, 35)!,
        OrgnlNbOfTxs: String(p.transactions.length),
        PmtInfSts: summaryStatus(p.transactions.map((t) => t.status)),
        TxInfAndSts: p.transactions.map((t) => ({
          StsId: t.bankReference ? maxText(t.bankReference, 35) : undefined,
          OrgnlInstrId: maxText(t.instrId, 35),
          // ISO allows 35 characters; a longer reference (API payments) is not cut, it is "NOTPROVIDED" here and whole in the JSON status.
          OrgnlEndToEndId: t.endToEndId.length <= 35 ? t.endToEndId : "NOTPROVIDED",
          TxSts: t.status,
          StsRsnInf: t.reasonCode ? reason(t.reasonCode, t.reasonText) : undefined,
          AccptncDtTm: t.acceptedAt,
          AcctSvcrRef: t.bankReference ? maxText(t.bankReference, 35) : undefined,
          OrgnlTxRef: { Amt: { InstdAmt: { "@_Ccy": t.currency, "#text": t.amount } } },
        })),
      }));
  return buildXml({
    Document: {
      "@_xmlns": "urn:iso:std:iso:20022:tech:xsd:pain.002.001.11",
      CstmrPmtStsRpt: {
        GrpHdr: { MsgId: maxText(input.messageId, 35)!, CreDtTm: isoDateTime(input.createdAt), InitgPty: { Nm: maxText(input.bankName, 140)! } },
        OrgnlGrpInfAndSts: group,
        OrgnlPmtInfAndSts: blocks.length > 0 ? blocks : undefined,
      },
    },
  });
}
