import { isValidPhoneNumber } from "libphonenumber-js";
import { regexes } from "zod";
import { characterProblem, decodeCsvBytes, parseCsvRecords } from "./csv-records";
import { echoValue, stripNeutralization } from "./csv-safety";
import { checkBankPayee, checkHolderName, checkRegion, type Destination } from "./destinations";
import { includesWalletAddress, isBankAccountType, needsVerification, type RegistrationContactType, type VerificationField } from "./disbursement-types";
import { formatStroops, parseAmount } from "./money";
import { isStellarAccountAddress, isStellarContractAddress } from "@/server/rails/stellar/stellar-address";
import { COLUMN_RULES, CSV_COLUMNS, DEFAULT_CSV_LIMITS, type CsvColumn, type CsvLimits } from "@/server/schemas/csv.schema";

/**
 * Disbursement instructions (docs/domain.md#csv-instructions): parse an uploaded CSV and validate every
 * row for a disbursement's registration_contact_type and verification_field. Pure: no I/O, no database.
 * Errors use SDP's keys: `line N - field` (the header is line 1, data rows start at line 2), `file` for
 * whole-file problems. N is the file's physical line where the row starts (a quoted value may span
 * lines), as a text editor numbers it. Values quoted back in errors are cut to 64 characters
 * (docs/security/files.md).
 */

// The columns and limits are shared with the browser (server/schemas/csv.schema.ts).
export { COLUMN_RULES, CSV_COLUMNS, DEFAULT_CSV_LIMITS, type CsvColumn, type CsvLimits } from "@/server/schemas/csv.schema";

/** One instruction row, normalized: trimmed, phone/email lower-cased, wallet address upper-cased. */
export type ValidRow = {
  /** Line of the file (header = 1). */
  line: number;
  phone: string | null;
  email: string | null;
  /** The receiver's external id (`id` column). */
  externalId: string;
  stroops: bigint;
  /** Exact decimal with 7 places, as NUMERIC(19,7) prints it. */
  amount: string;
  /** The raw (trimmed) verification value; hash it before storing. */
  verification: string | null;
  paymentId: string | null;
  walletAddress: string | null;
  walletAddressMemo: string | null;
  /** BANK_ACCOUNT: the payee's account (IBAN or account number + bank code) and holder's name (docs/rails.md "Destinations"). */
  bank: Destination | null;
  /** The optional `region` column: the receiver's `region` attribute (routing rules match it). */
  region: string | null;
};

export type CsvValidationResult = { ok: true; rows: ValidRow[] } | { ok: false; errors: Record<string, string>; totalErrors: number };

export type CsvValidationOptions = {
  contactType: RegistrationContactType;
  /** Required for EMAIL and PHONE_NUMBER; ignored for the *_AND_WALLET_ADDRESS and BANK_ACCOUNT types. */
  verificationField: VerificationField | null;
  /** Decimals of the disbursement's asset (`assets.decimals`: 7 for Stellar assets, 2 for most fiat currencies); default 7. */
  decimals?: number;
  limits?: Partial<CsvLimits>;
  /** "Now" for the not-in-the-future checks (tests pin it). */
  now?: Date;
};

export const MAX_ID_LENGTH = 64;
export const MAX_PAYMENT_ID_LENGTH = 64;
export const MAX_MEMO_TEXT_BYTES = 28;
const MAX_UINT64 = 18_446_744_073_709_551_615n;

const PHONE_PATTERN = /^\+\d{10,15}$/;
const EMAIL_PATTERN = regexes.email;
const MAX_EMAIL_LENGTH = 254;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const YEAR_MONTH_PATTERN = /^(\d{4})-(\d{2})$/;
const DIGITS = /^\d+$/;
/** No Buffer here: the module also runs in the browser (a client-side preview may use it). */
const utf8 = new TextEncoder();

