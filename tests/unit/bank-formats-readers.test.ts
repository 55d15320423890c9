import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseCamt } from "@/server/rails/bank/formats/camt-reader";
import { sumDecimals } from "@/server/rails/bank/formats/decimal";
import { parseMt940 } from "@/server/rails/bank/formats/mt940-reader";
import { parsePain002 } from "@/server/rails/bank/formats/pain002-reader";
import { BankFileError, isPayout, undoesPayout, type ParsedBankEntry, type ParsedBankFile } from "@/server/rails/bank/formats/statement-types";
import { validateWithXmllint } from "../support/xmllint";

/**
 * The bank-file readers (server/rails/bank/formats) on real bank statements from public repositories
 * (tests/fixtures/bank-statements/SOURCES.md) and on files in the shape the sponsor bank sends this
 * platform: exact amounts, references, reversals, batch entries, and errors that name the line and field.
 */
const DIR = path.resolve(import.meta.dirname, "../fixtures/bank-statements");
const read = (name: string) => readFileSync(path.join(DIR, name));
const amounts = (file: ParsedBankFile) => file.entries.map((e) => e.amount);

function bankFileError(fn: () => unknown): BankFileError {
  try {
    fn();
  } catch (error) {
    if (error instanceof BankFileError) return error;
    throw error;
  }
  throw new Error("expected a BankFileError");
}

describe("camt.053 / camt.054 from real banks", () => {
  it("reads a Deutsche Bank (Belgium) camt.053.001.02 statement exactly", () => {
    const file = parseCamt(read("camt053-v02-deutsche-bank-belgium.xml"));
    expect(file).toMatchObject({ format: "CAMT053", version: "camt.053.001.02", messageId: "MSG35678114-YVTIVO", statementId: "MSG43831462-XICUEK", currency: "EUR" });
    expect(file.account).toMatchObject({ iban: "BE86463768548050", bic: "DEUTBEB4NDX", name: "Sigma Solutions" });
    expect(file.openingBalance).toEqual({ amount: "0", currency: "EUR", date: "2024-03-01", code: "OPBD" });
    expect(file.closingBalance).toEqual({ amount: "0", currency: "EUR", date: "2024-10-01", code: "CLBD" });
    expect(amounts(file)).toEqual(["789903.41", "0.99", "789904.4"]);
    expect(file.entries.map((e) => e.endToEndId)).toEqual(["E2EXRUHYXKX58020423", "E2EPPXJNWYI50546873", expect.any(String)]);
    expect(file.entries.map((e) => e.direction)).toEqual(["DEBIT", "DEBIT", "CREDIT"]);
    expect(file.entries[0]).toMatchObject({ status: "BOOKED", bookingDate: "2024-05-23", transactionCode: "PMNT/ICDT/ESCT", bankReference: "390176" });
    expect(file.entries[0]?.counterparty).toEqual({ name: "Sigma Solutions", iban: "FR9124517777178627245130470", bic: "GEBAFRZ1XAW" });
    expect(file.entries.every((e) => e.paymentId === undefined)).toBe(true);
  });

  it("reads a Bank of Lithuania camt.053.001.08 with two statements, a batch booking and no entry status", () => {
    const file = parseCamt(read("camt053-v08-bank-of-lithuania.xml"));
    expect(file.version).toBe("camt.053.001.08");
    expect(file.statements.map((s) => [s.id, s.account?.number, s.entryCount, s.openingBalance?.amount, s.closingBalance?.amount])).toEqual([
      ["MSG66141212-AUHHDI", "LT625883379695428516", 3, "21081222.58", "21903960.39"],
      ["MSG64056289-VSGMBR", "LT414319056143772570", 0, "4801.55", "4801.55"],
    ]);
    expect(amounts(file)).toEqual(["828531.98", "0.2", "5793.97"]);
    expect(file.entries[0]).toMatchObject({ direction: "CREDIT", status: "BOOKED", statusCode: "BOOK", bankReference: "REF000000025239", transactionCode: "ATSISK" });
    expect(file.entries[0]?.batch).toEqual({ entryNumber: 1, entryAmount: "828531.98", transactionCount: 86 });
    expect(file.entries[2]?.batch?.transactionCount).toBe(3);
  });

  it("splits a Bank of Lithuania camt.054.001.10 batch of 41 transactions into 41 entries with their own amount and direction", () => {
    const file = parseCamt(read("camt054-v10-bank-of-lithuania.xml"));
    expect(file).toMatchObject({ format: "CAMT054", version: "camt.054.001.10", statementId: "1411966" });
    expect(file.entries).toHaveLength(41);
    expect(file.entries.slice(0, 3).map((e) => [e.amount, e.direction, e.bankReference, e.status])).toEqual([
      ["10", "CREDIT", "285143", "INFO"],
      ["920.76", "DEBIT", "748046", "INFO"],
      ["300", "CREDIT", "492205", "INFO"],
    ]);
    expect(file.entries.every((e) => e.batch?.entryAmount === "194672.25" && e.batch.transactionCount === 41)).toBe(true);
    expect(file.entries.map((e) => e.index)).toEqual(Array.from({ length: 41 }, (_, i) => i + 1));
  });
});

