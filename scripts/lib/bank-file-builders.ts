/**
 * Small, fast writers of the bank files the platform reads (pain.002, camt.053/.054, MT940), for the
 * reconciliation tests, the end-to-end test and the benchmark (scripts/lib/bench-reconcile.ts). They
 * write what a sponsor bank sends back for the platform's payments: the EndToEndId is the payment id as
 * 32 hex digits (server/rails/bank/formats/payment-reference.ts). Amounts are exact decimal strings.
 */

export type BuiltEntry = {
  /** The payment id (UUID) or any reference text written as EndToEndId / `/EREF/`. */
  reference: string | null;
  amount: string;
  currency?: string;
  /** A payout is a DEBIT; its reversal or return a CREDIT with `reversal`/`returnReason`. */
  direction?: "DEBIT" | "CREDIT";
  reversal?: boolean;
  /** ISO reason code of a return (camt `RtrInf`, MT940 `/RTRN/`). */
  returnReason?: string;
  bankReference?: string;
  bookingDate?: string;
  status?: "BOOK" | "PDNG";
};

export type StatusEntry = {
  reference: string;
  status: "ACCP" | "ACSP" | "ACTC" | "ACSC" | "RJCT" | "PDNG";
  reasonCode?: string;
  reasonText?: string;
  amount?: string;
  currency?: string;
};

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** The EndToEndId the platform writes: a UUID as its 32 hex digits; anything else as is. */
export function endToEndOf(reference: string): string {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(reference) ? reference.replace(/-/g, "").toLowerCase() : reference;
}

/** Cents (or any scale) of a decimal string, exactly. */
function scaled(amount: string, scale = 2): bigint {
  const [w = "0", f = ""] = amount.split(".");
  return BigInt(w) * 10n ** BigInt(scale) + BigInt((f + "0".repeat(scale)).slice(0, scale) || "0");
}

function fmt(value: bigint, scale = 2, separator = "."): string {
  const neg = value < 0n;
  const abs = neg ? -value : value;
  const unit = 10n ** BigInt(scale);
  return `${neg ? "-" : ""}${abs / unit}${separator}${(abs % unit).toString().padStart(scale, "0")}`;
}

export function buildPain002(entries: readonly StatusEntry[], options: { messageId?: string; originalMessageId?: string } = {}): string {
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.11">`,
    `<CstmrPmtStsRpt>`,
    `<GrpHdr><MsgId>${xml(options.messageId ?? `PSR-${Date.now()}`)}</MsgId><CreDtTm>2026-12-03T10:00:00</CreDtTm></GrpHdr>`,
    `<OrgnlGrpInfAndSts><OrgnlMsgId>${xml(options.originalMessageId ?? "PAIN001-1")}</OrgnlMsgId><OrgnlMsgNmId>pain.001.001.09</OrgnlMsgNmId></OrgnlGrpInfAndSts>`,
    `<OrgnlPmtInfAndSts><OrgnlPmtInfId>BATCH-1</OrgnlPmtInfId>`,
  ];
  entries.forEach((e, i) => {
    const reason = e.reasonCode
      ? `<StsRsnInf><Rsn><Cd>${xml(e.reasonCode)}</Cd></Rsn>${e.reasonText ? `<AddtlInf>${xml(e.reasonText)}</AddtlInf>` : ""}</StsRsnInf>`
      : "";
    const amount = e.amount ? `<OrgnlTxRef><Amt><InstdAmt Ccy="${e.currency ?? "EUR"}">${e.amount}</InstdAmt></Amt></OrgnlTxRef>` : "";
    out.push(
      `<TxInfAndSts><StsId>ST-${i + 1}</StsId><OrgnlEndToEndId>${xml(endToEndOf(e.reference))}</OrgnlEndToEndId><TxSts>${e.status}</TxSts>${reason}${amount}</TxInfAndSts>`,
    );
  });
  out.push(`</OrgnlPmtInfAndSts>`, `</CstmrPmtStsRpt>`, `</Document>`, "");
  return out.join("\n");
}

