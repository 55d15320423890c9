/**
 * MT940 customer statement, as the OpenG2P example bank writes it (`:20:`, `:25:`, `:28C:`,
 * `:60F:`, `:61:` + `:86:` per entry, `:62F:`) but within SWIFT's field sizes, so strict readers
 * accept it: references in `:20:` and `:61:` are at most 16 characters, and the full payment
 * reference is in `:86:` as `/EREF/<reference>` (a return adds `/RTRN/<reason code>`), then
 * `/NAME/` and `/IBAN/` (or `/ACCT/`) of the counterparty and `/REMI/` with the narratives.
 * Text is reduced to the SWIFT X character set. Lines end with LF.
 */
import { formatAmount } from "../money";
import type { Entry } from "../state";

export type Mt940Statement = {
  reference: string;
  account: string;
  statementNumber: number;
  currency: string;
  opening: { amount: bigint; date: Date };
  closing: { amount: bigint; date: Date };
  entries: Entry[];
};

/** SWIFT X set: letters, digits, space and / - ? : ( ) . , ' + */
export function swiftText(value: string): string {
  return value
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/[^A-Za-z0-9/\-?:().,'+ ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const yymmdd = (d: Date) => d.toISOString().slice(2, 10).replace(/-/g, "");
const mmdd = (d: Date) => d.toISOString().slice(5, 10).replace("-", "");

function balance(amount: bigint, date: Date, currency: string): string {
  return `${amount < 0n ? "D" : "C"}${yymmdd(date)}${currency}${formatAmount(amount < 0n ? -amount : amount, currency, ",")}`;
}

/** `:61:` customer reference: the payment reference when it fits SWIFT's 16x, else its first 16 characters. */
export function mt940Reference(reference: string | undefined): string {
  const clean = swiftText(reference ?? "").replace(/\//g, "-");
  return clean ? clean.slice(0, 16) : "NONREF";
}

/** `:86:` narrative, wrapped at 65 characters, at most 6 lines. */
export function mt940Narrative(e: Entry): string {
  const parts: string[] = [];
  if (e.payment_reference) parts.push(`/EREF/${swiftText(e.payment_reference)}`);
  if (e.reversal && e.reason_code) parts.push(`/RTRN/${e.reason_code}`);
  if (e.counterparty_name) parts.push(`/NAME/${swiftText(e.counterparty_name)}`);
  if (e.counterparty_account) {
    const account = swiftText(e.counterparty_account).replace(/\s+/g, "").toUpperCase();
    parts.push(/^[A-Z]{2}\d{2}[A-Z0-9]{1,30}$/.test(account) ? `/IBAN/${account}` : `/ACCT/${account}`);
  }
  const remittance = swiftText(e.narrative);
  if (remittance) parts.push(`/REMI/${remittance}`);
  const text = parts.join("") || "NONREF";
  const lines: string[] = [];
  for (let i = 0; i < text.length && lines.length < 6; i += 65) lines.push(text.slice(i, i + 65));
  return lines.join("\n");
}

export function writeMt940(s: Mt940Statement): string {
  const out: string[] = [];
  out.push(`:20:${swiftText(s.reference).slice(0, 16)}`);
  out.push(`:25:${swiftText(s.account).slice(0, 35)}`);
  out.push(`:28C:${s.statementNumber % 100000}/1`);
  out.push(`:60F:${balance(s.opening.amount, s.opening.date, s.currency)}`);
  for (const e of s.entries) {
    const booked = new Date(e.booked_at);
    const mark = `${e.reversal ? "R" : ""}${e.direction}`;
    out.push(`:61:${yymmdd(booked)}${mmdd(booked)}${mark}${formatAmount(e.amount, e.currency, ",")}NTRF${mt940Reference(e.payment_reference)}//${e.id.slice(0, 16)}`);
    out.push(`:86:${mt940Narrative(e)}`);
  }
  out.push(`:62F:${balance(s.closing.amount, s.closing.date, s.currency)}`);
  return `${out.join("\n")}\n`;
}