describe("tolerance of real files", () => {
  it("reads the Lithuanian files although they break their XSD (no balance indicator, no BkTxCd); the Deutsche Bank file is valid", () => {
    expect(validateWithXmllint(read("camt053-v02-deutsche-bank-belgium.xml").toString(), "camt.053.001.02.xsd")).toMatchObject({ valid: true });
    const statement = validateWithXmllint(read("camt053-v08-bank-of-lithuania.xml").toString(), "camt.053.001.08.xsd");
    expect(statement.valid).toBe(false);
    expect(statement.output).toMatch(/Expected is \( \{urn:iso:std:iso:20022:tech:xsd:camt\.053\.001\.08\}CdtDbtInd \)/);
    expect(validateWithXmllint(read("camt054-v10-bank-of-lithuania.xml").toString(), "camt.054.001.10.xsd").valid).toBe(false);
    expect(parseCamt(read("camt053-v08-bank-of-lithuania.xml")).entries).toHaveLength(3);
  });

  it("decodes bytes by the XML declaration (ISO-8859-1) and drops a UTF-8 byte-order mark", () => {
    const camt = read("platform/camt053-v08-payouts.xml")
      .toString()
      .replace("Ana &amp; Sons</Nm></Pty></Cdtr>\n              <CdtrAcct>", "Zoë Müller</Nm></Pty></Cdtr>\n              <CdtrAcct>");
    const latin1 = Buffer.from(camt.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"'), "latin1");
    expect(parseCamt(latin1).entries[0]?.counterparty?.name).toBe("Zoë Müller");
    const withBom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(camt, "utf8")]);
    expect(parseCamt(withBom).entries[0]?.counterparty?.name).toBe("Zoë Müller");
  });
});