export const MESSAGES = {
  phoneFormat: "invalid phone format. Correct format: +380445555555",
  emailFormat: "invalid email format",
  walletAddress: "invalid wallet address. Must be a valid Stellar public key (G...) or contract address (C...)",
  memoWithContract: "walletAddressMemo is not allowed with a contract address (C...)",
  memo: `invalid wallet address memo. Use text of at most ${MAX_MEMO_TEXT_BYTES} bytes or a numeric id that fits in uint64`,
  dateOfBirthFormat: "invalid date of birth format. Correct format: 1990-01-30",
  dateOfBirthFuture: "date of birth cannot be in the future",
  yearMonthFormat: "invalid year/month format. Correct format: 1990-12",
  yearMonthFuture: "year/month cannot be in the future",
  pin: "invalid pin length. Cannot have less than 4 or more than 8 characters in pin",
  nationalId: "invalid national id. Cannot have less than 1 or more than 50 characters in national id",
  nul: 'the value contains a NUL byte (character 0), which a CSV file cannot hold. Remove it, or export the sheet again as "CSV UTF-8 (comma delimited)"',
  invalidUtf8:
    'the value is not valid UTF-8 text (the file may be saved in another encoding, such as Windows-1252). Save it as "CSV UTF-8 (comma delimited)" and upload it again',
} as const;

/** A validation failure that is not about one row: the whole file is refused. */
const fileError = (message: string): CsvValidationResult => ({ ok: false, errors: { file: message }, totalErrors: 1 });

/** Collects errors up to a cap while counting all of them. */
class ErrorSink {
  readonly errors: Record<string, string> = {};
  total = 0;
  private kept = 0;
  constructor(private readonly max: number) {}
  add(key: string, message: string) {
    this.total++;
    if (this.kept < this.max && !(key in this.errors)) {
      this.errors[key] = message;
      this.kept++;
    }
  }
}

const formatCount = (n: number) => n.toLocaleString("en-US");

