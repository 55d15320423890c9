import { describe, expect, it } from "vitest";
import { decimalsEqual, normaliseDecimal, sumDecimals } from "@/server/rails/bank/formats/decimal";
import { describeReasonCode } from "@/server/rails/bank/formats/iso-reason-codes";
import {
  currencyDecimals,
  endToEndIdToPaymentId,
  isValidIban,
  Pain001InputError,
  paymentIdToEndToEndId,
  writePain001,
  type Pain001Batch,
  type Pain001Payment,
} from "@/server/rails/bank/formats/pain001-writer";
import { streamXml, textAt, type XmlElement } from "@/server/rails/bank/formats/xml-stream";
import { validateWithXmllint } from "../support/xmllint";

/**
 * pain.001.001.09 writing (server/rails/bank/formats/pain001-writer.ts): every generated file validates
 * against the official XSD with xmllint, amounts are exact in the currency's minor units, text is escaped,
 * EndToEndId maps to the payment id and back, and bad input names the payment and the field.
 */
const XSD = "pain.001.001.09.xsd";
const ID = (n: number) => `${n.toString(16).padStart(8, "0")}-1d7e-4a43-9b1e-2f6f3b1c9a10`;

function batch(payments: Pain001Payment[], extra: Partial<Pain001Batch> = {}): Pain001Batch {
  return {
    messageId: "BATCH-42",
    createdAt: new Date("2026-12-03T10:00:00.123Z"),
    requestedExecutionDate: "2026-12-04",
    initiatingParty: { name: "Relief & Co <NGO>", id: "ORG-7" },
    debtor: { name: "Sponsor account", account: { iban: "DE89 3704 0044 0532 0130 00" }, agent: { bic: "COBADEFFXXX" }, accountCurrency: "EUR" },
    payments,
    ...extra,
  };
}

/** Transactions of a written file, read back with the project's own streaming reader. */
function transactions(xml: string): XmlElement[] {
  const out: XmlElement[] = [];
  streamXml(xml, { format: () => "XML", capture: (p) => p[p.length - 1] === "CdtTrfTxInf" || p[p.length - 1] === "GrpHdr", onElement: (e) => out.push(e) });
  return out;
}