describe("files in the shape the sponsor bank returns to this platform", () => {
  it("the hand-written camt.053 and pain.002 fixtures are valid against the official XSDs", () => {
    expect(validateWithXmllint(read("platform/camt053-v08-payouts.xml").toString(), "camt.053.001.08.xsd")).toMatchObject({ valid: true });
    expect(validateWithXmllint(read("platform/pain002-v11-status.xml").toString(), "pain.002.001.11.xsd")).toMatchObject({ valid: true });
  });

  it("camt.053: payouts, a batch of three with its own amounts, a return with its reason, a pending charge", () => {
    const file = parseCamt(read("platform/camt053-v08-payouts.xml"));
    expect(amounts(file)).toEqual(["12.50", "100.00", "140.00", "0.01", "12.50", "3.00"]);
    expect(file.entries.map((e) => e.paymentId)).toEqual([
      "0b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10",
      "1b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10",
      "2b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10",
      undefined,
      "0b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10",
      undefined,
    ]);
    const batch = file.entries.filter((e) => e.batch);
    expect(batch).toHaveLength(3);
    expect(sumDecimals(batch.map((e) => e.amount ?? "0"))).toBe("240.01");
    expect(batch[2]?.endToEndId).toBe("UNKNOWN-REF-77");
    const reversal = file.entries[4];
    expect(reversal).toMatchObject({
      direction: "CREDIT",
      reversal: true,
      returned: true,
      reasonCode: "AC04",
      reasonText: "The beneficiary account is closed. Bank says: Account closed 2026-11-30",
    });
    expect(undoesPayout(reversal!)).toBe(true);
    expect(file.entries.filter(isPayout).map((e) => e.index)).toEqual([1, 2, 3, 4, 6]);
    expect(file.entries[5]).toMatchObject({ status: "PENDING", statusCode: "PDNG", narrative: "Bank charges for December" });
    expect(file.entries[0]).toMatchObject({
      line: 40,
      counterparty: { name: "Ana & Sons", iban: "FR1420041010050500013M02606", bic: "BNPAFRPP" },
      narrative: "Cash transfer March",
    });
  });

  it("pain.002: settled and rejected per EndToEndId with reasons in plain words", () => {
    const file = parsePain002(read("platform/pain002-v11-status.xml"));
    expect(file).toMatchObject({
      format: "PAIN002",
      version: "pain.002.001.11",
      messageId: "PSR-20261203-7",
      originalMessageId: "BATCH-42",
      groupStatus: { status: "ACCEPTED", statusCode: "PART" },
    });
    expect(file.entries.map((e) => [e.paymentId, e.status, e.statusCode, e.reasonCode])).toEqual([
      ["0b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10", "SETTLED", "ACSC", undefined],
      ["1b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10", "REJECTED", "RJCT", "AC04"],
      ["2b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10", "REJECTED", "RJCT", "AM04"],
    ]);
    expect(file.entries[0]).toMatchObject({ amount: "12.50", currency: "EUR", valueDate: "2026-12-03", bankReference: "BK-0001" });
    expect(file.entries[1]?.reasonText).toBe("The beneficiary account is closed. Bank says: Konto aufgeloest");
    expect(file.entries[2]?.reasonText).toBe("Not enough funds on the sponsor account.");
  });

  it("pain.002.001.03: a whole message rejected at group level, with no transaction detail", () => {
    const file = parsePain002(read("platform/pain002-v03-group-rejected.xml"));
    expect(file.entries).toEqual([]);
    expect(file.originalMessageId).toBe("BATCH-43");
    expect(file.groupStatus).toEqual({
      status: "REJECTED",
      statusCode: "RJCT",
      reasonCode: "FF01",
      reasonText: "The file format is not valid (for example it does not match the schema). Bank says: Schema validation failed",
    });
  });

  it("MT940: /EREF/ narratives give the payment, RD reverses a paid payout with its /RTRN/ reason", () => {
    const file = parseMt940(read("platform/mt940-payouts.sta"));
    expect(file).toMatchObject({
      format: "MT940",
      messageId: "STMT20261203",
      account: { iban: "DE89370400440532013000" },
      openingBalance: { amount: "10000.00" },
      closingBalance: { amount: "9899.99" },
    });
    expect(amounts(file)).toEqual(["12.50", "100", "12.50", "0.01"]);
    expect(file.entries.map((e) => e.endToEndId)).toEqual([
      "0b4c7c521d7e4a439b1e2f6f3b1c9a10",
      "1b4c7c521d7e4a439b1e2f6f3b1c9a10",
      "0b4c7c521d7e4a439b1e2f6f3b1c9a10",
      "UNKNOWN-REF-77",
    ]);
    const rd = file.entries[2]!;
    expect(rd).toMatchObject({
      direction: "CREDIT",
      reversal: true,
      reasonCode: "AC04",
      reasonText: "The beneficiary account is closed.",
      paymentId: "0b4c7c52-1d7e-4a43-9b1e-2f6f3b1c9a10",
      bankReference: "BK-0003",
      line: 10,
    });
    expect(undoesPayout(rd)).toBe(true);
    expect(isPayout(file.entries[0]!)).toBe(true);
    // The :86: line wraps inside the IBAN; the structured read joins the lines back.
    expect(file.entries[0]?.counterparty).toEqual({ name: "Ana & Sons", iban: "FR1420041010050500013M02606" });
  });
});

