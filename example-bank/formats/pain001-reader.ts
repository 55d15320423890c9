/**
 * Reads a pain.001 credit-transfer initiation (any version from pain.001.001.03 on: the element
 * names the bank needs are the same): the group header, each payment information block with its
 * debtor account, and each `CdtTrfTxInf` with `EndToEndId`, the instructed amount as an exact
 * decimal string, the creditor's name, account and agent. Problems are reported per transaction
 * where possible, so one bad line does not hide the others.
 */
import { parseXml, XmlReadError } from "./xml";

export type Pain001Transaction = {
  endToEndId: string;
  instrId?: string;
  amount: string;
  currency: string;
  creditorName: string;
  creditorAccount: string;
  creditorBankCode: string;
  remittance: string;
  /** What is wrong with this transaction, when something is. */
  problem?: string;
};

export type Pain001Block = {
  pmtInfId: string;
  debtorAccount: string;
  debtorName: string;
  requestedExecutionDate?: string;
  transactions: Pain001Transaction[];
};

export type Pain001 = {
  version: string;
  msgId: string;
  createdAt?: string;
  nbOfTxs: number;
  ctrlSum?: string;
  initiatingParty?: string;
  blocks: Pain001Block[];
};

type Node = Record<string, unknown>;
const obj = (v: unknown): Node => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Node) : {});
const text = (v: unknown): string => {
  if (typeof v === "string") return v.trim();
  if (v !== null && typeof v === "object" && "#text" in (v as Node)) return String((v as Node)["#text"]).trim();
  return "";
};
const strings = (v: unknown): string[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]).map(text).filter(Boolean);
const list = (v: unknown): Node[] => (Array.isArray(v) ? v.map(obj) : v === undefined ? [] : [obj(v)]);

function accountOf(acct: unknown): string {
  const id = obj(obj(acct).Id);
  return (text(id.IBAN) || text(obj(id.Othr).Id)).replace(/\s+/g, "");
}

function agentCode(agent: unknown): string {
  const fin = obj(obj(agent).FinInstnId);
  return text(fin.BICFI) || text(fin.BIC) || text(obj(fin.ClrSysMmbId).MmbId) || text(obj(fin.Othr).Id);
}

export function readPain001(xml: string): Pain001 {
  const version = /urn:iso:std:iso:20022:tech:xsd:(pain\.001\.\d{3}\.\d{2})/.exec(xml)?.[1];
  if (!version) throw new XmlReadError("not a pain.001 document (no urn:iso:std:iso:20022:tech:xsd:pain.001 namespace)");
  const doc = obj(parseXml(xml, ["PmtInf", "CdtTrfTxInf", "Ustrd"]).Document);
  const root = obj(doc.CstmrCdtTrfInitn);
  if (!doc.CstmrCdtTrfInitn) throw new XmlReadError("pain.001 without CstmrCdtTrfInitn");
  const header = obj(root.GrpHdr);
  const msgId = text(header.MsgId);
  if (!msgId) throw new XmlReadError("pain.001 without GrpHdr/MsgId");
  const blocks: Pain001Block[] = list(root.PmtInf).map((pi) => {
    const exec = pi.ReqdExctnDt;
    return {
      pmtInfId: text(pi.PmtInfId),
      debtorAccount: accountOf(pi.DbtrAcct),
      debtorName: text(obj(pi.Dbtr).Nm),
      requestedExecutionDate: text(exec) || text(obj(exec).Dt) || text(obj(exec).DtTm) || undefined,
      transactions: list(pi.CdtTrfTxInf).map((tx) => {
        const pmtId = obj(tx.PmtId);
        const instd = obj(tx.Amt).InstdAmt;
        const t: Pain001Transaction = {
          endToEndId: text(pmtId.EndToEndId),
          instrId: text(pmtId.InstrId) || undefined,
          amount: text(instd),
          currency: typeof instd === "object" && instd !== null ? String((instd as Node)["@_Ccy"] ?? "") : "",
          creditorName: text(obj(tx.Cdtr).Nm),
          creditorAccount: accountOf(tx.CdtrAcct),
          creditorBankCode: agentCode(tx.CdtrAgt),
          remittance: strings(obj(tx.RmtInf).Ustrd).join(" "),
        };
        if (!t.endToEndId) t.problem = "CdtTrfTxInf without PmtId/EndToEndId";
        else if (!t.amount) t.problem = "no Amt/InstdAmt (equivalent amounts are not supported)";
        else if (!t.creditorAccount) t.problem = "no CdtrAcct/Id (IBAN or Othr/Id)";
        return t;
      }),
    };
  });
  const nb = Number(text(header.NbOfTxs));
  return {
    version,
    msgId,
    createdAt: text(header.CreDtTm) || undefined,
    nbOfTxs: Number.isInteger(nb) ? nb : blocks.reduce((n, b) => n + b.transactions.length, 0),
    ctrlSum: text(header.CtrlSum) || undefined,
    initiatingParty: text(obj(header.InitgPty).Nm) || undefined,
    blocks,
  };
}
