import { csvLine, echoValue } from "@/server/domain/csv-safety";
import type { RegistrationContactType, VerificationField } from "@/server/domain/disbursement-types";
import { isErrorReason, type ErrorReason } from "@/server/domain/error-codes";
import { COLUMN_RULES, knownColumn, templateColumns } from "@/server/schemas/csv.schema";

/** The template's header: the server's columns for this contact type (server/schemas/csv.schema.ts). */
export function templateHeader(type: RegistrationContactType): string[] {
  return templateColumns(type);
}

/** The template file's text: just the header, so an unedited template can never pay anyone. */
export function templateCsv(type: RegistrationContactType): string {
  return `${csvLine(templateHeader(type))}\r\n`;
}

export function templateFileName(type: RegistrationContactType): string {
  return `instructions-template-${type.toLowerCase().replace(/_/g, "-")}.csv`;
}

/** Column problems seen in the browser before uploading (the server checks again, row by row). */
export function headerProblems(type: RegistrationContactType, fields: string[]): string[] {
  const rules = COLUMN_RULES[type];
  const present = new Set<string>(fields.map((f) => knownColumn(f) ?? f));
  const problems: string[] = [];
  const missing = rules.required.filter((f) => !present.has(f));
  if (missing.length) problems.push(`Missing column${missing.length > 1 ? "s" : ""}: ${missing.join(", ")}.`);
  const forbidden = rules.notAllowed.filter((f) => present.has(f));
  if (forbidden.length) problems.push(`Not used with this contact type: ${forbidden.join(", ")}.`);
  // Names are cut to 64 characters, as in the server's errors: a 1 MB "name" is not worth showing.
  const unknown = fields.filter((f) => f.trim() !== "" && !knownColumn(f)).map((f) => echoValue(f));
  if (unknown.length) problems.push(`Unknown column${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}.`);
  return problems;
}

export const VERIFICATION_FORMATS: Record<VerificationField, string> = {
  DATE_OF_BIRTH: "date of birth as YYYY-MM-DD, e.g. 1990-01-31",
  YEAR_MONTH: "year and month of birth as YYYY-MM, e.g. 1990-01",
  PIN: "a PIN of 4 to 8 characters",
  NATIONAL_ID_NUMBER: "a national ID number of up to 50 characters",
};

export const VERIFICATION_LABELS: Record<VerificationField, string> = {
  DATE_OF_BIRTH: "Date of birth",
  YEAR_MONTH: "Year and month of birth",
  PIN: "PIN",
  NATIONAL_ID_NUMBER: "National ID number",
};

export const CONTACT_TYPE_INFO: Record<RegistrationContactType, { label: string; description: string }> = {
  PHONE_NUMBER: {
    label: "Phone number",
    description: "Receivers get an SMS invitation and prove who they are with a verification value you provide.",
  },
  EMAIL: {
    label: "Email",
    description: "Receivers get an email invitation and prove who they are with a verification value you provide.",
  },
  PHONE_NUMBER_AND_WALLET_ADDRESS: {
    label: "Phone number and wallet address",
    description: "You already know each receiver's Stellar wallet address: payments go straight there, no invitation or verification.",
  },
  EMAIL_AND_WALLET_ADDRESS: {
    label: "Email and wallet address",
    description: "Like the one above, with email as the contact: payments go straight to the address in the file.",
  },
  BANK_ACCOUNT: {
    label: "Bank account",
    description:
      "Each row gives the payee's bank account (an IBAN, or an account number with its bank code) and the account holder's name: payments go to the bank, no invitation or verification. Needs a fiat currency.",
  },
  DIRECT_PHONE: {
    label: "Phone number on a Mojaloop switch",
    description:
      "Each row gives the payee's phone number: payments go to whatever wallet or account the number has on the Mojaloop scheme, no invitation or verification. Needs a fiat currency.",
  },
};

/* ---------------------------------------------------------------- upload */

export type UploadError = {
  status: number;
  message: string;
  /** `line N - field` entries, in line order. */
  lines: { line: number; field: string; message: string }[];
  /** Other entries (file-level problems). */
  other: { key: string; message: string }[];
  /** The total number of row errors when the server capped the list, if it said so. */
  total: number | null;
  /** The body's domain reason (docs/errors.md), when it names one. */
  reason: ErrorReason | null;
};

const LINE_KEY = /^line (\d+)(?: - (.+))?$/i;

/** Extras of a file refused by the envelope's declarations (import-instructions). */
const ENVELOPE_KEYS = new Set(["envelope", "declared_count", "file_count", "declared_total", "file_total"]);

/** SDP's error body `{error, extras}` → something to list by line. */
export function parseUploadError(status: number, body: unknown): UploadError {
  const b = (body && typeof body === "object" ? body : {}) as { error?: unknown; extras?: unknown; reason?: unknown };
  const reason = isErrorReason(b.reason) ? b.reason : null;
  const extras = b.extras && typeof b.extras === "object" ? (b.extras as Record<string, unknown>) : {};
  const lines: UploadError["lines"] = [];
  const other: UploadError["other"] = [];
  let total: number | null = null;
  for (const [key, value] of Object.entries(extras)) {
    const text = typeof value === "string" ? value : JSON.stringify(value);
    const m = LINE_KEY.exec(key);
    if (m) {
      lines.push({ line: Number(m[1]), field: m[2] ?? "", message: text });
    } else if (ENVELOPE_KEYS.has(key)) {
      // The envelope's sentence names both values; these are their machine-readable copies.
      continue;
    } else if (/total|count/i.test(key) && /^\d+$/.test(String(value))) {
      total = Number(value);
    } else if (!(key === "status" && typeof value !== "string")) {
      other.push({ key, message: text });
    }
  }
  lines.sort((a, b2) => a.line - b2.line || a.field.localeCompare(b2.field));
  const envelope = reason === "ENVELOPE_INCOMPLETE" && typeof extras.envelope === "string" ? extras.envelope : null;
  const message = envelope
    ? envelope
    : typeof b.error === "string" && b.error
      ? b.error
      : status === 413
        ? "The file is too large."
        : status >= 500
          ? "The server could not process the file. Try again."
          : "The file could not be uploaded.";
  return { status, message, lines, other, total, reason };
}

export type UploadResult<T> = { ok: true; disbursement: T } | { ok: false; error: UploadError };

/** POST the file to the session route; the answer is the updated disbursement or SDP's error body. */
export async function uploadInstructions<T>(disbursementId: string, file: File): Promise<UploadResult<T>> {
  const form = new FormData();
  form.append("file", file, file.name);
  let res: Response;
  try {
    res = await fetch(`/api/disbursements/${disbursementId}/instructions`, { method: "POST", body: form });
  } catch {
    return {
      ok: false,
      error: { status: 0, message: "The upload did not reach the server. Check your connection and try again.", lines: [], other: [], total: null, reason: null },
    };
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.ok) return { ok: true, disbursement: body as T };
  return { ok: false, error: parseUploadError(res.status, body) };
}