describe("MT940 from real banks", () => {
  it("ABN AMRO: bank preamble lines, two statements, amounts written as '9,' and '107,'", () => {
    const file = parseMt940(read("mt940-abn-amro.sta"));
    expect(file.statements.map((s) => [s.id, s.sequenceNumber, s.account?.number, s.entryCount, s.openingBalance?.amount, s.closingBalance?.amount])).toEqual([
      ["ABN AMRO BANK NV", "19321/1", "517852257", 8, "3236.28", "876.84"],
      ["ABN AMRO BANK NV", "19322/1", "517852257", 2, "2876.84", "1849.75"],
    ]);
    expect(amounts(file)).toEqual(["9", "11.59", "11.63", "11.8", "13.45", "15.49", "107", "141.48", "9.49", "15"]);
    expect(file.entries[1]).toMatchObject({ direction: "DEBIT", valueDate: "2011-05-21", bookingDate: "2011-05-23", transactionCode: "N426", line: 12 });
  });

  it("ING: header lines and a trailing -XXX are skipped; statement information after :62F: is not an entry", () => {
    const file = parseMt940(read("mt940-ing.sta"));
    expect(file.statements).toHaveLength(1);
    expect(amounts(file)).toEqual(["25.03", "3.03", "1.11", "20.00", "1.10", "3.68", "1.00"]);
    expect(file.entries.map((e) => e.direction).join(",")).toBe("DEBIT,DEBIT,DEBIT,DEBIT,DEBIT,CREDIT,CREDIT");
    expect(file.entries[2]?.customerReference).toBe("TMG TANGO");
  });

  it("Rabobank: /EREF/ end-to-end references and counterparty IBAN from the :61: extra line", () => {
    const file = parseMt940(read("mt940-rabobank-iban.sta"));
    expect(file.account?.iban).toBe("NL71RABO0123456789");
    expect(file.entries.map((e) => e.endToEndId)).toEqual(["01-01-2013 12:00 0030000987654321", undefined, "08-01-2013 12:00 0030000987654321", undefined]);
    expect(file.entries[0]?.counterparty).toEqual({ name: "CONTRA ACCOUNT HOLDER", iban: "NL70ABNA0987654321" });
    expect(amounts(file)).toEqual(["25.00", "10.00", "25.00", "10.00"]);
  });

  it("ASN Bank: SWIFT {1:}{2:}{4: envelopes around 31 daily statements", () => {
    const file = parseMt940(read("mt940-asn-bank.sta"));
    expect(file.statements).toHaveLength(31);
    expect(file.entries).toHaveLength(8);
    expect(file.account?.iban).toBe("NL81ASNB9999999999");
    expect(file.closingBalance?.amount).toBe("501.23");
  });

  it("German SEPA statement: ?20EREF+ subfields, RC reversals and debit balances", () => {
    const file = parseMt940(read("mt940-german-sepa-betterplace.sta"));
    expect(file.statements).toHaveLength(26);
    expect(file.entries).toHaveLength(97);
    expect(file.openingBalance).toMatchObject({ amount: "-1234718.36", currency: "EUR" });
    expect(file.entries.slice(0, 3).map((e) => e.endToEndId)).toEqual(["TFNR 40005 00005", "TFNR 44003 00001", "TFNR 40005 00002"]);
    const rc = file.entries[5]!;
    expect(rc).toMatchObject({ amount: "204.88", reversal: true, direction: "DEBIT", transactionCode: "NRTI" });
    const eref = file.entries.find((e) => e.endToEndId?.startsWith("EndToEndId"));
    expect(eref?.endToEndId).toBe("EndToEndIdTFNR2000400001");
  });

  it("Triodos, Knab and PostFinance statements", () => {
    expect(amounts(parseMt940(read("mt940-triodos.sta")))).toEqual(["15.70", "700.00"]);
    expect(amounts(parseMt940(read("mt940-knab.sta")))).toEqual(["500", "7260", "500"]);
    const postfinance = parseMt940(read("mt940-postfinance.sta"));
    expect(postfinance.currency).toBe("CHF");
    expect(amounts(postfinance)).toEqual(["79.7", "149.5", "79.9", "10.1"]);
    expect(postfinance.entries.map((e) => e.direction)).toEqual(["CREDIT", "CREDIT", "DEBIT", "CREDIT"]);
  });
});