/** camt.053.001.02 (statement) or camt.054.001.02 (debit/credit notification). */
export function buildCamt(
  kind: "053" | "054",
  entries: readonly BuiltEntry[],
  options: { messageId?: string; statementId?: string; iban?: string; currency?: string; opening?: string } = {},
): string {
  const currency = options.currency ?? "EUR";
  const iban = options.iban ?? "NL91ABNA0417164300";
  const root = kind === "053" ? "BkToCstmrStmt" : "BkToCstmrDbtCdtNtfctn";
  const block = kind === "053" ? "Stmt" : "Ntfctn";
  const opening = scaled(options.opening ?? "100000000.00");
  let balance = opening;
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.${kind}.001.02">`,
    `<${root}>`,
    `<GrpHdr><MsgId>${xml(options.messageId ?? `CAMT-${Date.now()}`)}</MsgId><CreDtTm>2026-12-03T18:00:00</CreDtTm></GrpHdr>`,
    `<${block}><Id>${xml(options.statementId ?? "STMT-1")}</Id><CreDtTm>2026-12-03T18:00:00</CreDtTm>`,
    `<Acct><Id><IBAN>${iban}</IBAN></Id><Ccy>${currency}</Ccy></Acct>`,
  ];
  const body: string[] = [];
  entries.forEach((e, i) => {
    const direction = e.direction ?? (e.reversal || e.returnReason ? "CREDIT" : "DEBIT");
    const cents = scaled(e.amount);
    balance += direction === "DEBIT" ? -cents : cents;
    const date = e.bookingDate ?? "2026-12-03";
    const refs = e.reference ? `<Refs><EndToEndId>${xml(endToEndOf(e.reference))}</EndToEndId></Refs>` : `<Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>`;
    const rtr = e.returnReason ? `<RtrInf><Rsn><Cd>${e.returnReason}</Cd></Rsn></RtrInf>` : "";
    body.push(
      `<Ntry><NtryRef>${i + 1}</NtryRef><Amt Ccy="${e.currency ?? currency}">${e.amount}</Amt><CdtDbtInd>${direction === "DEBIT" ? "DBIT" : "CRDT"}</CdtDbtInd>` +
        `${e.reversal ? "<RvslInd>true</RvslInd>" : ""}<Sts>${e.status ?? "BOOK"}</Sts><BookgDt><Dt>${date}</Dt></BookgDt><ValDt><Dt>${date}</Dt></ValDt>` +
        `<AcctSvcrRef>${xml(e.bankReference ?? `BR${String(i + 1).padStart(10, "0")}`)}</AcctSvcrRef>` +
        `<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>` +
        `<NtryDtls><TxDtls>${refs}<AmtDtls><TxAmt><Amt Ccy="${e.currency ?? currency}">${e.amount}</Amt></TxAmt></AmtDtls>${rtr}</TxDtls></NtryDtls></Ntry>`,
    );
  });
  if (kind === "053") {
    out.push(
      `<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="${currency}">${fmt(opening < 0n ? -opening : opening)}</Amt><CdtDbtInd>${opening < 0n ? "DBIT" : "CRDT"}</CdtDbtInd><Dt><Dt>2026-12-03</Dt></Dt></Bal>`,
      `<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="${currency}">${fmt(balance < 0n ? -balance : balance)}</Amt><CdtDbtInd>${balance < 0n ? "DBIT" : "CRDT"}</CdtDbtInd><Dt><Dt>2026-12-03</Dt></Dt></Bal>`,
    );
  }
  out.push(...body, `</${block}>`, `</${root}>`, `</Document>`, "");
  return out.join("\n");
}

/** An MT940 statement: `:61:` per entry with `:86:/EREF/<reference>` (+ `/RTRN/<code>` for a return). */
export function buildMt940(entries: readonly BuiltEntry[], options: { statementId?: string; account?: string; currency?: string; opening?: string } = {}): string {
  const currency = options.currency ?? "EUR";
  const opening = scaled(options.opening ?? "100000000.00");
  let balance = opening;
  const mark = (v: bigint) => (v < 0n ? "D" : "C");
  const abs = (v: bigint) => (v < 0n ? -v : v);
  const out: string[] = [
    `:20:${(options.statementId ?? "STMT-1").slice(0, 16)}`,
    `:25:${options.account ?? "NL91ABNA0417164300"}`,
    `:28C:1/1`,
    `:60F:${mark(opening)}261203${currency}${fmt(abs(opening), 2, ",")}`,
  ];
  entries.forEach((e, i) => {
    const direction = e.direction ?? (e.reversal || e.returnReason ? "CREDIT" : "DEBIT");
    const cents = scaled(e.amount);
    balance += direction === "DEBIT" ? -cents : cents;
    const date = (e.bookingDate ?? "2026-12-03").replace(/-/g, "").slice(2);
    // D/C for bookings; RD (reversal of a debit) / RC for reversals.
    const dc = e.reversal ? (direction === "CREDIT" ? "RD" : "RC") : direction === "DEBIT" ? "D" : "C";
    const customer = (e.reference ? endToEndOf(e.reference) : "NONREF").slice(0, 16);
    out.push(`:61:${date}${date.slice(2)}${dc}${e.amount.replace(".", ",")}NTRF${customer}//${(e.bankReference ?? `BR${String(i + 1).padStart(10, "0")}`).slice(0, 16)}`);
    const narrative = [e.reference ? `/EREF/${endToEndOf(e.reference)}` : "", e.returnReason ? `/RTRN/${e.returnReason}` : ""].join("");
    out.push(`:86:${narrative || "PAYMENT"}`);
  });
  out.push(`:62F:${mark(balance)}261203${currency}${fmt(abs(balance), 2, ",")}`, "-", "");
  return out.join("\n");
}
