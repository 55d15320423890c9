import Papa from "papaparse";

/**
 * Bytes → text → records for CSV files, keeping what error messages need: the physical line where
 * each record starts (a quoted value may span several lines) and where bytes were not text (a NUL,
 * or a sequence that is not UTF-8). Pure (no I/O, no Node APIs): the server validates with it
 * (csv-instructions.ts), serves files through it (csv-safety.ts), and the browser preview numbers
 * its rows with it (components/disbursements/csv-picker.tsx). Everything here is O(file size).
 */

/**
 * Stands in the decoded text for each byte sequence that is not UTF-8. A lone high surrogate: a
 * UTF-8 decoder never produces one, so it cannot be confused with anything in a valid file.
 */
export const INVALID_UTF8_MARKER = "\uD800";
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export type DecodedCsv = {
  /** The text, BOM dropped, each invalid UTF-8 sequence replaced by INVALID_UTF8_MARKER. */
  text: string;
  /** Number of invalid UTF-8 sequences. */
  invalidSequences: number;
  /** Whether the text holds a NUL character. */
  hasNul: boolean;
};

/** [start, end) byte ranges of the maximal invalid subsequences (WHATWG Encoding's UTF-8 decoder). */
function invalidUtf8Ranges(bytes: Uint8Array): [number, number][] {
  const ranges: [number, number][] = [];
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lower = 0x80;
    let upper = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) need = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      if (b === 0xe0) lower = 0xa0;
      if (b === 0xed) upper = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      if (b === 0xf0) lower = 0x90;
      if (b === 0xf4) upper = 0x8f;
    } else {
      ranges.push([i, i + 1]);
      i++;
      continue;
    }
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++, j++) {
      const c = j < n ? bytes[j]! : -1;
      if (c < lower || c > upper) {
        ok = false;
        break;
      }
      lower = 0x80;
      upper = 0xbf;
    }
    if (!ok) ranges.push([i, j]);
    i = j;
  }
  return ranges;
}

/**
 * UTF-8 bytes → text. Invalid sequences do not fail the whole file: each becomes
 * INVALID_UTF8_MARKER so the caller can name the line and field that holds it.
 */
export function decodeCsvBytes(bytes: Uint8Array): DecodedCsv {
  let text: string;
  let invalidSequences = 0;
  try {
    // The common case, natively: fatal refuses invalid UTF-8; the BOM is dropped (ignoreBOM: false).
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    const ranges = invalidUtf8Ranges(bytes);
    invalidSequences = ranges.length;
    const first = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
    const rest = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const parts: string[] = [];
    let at = 0;
    for (const [start, end] of ranges) {
      parts.push((at === 0 ? first : rest).decode(bytes.subarray(at, start)), INVALID_UTF8_MARKER);
      at = end;
    }
    parts.push((at === 0 ? first : rest).decode(bytes.subarray(at)));
    text = parts.join("");
  }
  return { text, invalidSequences, hasNul: text.includes("\0") };
}

/** What is wrong with the characters of a value, or null: a NUL, or bytes that were not UTF-8. */
export function characterProblem(value: string): "nul" | "invalid-utf8" | null {
  if (value.includes("\0")) return "nul";
  if (LONE_SURROGATE.test(value)) return "invalid-utf8";
  return null;
}

export type QuoteProblem = "MissingQuotes" | "InvalidQuotes";

export type CsvRecords = {
  /** The records, every line end read as "\n" (CRLF, LF and CR alike). */
  records: string[][];
  /** The physical line (1-based) where each record starts. */
  lines: number[];
  /** Quote problems by record index (the first one of each record). */
  quoteProblems: Map<number, QuoteProblem>;
};

/**
 * Text → records, with the physical line each record starts on: a quoted value holding line breaks
 * makes one record span several lines, so the record index is not the line number. Papaparse's
 * own parser reports the cursor after each record; the line breaks before it are counted once.
 */
export function parseCsvRecords(input: string): CsvRecords {
  // One line ending (files pasted together mix CRLF and LF; CR alone is old Mac): papaparse expects
  // one. A CRLF and a lone CR each become one "\n", so counting "\n" counts physical lines.
  const text = input.includes("\r") ? input.replace(/\r\n?/g, "\n") : input;
  const records: string[][] = [];
  const lines: number[] = [];
  const quoteProblems = new Map<number, QuoteProblem>();
  let start = 0; // where the next record starts (character offset)
  let line = 1; // its physical line
  let counted = 0; // "\n" before this offset are already in `line`
  const step = (results: Papa.ParseStepResult<string[]>) => {
    // Count the line breaks between the last counted offset and this record's start.
    let nl = text.indexOf("\n", counted);
    while (nl !== -1 && nl < start) {
      line++;
      nl = text.indexOf("\n", nl + 1);
    }
    counted = start;
    const index = records.length;
    for (const e of results.errors) {
      if (e.type === "Quotes" && !quoteProblems.has(index)) quoteProblems.set(index, e.code === "MissingQuotes" ? "MissingQuotes" : "InvalidQuotes");
    }
    // The low-level parser hands over its current rows (one per step).
    for (const record of results.data as unknown as string[][]) {
      records.push(record);
      lines.push(line);
    }
    start = results.meta.cursor;
  };
  new Papa.Parser({ delimiter: ",", newline: "\n", quoteChar: '"', step } as Papa.ParseConfig).parse(text, 0, false);
  return { records, lines, quoteProblems };
}