describe("malformed files name the line and the field", () => {
  const camt = read("platform/camt053-v08-payouts.xml").toString();

  it("camt: an amount with a comma", () => {
    const error = bankFileError(() => parseCamt(camt.replace('<Amt Ccy="EUR">140.00</Amt>', '<Amt Ccy="EUR">140,00</Amt>')));
    expect(error).toMatchObject({ format: "CAMT053", line: 78, field: "TxDtls/Amt" });
    expect(error.message).toBe('camt.053 statement (line 78, field TxDtls/Amt): amount "140,00" is not a non-negative decimal number');
  });

  it("camt: a missing currency, a bad credit/debit indicator, a truncated file", () => {
    expect(
      bankFileError(() => parseCamt(camt.replace('<Amt Ccy="EUR">12.50</Amt>\n        <CdtDbtInd>DBIT', "<Amt>12.50</Amt>\n        <CdtDbtInd>DBIT"))),
    ).toMatchObject({ line: 32, field: "Ntry/Amt/@Ccy" });
    expect(
      bankFileError(() => parseCamt(camt.replace("<CdtDbtInd>CRDT</CdtDbtInd>\n        <RvslInd>", "<CdtDbtInd>CREDIT</CdtDbtInd>\n        <RvslInd>"))),
    ).toMatchObject({ field: "Ntry/CdtDbtInd" });
    const truncated = bankFileError(() => parseCamt(camt.slice(0, camt.indexOf("<Ntry>", 3000) + 200)));
    expect(truncated.format).toBe("CAMT053");
    expect(truncated.detail).toMatch(/^the file is not well-formed XML: unclosed tag: \w+/);
    expect(truncated.line).toBeGreaterThan(40);
  });

  it("camt: not a statement, or a version outside .02–.13", () => {
    expect(bankFileError(() => parseCamt(read("platform/pain002-v11-status.xml")))).toMatchObject({ field: "Document/@xmlns" });
    expect(bankFileError(() => parseCamt(camt.replace("xsd:camt.053.001.08", "xsd:camt.053.001.01"))).detail).toBe(
      "camt.053.001.01 is not supported (versions .02 to .13 are)",
    );
    expect(bankFileError(() => parseCamt("")).detail).toMatch(/empty/);
  });

  it("pain.002: an unknown status code", () => {
    const error = bankFileError(() => parsePain002(read("platform/pain002-v11-status.xml").toString().replace("<TxSts>ACSC</TxSts>", "<TxSts>DONE</TxSts>")));
    expect(error).toMatchObject({ format: "PAIN002", field: "TxSts", line: 17 });
    expect(error.detail).toMatch(/"DONE" is not a pain.002 status code/);
  });

  it("MT940: an unreadable :61: line, a missing closing balance, a tag before :20:", () => {
    const mt = read("platform/mt940-payouts.sta").toString();
    const badLine = bankFileError(() => parseMt940(mt.replace(":61:2612031203D100,NTRF", ":61:2612031203X100,NTRF")));
    expect(badLine).toMatchObject({ format: "MT940", line: 8, field: ":61:" });
    expect(badLine.message).toMatch(/^MT940 statement \(line 8, field :61:\): tag :61: cannot be read/);
    expect(bankFileError(() => parseMt940(mt.replace(":62F:C261203EUR9899,99\n", "")))).toMatchObject({ line: 1, field: ":62F:" });
    expect(bankFileError(() => parseMt940(`:25:NL71RABO0123456789\n${mt}`))).toMatchObject({ line: 1, field: ":25:" });
    expect(bankFileError(() => parseMt940("no statement here"))).toMatchObject({ field: ":20:" });
  });
});

describe("entries handed over one by one (onEntry)", () => {
  it("gives the same entries, in order, and keeps none in the result", () => {
    const cases: [string, (input: Uint8Array, options?: { onEntry?: (e: ParsedBankEntry) => void }) => ParsedBankFile][] = [
      ["camt054-v10-bank-of-lithuania.xml", parseCamt],
      ["camt053-v08-bank-of-lithuania.xml", parseCamt],
      ["mt940-german-sepa-betterplace.sta", parseMt940],
      ["mt940-rabobank-iban.sta", parseMt940],
    ];
    for (const [name, parse] of cases) {
      const whole = parse(read(name));
      const handed: ParsedBankEntry[] = [];
      const streamed = parse(read(name), { onEntry: (e) => handed.push(e) });
      expect(whole.entries.length, name).toBeGreaterThan(0);
      expect(handed, name).toEqual(whole.entries);
      expect(streamed.entries, name).toEqual([]);
      expect(streamed.statements, name).toEqual(whole.statements);
    }
  });
});
