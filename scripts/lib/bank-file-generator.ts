/**
 * Small generators of large bank files for scripts/bench-bank.ts: a pain.001 batch input of N payments,
 * and a camt.053 (.001.08) and an MT940 statement of N debit entries whose references are those payments'
 * EndToEndIds (the shape the example bank sends back). Deterministic (seeded by position); amounts are
 * exact decimal strings built from integers.
 */
import { randomUUID } from "node:crypto";
import { paymentIdToEndToEndId, type Pain001Batch, type Pain001Payment } from "@/server/rails/bank/formats/pain001-writer";

export type GeneratedPayment = { paymentId: string; amount: string };

/** N payments with UUID ids and amounts from 1.00 to 999.99. */
export function generatePayments(count: number): GeneratedPayment[] {
  const out: GeneratedPayment[] = [];
  for (let i = 0; i < count; i++) {
    const cents = 100 + ((i * 7919) % 99_900);
    out.push({ paymentId: randomUUID(), amount: `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}` });
  }
  return out;
}

/** A valid German IBAN for account number `n` (check digits computed), so every generated payee passes validation. */
export function ibanFor(n: number): string {
  const bban = `37040044${String(n).padStart(10, "0")}`;
  const numeric = `${bban}131400`; // "DE" = 13 14, then "00"
  let remainder = 0;
  for (const d of numeric) remainder = (remainder * 10 + Number(d)) % 97;
  return `DE${String(98 - remainder).padStart(2, "0")}${bban}`;
}

export function pain001BatchFor(payments: GeneratedPayment[]): Pain001Batch {
  const list: Pain001Payment[] = payments.map((p, i) => ({
    paymentId: p.paymentId,
    amount: p.amount,
    currency: "EUR",
    creditor: { name: `Beneficiary ${i + 1}`, account: { iban: ibanFor(i + 1) }, agent: { bic: "COBADEFFXXX" } },
    remittanceInformation: `Programme payment ${i + 1}`,
  }));
  return {
    messageId: "BENCH-PAIN001-1",
    createdAt: new Date(),
    requestedExecutionDate: new Date().toISOString().slice(0, 10),
    initiatingParty: { name: "Bench Organisation" },
    debtor: { name: "Bench Sponsor", account: { iban: "DE89370400440532013000" }, agent: { bic: "COBADEFFXXX" } },
    payments: list,
  };
}

/** A camt.053.001.08 statement with one booked debit entry (one TxDtls) per payment. */
export function generateCamt053(payments: GeneratedPayment[]): string {
  const parts: string[] = [];
  parts.push(`<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>BENCH-CAMT053-1</MsgId><CreDtTm>2026-12-03T18:00:00Z</CreDtTm></GrpHdr>
    <Stmt>
      <Id>BENCH-STMT-1</Id>
      <ElctrncSeqNb>1</ElctrncSeqNb>
      <CreDtTm>2026-12-03T18:00:00Z</CreDtTm>
      <Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100000000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-12-03</Dt></Dt></Bal>
`);
  payments.forEach((p, i) => {
    parts.push(`      <Ntry>
        <Amt Ccy="EUR">${p.amount}</Amt>
        <CdtDbtInd>DBIT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-12-03</Dt></BookgDt>
        <ValDt><Dt>2026-12-03</Dt></ValDt>
        <AcctSvcrRef>BANKREF${i + 1}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <Refs><EndToEndId>${paymentIdToEndToEndId(p.paymentId)}</EndToEndId></Refs>
          <Amt Ccy="EUR">${p.amount}</Amt>
          <RltdPties><Cdtr><Pty><Nm>Beneficiary ${i + 1}</Nm></Pty></Cdtr><CdtrAcct><Id><IBAN>${ibanFor(i + 1)}</IBAN></Id></CdtrAcct></RltdPties>
          <RmtInf><Ustrd>Programme payment ${i + 1}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
`);
  });
  parts.push(`    </Stmt>
  </BkToCstmrStmt>
</Document>
`);
  return parts.join("");
}

/** An MT940 statement with one `:61:` debit and a `:86:` `/EREF/` narrative per payment. */
export function generateMt940(payments: GeneratedPayment[]): string {
  const parts: string[] = [":20:BENCH-MT940-1\n:25:DE89370400440532013000\n:28C:1/1\n:60F:C261203EUR100000000,00\n"];
  let totalCents = 0n;
  payments.forEach((p, i) => {
    const [whole, fraction = "00"] = p.amount.split(".");
    totalCents += BigInt(whole ?? "0") * 100n + BigInt(fraction.padEnd(2, "0"));
    parts.push(
      `:61:2612031203D${whole},${fraction}NTRFNONREF//BANKREF${i + 1}\n:86:/EREF/${paymentIdToEndToEndId(p.paymentId)}/NAME/Beneficiary ${i + 1}/REMI/Programme payment ${i + 1}\n`,
    );
  });
  const closing = 10_000_000_000n - totalCents;
  parts.push(`:62F:C261203EUR${closing / 100n},${String(closing % 100n).padStart(2, "0")}\n-\n`);
  return parts.join("");
}