describe("writePain001", () => {
  it("writes a batch that validates against the official pain.001.001.09 XSD, with exact amounts per currency", () => {
    const result = writePain001(
      batch([
        {
          paymentId: ID(1),
          amount: "12.5",
          currency: "EUR",
          creditor: { name: 'Ana "Quote" & Sons <Ltd>', account: { iban: "FR1420041010050500013M02606" }, agent: { bic: "BNPAFRPP" }, country: "FR" },
          remittanceInformation: "Aid 'March' & <April>",
        },
        {
          paymentId: ID(2),
          amount: "1000",
          currency: "JPY",
          creditor: { name: "Bo", account: { number: "12345678", schemeCode: "BBAN" }, agent: { clearingSystemCode: "USABA", memberId: "021000021", branchId: "001" } },
        },
        { paymentId: ID(3), amount: "0.125", currency: "KWD", creditor: { name: "Cy", account: { number: "ACC-9", schemeProprietary: "Mobile wallet" } } },
        {
          paymentId: ID(4),
          amount: "7.1000000",
          currency: "EUR",
          creditor: { name: "Di", account: { iban: "GB29NWBK60161331926819" }, agent: { otherId: "LOCAL-BANK-17", name: "Local bank" } },
        },
      ]),
    );
    const check = validateWithXmllint(result.xml, XSD);
    expect(check.output).toBe("");
    expect(check.valid).toBe(true);

    const [header, ...txs] = transactions(result.xml);
    expect(textAt(header, "NbOfTxs")).toBe("4");
    expect(textAt(header, "CtrlSum")).toBe("1019.725");
    expect(textAt(header, "CreDtTm")).toBe("2026-12-03T10:00:00Z");
    expect(textAt(header, "InitgPty/Nm")).toBe("Relief & Co <NGO>");
    expect(txs.map((t) => textAt(t, "Amt/InstdAmt"))).toEqual(["12.50", "1000", "0.125", "7.10"]);
    expect(txs.map((t) => t.children.find((c) => c.name === "Amt")?.children[0]?.attrs.Ccy)).toEqual(["EUR", "JPY", "KWD", "EUR"]);
    expect(txs.map((t) => textAt(t, "PmtId/EndToEndId"))).toEqual(result.endToEndIds);
    expect(textAt(txs[0], "Cdtr/Nm")).toBe('Ana "Quote" & Sons <Ltd>');
    expect(textAt(txs[0], "RmtInf/Ustrd")).toBe("Aid 'March' & <April>");
    expect(textAt(txs[1], "CdtrAgt/FinInstnId/ClrSysMmbId/MmbId")).toBe("021000021");
    expect(textAt(txs[1], "CdtrAgt/BrnchId/Id")).toBe("001");
    expect(textAt(txs[1], "CdtrAcct/Id/Othr/SchmeNm/Cd")).toBe("BBAN");
    expect(textAt(txs[2], "CdtrAcct/Id/Othr/SchmeNm/Prtry")).toBe("Mobile wallet");
    expect(result.xml).toContain("<IBAN>DE89370400440532013000</IBAN>");
    expect(result.xml).toContain("&amp; Sons &lt;Ltd&gt;");
  });

  it("sums the control sum exactly, where floating point would not", () => {
    const payments = Array.from({ length: 10 }, (_, i) => ({
      paymentId: ID(i + 1),
      amount: "0.1",
      currency: "EUR",
      creditor: { name: `P${i}`, account: { iban: "GB29NWBK60161331926819" } },
    }));
    const result = writePain001(batch(payments));
    expect(result.controlSum).toBe("1.00");
    expect(payments.reduce((sum) => sum + 0.1, 0)).not.toBe(1);
  });

  it("validates a 2,000-payment batch and streams it in chunks when asked", () => {
    const payments = Array.from({ length: 2000 }, (_, i) => ({
      paymentId: ID(i + 1),
      amount: `${i + 1}.${String(i % 100).padStart(2, "0")}`,
      currency: "EUR",
      creditor: { name: `Beneficiary ${i}`, account: { iban: "GB29NWBK60161331926819" }, agent: { bic: "NWBKGB2L" } },
    }));
    const whole = writePain001(batch(payments));
    const chunks: string[] = [];
    const streamed = writePain001(batch(payments), (c) => chunks.push(c));
    expect(streamed.xml).toBe("");
    expect(chunks.join("")).toBe(whole.xml);
    expect(whole.numberOfTransactions).toBe(2000);
    expect(whole.controlSum).toBe(sumDecimals(payments.map((p) => p.amount)));
    expect(validateWithXmllint(whole.xml, XSD).valid).toBe(true);
  });

  it("sends a debtor agent known by nothing as NOTPROVIDED, which the XSD accepts", () => {
    const result = writePain001(
      batch([{ paymentId: ID(1), amount: "1", currency: "EUR", creditor: { name: "A", account: { iban: "GB29NWBK60161331926819" } } }], {
        debtor: { name: "S", account: { number: "001-778" }, agent: {} },
      }),
    );
    expect(result.xml).toContain("<Id>NOTPROVIDED</Id>");
    expect(validateWithXmllint(result.xml, XSD).valid).toBe(true);
  });

  it("refuses bad input, naming each payment (position and id) and field", () => {
    const good = { paymentId: ID(1), amount: "10", currency: "EUR", creditor: { name: "A", account: { iban: "GB29NWBK60161331926819" } } };
    let error: unknown;
    try {
      writePain001(
        batch([
          good,
          { ...good, paymentId: ID(2), creditor: { name: "B", account: { iban: "GB29NWBK60161331926818" } } },
          { ...good, paymentId: ID(3), amount: "10.005" },
          { ...good, paymentId: ID(4), amount: "12,50" },
          { ...good, paymentId: ID(5), creditor: { name: " ", account: { iban: "GB29NWBK60161331926819" } } },
          { ...good, paymentId: ID(1) },
          { ...good, paymentId: "payment-7" },
          { ...good, paymentId: ID(8), amount: "0" },
          { ...good, paymentId: ID(9), creditor: { name: "C", account: { iban: "GB29NWBK60161331926819" }, agent: { bic: "NOT A BIC" } } },
        ]),
      );
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Pain001InputError);
    const problems = (error as Pain001InputError).problems.map((p) => `${p.paymentIndex}:${p.field}`);
    expect(problems).toEqual(["2:creditor.account.iban", "3:amount", "4:amount", "5:creditor.name", "6:paymentId", "7:paymentId", "8:amount", "9:creditor.agent.bic"]);
    const message = (error as Error).message;
    expect(message).toContain(`payment 2 (${ID(2)}) creditor.account.iban: "GB29NWBK60161331926818" is not a valid IBAN`);
    expect(message).toContain("payment 3");
    expect(message).toContain("more than the 2 decimal places EUR allows");
    expect(message).toContain("appears twice in the batch");
  });

  it("refuses an empty batch and a message id longer than Max35Text", () => {
    expect(() => writePain001(batch([], { messageId: "M".repeat(36) }))).toThrow(/messageId: is 36 characters long; at most 35.*payments: the batch has no payments/);
  });
});

