/**
 * Which bank file this is and its reading (docs/rails.md, "Reconciliation"): ISO 20022 XML by the
 * root's namespace or message element (pain.002, camt.053, camt.054), MT940 by its tags. The readers
 * live in ./formats; reconciliation (server/services/bank-files/import-bank-file.ts) only sees the
 * rail-neutral ParsedBankFile. Pure: no I/O.
 */
import type { BankFileFormat } from "@/server/domain/rails";
import { parseCamt } from "./formats/camt-reader";
import { parseMt940 } from "./formats/mt940-reader";
import { parsePain002 } from "./formats/pain002-reader";
import { BankFileError, type ParsedBankFile, type ReadOptions } from "./formats/statement-types";

export { BankFileError, type ParsedBankFile, type ReadOptions };

const XML_FORMATS: { namespace: RegExp; element: RegExp; format: BankFileFormat }[] = [
  { namespace: /urn:iso:std:iso:20022:tech:xsd:pain\.002\./i, element: /<(?:\w+:)?CstmrPmtStsRpt[\s>]/, format: "PAIN002" },
  { namespace: /urn:iso:std:iso:20022:tech:xsd:camt\.053\./i, element: /<(?:\w+:)?BkToCstmrStmt[\s>]/, format: "CAMT053" },
  { namespace: /urn:iso:std:iso:20022:tech:xsd:camt\.054\./i, element: /<(?:\w+:)?BkToCstmrDbtCdtNtfctn[\s>]/, format: "CAMT054" },
];

/** The format of a bank file from its first bytes, or a BankFileError saying what it looks like. */
export function detectBankFileFormat(content: Uint8Array): BankFileFormat {
  // The namespace and the message element sit in the first few hundred bytes of any real file.
  const head = new TextDecoder("latin1").decode(content.subarray(0, 8192)).replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, "");
  const trimmed = head.trimStart();
  if (trimmed === "") throw new BankFileError({ format: "UNKNOWN", detail: "the file is empty" });
  if (trimmed.startsWith("<")) {
    for (const f of XML_FORMATS) if (f.namespace.test(head)) return f.format;
    for (const f of XML_FORMATS) if (f.element.test(head)) return f.format;
    const ns = /xmlns(?::\w+)?="([^"]*)"/.exec(head)?.[1];
    throw new BankFileError({
      format: "XML",
      line: 1,
      field: "Document/@xmlns",
      detail: `this XML is not a pain.002 status report, camt.053 statement or camt.054 notification${ns ? ` (its namespace is "${ns}")` : ""}`,
    });
  }
  // MT940: a statement reference (:20:) and an opening balance (:60F:/:60M:) or a movement (:61:).
  if (/(^|\n|\{4:\r?\n?):20:/.test(head) && /:(60[FM]|61):/.test(new TextDecoder("latin1").decode(content.subarray(0, 65536)))) return "MT940";
  throw new BankFileError({
    format: "UNKNOWN",
    line: 1,
    detail: "the file is neither ISO 20022 XML (pain.002, camt.053, camt.054) nor an MT940 statement (tags :20:, :60F:, :61:)",
  });
}

/** Detect and read a bank file; throws BankFileError naming the line and field of the first problem. */
export function readBankFile(content: Uint8Array, options: ReadOptions = {}): ParsedBankFile {
  const format = detectBankFileFormat(content);
  const parsed = format === "PAIN002" ? parsePain002(content, options) : format === "MT940" ? parseMt940(content, options) : parseCamt(content, options);
  if (parsed.format !== format) {
    throw new BankFileError({ format, line: 1, detail: `the file announces ${format} but reads as ${parsed.format}` });
  }
  return parsed;
}