function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MB`;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  return `${formatCount(n)} bytes`;
}

/** Days in a month of the proleptic Gregorian calendar. */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Today as YYYY-MM-DD at the easternmost time zone (UTC+14), so a receiver born "today"
 * anywhere on Earth is accepted, and nothing later is.
 */
function latestToday(now: Date): string {
  return new Date(now.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
}

function checkVerification(field: VerificationField, value: string, today: string): string | null {
  switch (field) {
    case "DATE_OF_BIRTH": {
      const m = DATE_PATTERN.exec(value);
      if (!m) return MESSAGES.dateOfBirthFormat;
      const year = Number(m[1]);
      const month = Number(m[2]);
      const day = Number(m[3]);
      if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
        return `invalid date of birth. ${value} is not a calendar date`;
      }
      return value > today ? MESSAGES.dateOfBirthFuture : null;
    }
    case "YEAR_MONTH": {
      const m = YEAR_MONTH_PATTERN.exec(value);
      if (!m) return MESSAGES.yearMonthFormat;
      const month = Number(m[2]);
      if (month < 1 || month > 12) return `invalid year/month. ${value} is not a calendar month`;
      return value > today.slice(0, 7) ? MESSAGES.yearMonthFuture : null;
    }
    case "PIN": {
      const length = codePointLength(value);
      return length < 4 || length > 8 ? MESSAGES.pin : null;
    }
    case "NATIONAL_ID_NUMBER": {
      const length = codePointLength(value);
      return length < 1 || length > 50 ? MESSAGES.nationalId : null;
    }
  }
}

/** The problem with a verification value (same rules as a CSV cell; staff edits use it too), or null. */
export function verificationValueProblem(field: VerificationField, value: string, now = new Date()): string | null {
  return checkVerification(field, value, latestToday(now));
}

const VERIFICATION_LABEL: Record<VerificationField, string> = {
  DATE_OF_BIRTH: "date of birth",
  YEAR_MONTH: "year/month",
  PIN: "pin",
  NATIONAL_ID_NUMBER: "national id",
};

function codePointLength(s: string): number {
  // Fast path: no surrogate pairs.
  if (!/[\uD800-\uDFFF]/.test(s)) return s.length;
  return [...s].length;
}

/** A Stellar memo given as text (≤ 28 UTF-8 bytes) or as a numeric id (uint64). */
export function memoProblem(memo: string): string | null {
  if (DIGITS.test(memo)) return BigInt(memo) <= MAX_UINT64 ? null : MESSAGES.memo;
  return utf8.encode(memo).length <= MAX_MEMO_TEXT_BYTES ? null : MESSAGES.memo;
}

/** The kind of memo a value stands for (the ledger needs it; the file gives only the value). */
export function memoType(memo: string): "id" | "text" {
  return DIGITS.test(memo) ? "id" : "text";
}

const KNOWN_BY_LOWER = new Map<string, CsvColumn>(CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));

function sniffBinary(bytes: Uint8Array): string | null {
  const startsWith = (...sig: number[]) => sig.every((b, i) => bytes[i] === b);
  if (startsWith(0x50, 0x4b, 0x03, 0x04)) {
    return 'the file is not a CSV file: it looks like an Excel or zip file. Export the sheet as "CSV UTF-8 (comma delimited)" and upload that';
  }
  if (startsWith(0xd0, 0xcf, 0x11, 0xe0)) {
    return 'the file is not a CSV file: it looks like an old Excel (.xls) file. Export the sheet as "CSV UTF-8 (comma delimited)" and upload that';
  }
  if (startsWith(0x25, 0x50, 0x44, 0x46)) return "the file is not a CSV file: it looks like a PDF";
  if (startsWith(0xff, 0xfe) || startsWith(0xfe, 0xff)) {
    return 'the file is UTF-16 text, not UTF-8. Save it as "CSV UTF-8 (comma delimited)" and upload it again';
  }
  // A NUL here and there is reported on its line (validateInstructionsCsv); many of them mean
  // binary data or UTF-16 without a byte order mark, where line-by-line errors would be noise.
  const sample = bytes.subarray(0, 4096);
  let nuls = 0;
  for (const b of sample) if (b === 0) nuls++;
  if (nuls * 8 > sample.length) return "the file is not a CSV file: it contains binary data";
  return null;
}

/**
 * Parse and validate an instructions file. Whole-file problems (size, encoding, header, row
 * count) answer one `file` or `line 1 - column` error; row problems are all listed (capped).
 */
export function validateInstructionsCsv(content: Uint8Array | string, options: CsvValidationOptions): CsvValidationResult {
  const limits: CsvLimits = { ...DEFAULT_CSV_LIMITS, ...options.limits };
  const { contactType } = options;
  const withWallet = includesWalletAddress(contactType);
  const withBank = isBankAccountType(contactType);
  const verificationField = needsVerification(contactType) ? options.verificationField : null;
  const decimals = options.decimals ?? 7;
  if (needsVerification(contactType) && !verificationField) {
    throw new Error(`A ${contactType} disbursement needs a verification field to validate instructions`);
  }

  // ---- bytes → text -----------------------------------------------------------------------
  const bytes = typeof content === "string" ? utf8.encode(content) : content;
  if (bytes.byteLength > limits.maxBytes) {
    return fileError(`the file is too large: ${formatBytes(bytes.byteLength)}. The limit is ${formatBytes(limits.maxBytes)}; split it into several disbursements`);
  }
  if (bytes.byteLength === 0) return fileError("the file is empty");
  const binary = sniffBinary(bytes);
  if (binary) return fileError(binary);
  // Invalid UTF-8 and NUL bytes are reported on their line and field below, not as a file error.
  const decoded = decodeCsvBytes(bytes);
  if (decoded.text.trim() === "") return fileError("the file is empty");
  const checkCharacters = decoded.hasNul || decoded.invalidSequences > 0;

  // ---- text → records ---------------------------------------------------------------------
  const { records, lines, quoteProblems: quoteCodes } = parseCsvRecords(decoded.text);
  const isBlank = (r: string[] | undefined) => !r || r.every((v) => v.trim() === "");
  // Trailing blank lines (and the empty record after a final newline) are not rows.
  let end = records.length;
  while (end > 0 && isBlank(records[end - 1])) end--;
  // Leading blank lines before the header are tolerated too (the header keeps its real line number).
  let headerIndex = 0;
  while (headerIndex < end && isBlank(records[headerIndex])) headerIndex++;
  if (headerIndex >= end) return fileError("the file is empty");

  // ---- header -----------------------------------------------------------------------------
  const header = records[headerIndex] ?? [];
  const headerLine = lines[headerIndex] ?? headerIndex + 1;
  if (checkCharacters) {
    // A column name with a NUL or non-UTF-8 bytes cannot be matched: say that, not "unknown column".
    const sink = new ErrorSink(limits.maxErrors);
    header.forEach((raw, index) => {
      const problem = characterProblem(raw);
      if (problem) sink.add(`line ${headerLine} - column ${index + 1}`, problem === "nul" ? MESSAGES.nul : MESSAGES.invalidUtf8);
    });
    if (sink.total > 0) return { ok: false, errors: sink.errors, totalErrors: sink.total };
  }
  const columnAt: (CsvColumn | null)[] = [];
  const seen = new Map<CsvColumn, number>();
  const headerErrors = new ErrorSink(limits.maxErrors);
  const unknown: { index: number; name: string }[] = [];
  header.forEach((raw, index) => {
    const name = raw.trim();
    const column = KNOWN_BY_LOWER.get(name.toLowerCase()) ?? null;
    columnAt.push(column);
    if (column) {
      if (seen.has(column)) headerErrors.add(`line ${headerLine} - ${column}`, `column ${column} appears more than once`);
      else seen.set(column, index);
    } else if (name !== "") {
      unknown.push({ index, name });
    }
  });
  if (seen.size === 0) {
    const hint = header.length === 1 && /[;\t|]/.test(header[0] ?? "") ? " The values must be separated by commas." : "";
    return fileError(`the file is not a disbursement instructions CSV: the first line must name the columns (${COLUMN_RULES[contactType].required.join(", ")}).${hint}`);
  }
  const rules = COLUMN_RULES[contactType];
  for (const column of rules.required) {
    if (!seen.has(column)) headerErrors.add(`line ${headerLine} - ${column}`, `missing required column ${column} for ${contactType} disbursements`);
  }
  for (const column of rules.notAllowed) {
    if (seen.has(column)) headerErrors.add(`line ${headerLine} - ${column}`, `column ${column} is not allowed for ${contactType} disbursements`);
  }
  for (const { index, name } of unknown) {
    // The name is in the key only, cut to 64 characters (a 1 MB "name" is not echoed, let alone twice).
    let key = `line ${headerLine} - ${echoValue(name)}`;
    if (key in headerErrors.errors) key = `line ${headerLine} - column ${index + 1}`;
    headerErrors.add(key, `unknown column. Known columns: ${CSV_COLUMNS.join(", ")}`);
  }
  if (headerErrors.total > 0) return { ok: false, errors: headerErrors.errors, totalErrors: headerErrors.total };

  // ---- row count --------------------------------------------------------------------------
  let rowCount = 0;
  for (let i = headerIndex + 1; i < end; i++) if (!isBlank(records[i])) rowCount++;
  if (rowCount === 0) return fileError("the file has no rows: add at least one payment below the header line");
  if (rowCount > limits.maxRows) {
    return fileError(`the file has ${formatCount(rowCount)} rows. The limit is ${formatCount(limits.maxRows)} rows; split it into several disbursements`);
  }

  // ---- rows -------------------------------------------------------------------------------
  const sink = new ErrorSink(limits.maxErrors);
  const quoteMessage = (code: string) =>
    code === "MissingQuotes" ? 'a quoted value is not closed (missing ")' : 'a quoted value is malformed (a " inside a quoted value must be doubled)';

  const idx = (c: CsvColumn) => seen.get(c) ?? -1;
  const iPhone = idx("phone");
  const iEmail = idx("email");
  const iId = idx("id");
  const iAmount = idx("amount");
  const iVerification = verificationField ? idx("verification") : -1;
  const iPaymentId = idx("paymentID");
  const iWallet = withWallet ? idx("walletAddress") : -1;
  const iMemo = withWallet ? idx("walletAddressMemo") : -1;
  const iBankAccount = withBank ? idx("bankAccount") : -1;
  const iBankCode = withBank ? idx("bankCode") : -1;
  const iName = withBank ? idx("name") : -1;
  const iRegion = idx("region");
  const contactIsPhone = iPhone >= 0;
  const contactColumn: CsvColumn = contactIsPhone ? "phone" : "email";
  const nameless = columnAt.flatMap((c, i) => (c === null ? [i] : []));
  const width = header.length;
  const today = latestToday(options.now ?? new Date());

  const firstLineOfContact = new Map<string, number>();
  const firstLineOfAddress = new Map<string, number>();
  const firstLineOfId = new Map<string, number>();
  const rows: ValidRow[] = [];
  // A served copy prefixes formula-like values with ' (csv-safety.ts); uploading it back is the same file.
  const value = (record: string[], i: number) => {
    if (i < 0) return "";
    const v = (record[i] ?? "").trim();
    return v.charCodeAt(0) === 39 /* ' */ ? stripNeutralization(v).trim() : v;
  };
  const fieldName = (i: number) => columnAt[i] ?? `column ${i + 1}`;

  for (let r = headerIndex + 1; r < end; r++) {
    const record = records[r] as string[];
    if (isBlank(record)) continue;
    const line = lines[r] ?? r + 1;
    let failed = false;
    const fail = (field: string, message: string) => {
      failed = true;
      sink.add(`line ${line} - ${field}`, message);
    };

    const quoteProblem = quoteCodes.get(r);
    if (quoteProblem) {
      fail("row", quoteMessage(quoteProblem));
      continue;
    }
    if (checkCharacters) {
      // Name every field holding a NUL or non-UTF-8 bytes; the row's other checks would only add noise.
      let bad = false;
      record.forEach((cell, i) => {
        const problem = characterProblem(cell);
        if (problem) {
          bad = true;
          fail(fieldName(i), problem === "nul" ? MESSAGES.nul : MESSAGES.invalidUtf8);
        }
      });
      if (bad) continue;
    }
    // Extra empty values at the end (a spreadsheet's trailing commas) are harmless.
    const extraFilled = record.length > width && record.slice(width).some((v) => v.trim() !== "");
    if (record.length < width || extraFilled) {
      fail("row", `the row has ${record.length} values but the header has ${width} columns`);
      continue;
    }
    for (const i of nameless) {
      if ((record[i] ?? "").trim() !== "") fail(`column ${i + 1}`, "a value in a column without a name in the header");
    }

    // Contact (none for bank-account payees: they are matched by id).
    let phone: string | null = null;
    let email: string | null = null;
    const contact = withBank ? "" : value(record, contactIsPhone ? iPhone : iEmail).toLowerCase();
    if (withBank) {
      // nothing to check
    } else if (contact === "") {
      fail(contactColumn, `${contactColumn} cannot be empty`);
    } else if (contactIsPhone) {
      if (PHONE_PATTERN.test(contact) && isValidPhoneNumber(contact)) phone = contact;
      else fail("phone", MESSAGES.phoneFormat);
    } else if (contact.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(contact)) {
      email = contact;
    } else {
      fail("email", MESSAGES.emailFormat);
    }
    const normalizedContact = phone ?? email;
    if (normalizedContact !== null) {
      const other = firstLineOfContact.get(normalizedContact);
      if (other !== undefined) fail(contactColumn, `duplicate ${contactColumn}; also on line ${other}`);
      else firstLineOfContact.set(normalizedContact, line);
    }

    // Receiver's external id.
    const externalId = value(record, iId);
    if (externalId === "") fail("id", "id cannot be empty");
    else if (codePointLength(externalId) > MAX_ID_LENGTH) fail("id", `id cannot be longer than ${MAX_ID_LENGTH} characters`);
    else if (withBank) {
      // The id is how a bank-account payee is matched: one payment per payee per file.
      const other = firstLineOfId.get(externalId);
      if (other !== undefined) fail("id", `duplicate id; also on line ${other}`);
      else firstLineOfId.set(externalId, line);
    }

    // Amount, at the asset's precision.
    const amount = parseAmount(value(record, iAmount), decimals);
    if (!amount.ok) fail("amount", amount.message);

    // Verification.
    let verification: string | null = null;
    if (verificationField) {
      const v = value(record, iVerification);
      if (v === "") {
        fail("verification", `${VERIFICATION_LABEL[verificationField]} cannot be empty`);
      } else {
        const problem = checkVerification(verificationField, v, today);
        if (problem) fail("verification", problem);
        else verification = v;
      }
    }

    // Payment id.
    const paymentIdRaw = value(record, iPaymentId);
    if (codePointLength(paymentIdRaw) > MAX_PAYMENT_ID_LENGTH) {
      fail("paymentID", `paymentID cannot be longer than ${MAX_PAYMENT_ID_LENGTH} characters`);
    }

    // Wallet address and memo.
    let walletAddress: string | null = null;
    let walletAddressMemo: string | null = null;
    if (withWallet) {
      const address = value(record, iWallet).toUpperCase();
      const memo = value(record, iMemo);
      if (address === "") {
        fail("walletAddress", "walletAddress cannot be empty");
      } else if (address.startsWith("G") && isStellarAccountAddress(address)) {
        walletAddress = address;
        if (memo !== "") {
          const problem = memoProblem(memo);
          if (problem) fail("walletAddressMemo", problem);
          else walletAddressMemo = memo;
        }
      } else if (address.startsWith("C") && isStellarContractAddress(address)) {
        walletAddress = address;
        if (memo !== "") fail("walletAddressMemo", MESSAGES.memoWithContract);
      } else {
        fail("walletAddress", MESSAGES.walletAddress);
      }
      if (walletAddress !== null) {
        const other = firstLineOfAddress.get(walletAddress);
        if (other !== undefined) fail("walletAddress", `duplicate walletAddress; also on line ${other}`);
        else firstLineOfAddress.set(walletAddress, line);
      }
    }

    // Bank account, bank code and account holder.
    let bank: Destination | null = null;
    if (withBank) {
      const account = value(record, iBankAccount);
      if (account === "") {
        fail("bankAccount", "bankAccount cannot be empty");
      } else {
        const checked = checkBankPayee(account, value(record, iBankCode));
        if (!checked.ok) fail(checked.field, checked.message);
        else {
          const key = `${checked.destination.kind}:${checked.destination.value}`;
          const other = firstLineOfAddress.get(key);
          if (other !== undefined) fail("bankAccount", `duplicate bankAccount; also on line ${other}`);
          else {
            firstLineOfAddress.set(key, line);
            bank = checked.destination;
          }
        }
      }
      const holder = checkHolderName(value(record, iName), "name");
      if (!holder.ok) fail("name", holder.message);
      else if (bank) bank = { ...bank, details: { ...bank.details, holderName: holder.value } };
    }

    // Region (optional, every contact type).
    const region = checkRegion(value(record, iRegion));
    if (!region.ok) fail("region", region.message);

    // Once any row failed, stop building rows (keep validating to list every error).
    if (failed || sink.total > 0 || !amount.ok) continue;
    rows.push({
      line,
      phone,
      email,
      externalId,
      stroops: amount.stroops,
      amount: formatStroops(amount.stroops),
      verification,
      paymentId: paymentIdRaw === "" ? null : paymentIdRaw,
      walletAddress,
      walletAddressMemo,
      bank,
      region: region.ok ? region.value : null,
    });
  }

  if (sink.total > 0) return { ok: false, errors: sink.errors, totalErrors: sink.total };
  return { ok: true, rows };
}