describe("EndToEndId ↔ payment id", () => {
  it("is a reversible 32-character form of the UUID that fits Max35Text", () => {
    const id = "0B4C7C52-1D7E-4A43-9B1E-2F6F3B1C9A10";
    const e2e = paymentIdToEndToEndId(id);
    expect(e2e).toBe("0b4c7c521d7e4a439b1e2f6f3b1c9a10");
    expect(e2e.length).toBeLessThanOrEqual(35);
    expect(endToEndIdToPaymentId(e2e)).toBe(id.toLowerCase());
    expect(endToEndIdToPaymentId(e2e.toUpperCase())).toBe(id.toLowerCase());
    expect(endToEndIdToPaymentId(id)).toBe(id.toLowerCase());
    expect(endToEndIdToPaymentId("NOTPROVIDED")).toBeUndefined();
    expect(endToEndIdToPaymentId("E2EXRUHYXKX58020423")).toBeUndefined();
    expect(() => paymentIdToEndToEndId("not-a-uuid")).toThrow(/not a UUID/);
  });
});

describe("exact decimals, IBAN and reason codes", () => {
  it("normalises without changing digits and compares exactly", () => {
    expect(normaliseDecimal("000000000025,00", ",")).toBe("25.00");
    expect(normaliseDecimal("107,", ",")).toBe("107");
    expect(normaliseDecimal("1.5", ",")).toBeUndefined();
    expect(normaliseDecimal("-3")).toBeUndefined();
    expect(decimalsEqual("12.5", "12.500")).toBe(true);
    expect(decimalsEqual("12.5", "12.51")).toBe(false);
    expect(sumDecimals(["0.1", "0.2"])).toBe("0.3");
    expect(currencyDecimals("JPY")).toBe(0);
    expect(currencyDecimals("KWD")).toBe(3);
    expect(currencyDecimals("KES")).toBe(2);
  });

  it("checks the IBAN mod-97 digits", () => {
    expect(isValidIban("DE89370400440532013000")).toBe(true);
    expect(isValidIban("de89 3704 0044 0532 0130 00")).toBe(true);
    expect(isValidIban("DE89370400440532013001")).toBe(false);
  });

  it("words ISO reason codes plainly and keeps the bank's text", () => {
    expect(describeReasonCode("AM04")).toBe("Not enough funds on the sponsor account.");
    expect(describeReasonCode("ac04", "Closed  on\n30 Nov")).toBe("The beneficiary account is closed. Bank says: Closed on 30 Nov");
    expect(describeReasonCode("ZZ99")).toBe("The bank gave reason code ZZ99, which is not in the ISO list.");
    expect(describeReasonCode("ZZ99", "Custom reason")).toBe("Custom reason");
  });
});
