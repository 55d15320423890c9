import { decodeCsvBytes, parseCsvRecords } from "./csv-records";

/**
 * CSV served back to people (docs/security/files.md): spreadsheet apps run a cell that starts with
 * `=`, `+`, `-` or `@` as a formula (`=HYPERLINK(…)` leaks data, `+cmd|…` ran programs via DDE), and
 * some strip a leading tab, CR or LF first. Every CSV the platform serves goes through
 * `neutralizeCell`, which prefixes such a cell with `'` so the app shows it as text. Pure: no I/O,
 * no Node APIs; the browser uses it too (components/disbursements/csv.ts).
 */

/** The characters that make a spreadsheet read a cell as a formula (OWASP "CSV injection"). */
export const FORMULA_TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "\n"] as const;

/** A trigger, possibly after leading spaces (some apps trim them before looking). */
const FORMULA_START = /^ *[=+\-@\t\r\n]/;

/** True when a spreadsheet could read `value` as a formula. */
export function isFormulaLike(value: string): boolean {
  return FORMULA_START.test(value);
}

/**
 * The cell as it should be served: `'` + value when it could be read as a formula, else unchanged.
 * Applied to every cell alike, whatever its column: a phone number `+380…` is served as `'+380…`
 * and a negative number `-5` as `'-5` (spreadsheets then show text, not a number). The importer
 * removes that one `'` again (`stripNeutralization`), so a served file can be uploaded as is.
 */
export function neutralizeCell(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value;
}

/**
 * The inverse for uploads: a value that `neutralizeCell` produced (`'` followed by something
 * formula-like) loses its `'`; anything else is returned unchanged.
 */
export function stripNeutralization(value: string): string {
  return value.charCodeAt(0) === 39 /* ' */ && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;

/** One CSV field (RFC 4180): quoted when it holds a comma, quote, line break or edge white space. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV record, every cell neutralized, without the line break. */
export function csvLine(cells: readonly string[]): string {
  return cells.map((cell) => csvField(neutralizeCell(cell))).join(",");
}

/** Records → CSV text with CRLF line ends (RFC 4180), every cell neutralized. */
export function toSafeCsv(records: readonly (readonly string[])[]): string {
  let out = "";
  for (const record of records) out += `${csvLine(record)}\r\n`;
  return out;
}

/** Longest echo of a user's value inside an error message (code points). */
export const MAX_ECHO_LENGTH = 64;

/** A user's value quoted back in an error: cut to 64 characters with an ellipsis. */
export function echoValue(value: string, max = MAX_ECHO_LENGTH): string {
  if (value.length <= max) return value;
  const points = Array.from(value.slice(0, max * 2));
  if (points.length <= max && value.length <= max * 2) return value;
  return `${points.slice(0, max).join("")}…`;
}

const BOM = [0xef, 0xbb, 0xbf];

/**
 * A stored CSV file as served by default: the same records (and line numbers) with every
 * formula-like cell neutralized. A file with nothing to neutralize comes back byte for byte; one
 * with something is rewritten (RFC 4180 quoting, CRLF, its byte order mark kept).
 */
export function neutralizeCsvFile(bytes: Uint8Array): { content: Uint8Array; neutralizedCells: number } {
  const { records } = parseCsvRecords(decodeCsvBytes(bytes).text);
  let neutralizedCells = 0;
  for (const record of records) for (const cell of record) if (FORMULA_START.test(cell)) neutralizedCells++;
  if (neutralizedCells === 0) return { content: bytes, neutralizedCells };
  // The empty record after a final line end is not a line of the file.
  const last = records[records.length - 1];
  if (records.length > 1 && last?.length === 1 && last[0] === "") records.pop();
  const bom = BOM.every((b, i) => bytes[i] === b) ? "\uFEFF" : "";
  return { content: new TextEncoder().encode(bom + toSafeCsv(records)), neutralizedCells };
}
