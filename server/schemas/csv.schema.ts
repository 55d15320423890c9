import type { RegistrationContactType } from "@/server/domain/disbursement-types";

/**
 * Columns and limits of a disbursement instructions file (docs/domain.md#csv-instructions): the
 * server's validator (server/domain/csv-instructions.ts) and the browser's template and header
 * check (components/disbursements/csv.ts) both read these.
 */

/** Every known column, in the order error messages list them. */
export const CSV_COLUMNS = [
  "phone",
  "email",
  "id",
  "amount",
  "verification",
  "paymentID",
  "walletAddress",
  "walletAddressMemo",
  "bankAccount",
  "bankCode",
  "name",
  "region",
] as const;
export type CsvColumn = (typeof CSV_COLUMNS)[number];

export type ColumnRules = { required: readonly CsvColumn[]; notAllowed: readonly CsvColumn[] };

/** Required and not-allowed columns per contact type; the remaining known columns are optional. */
const BANK_COLUMNS = ["bankAccount", "bankCode", "name"] as const;
export const COLUMN_RULES: Record<RegistrationContactType, ColumnRules> = {
  PHONE_NUMBER: { required: ["phone", "id", "amount", "verification"], notAllowed: ["email", "walletAddress", "walletAddressMemo", ...BANK_COLUMNS] },
  EMAIL: { required: ["email", "id", "amount", "verification"], notAllowed: ["phone", "walletAddress", "walletAddressMemo", ...BANK_COLUMNS] },
  PHONE_NUMBER_AND_WALLET_ADDRESS: { required: ["phone", "id", "amount", "walletAddress"], notAllowed: ["email", "verification", ...BANK_COLUMNS] },
  EMAIL_AND_WALLET_ADDRESS: { required: ["email", "id", "amount", "walletAddress"], notAllowed: ["phone", "verification", ...BANK_COLUMNS] },
  // bankCode is optional as a column: a row whose bankAccount is an IBAN needs none (docs/rails.md "Destinations").
  BANK_ACCOUNT: { required: ["id", "amount", "bankAccount", "name"], notAllowed: ["phone", "email", "verification", "walletAddress", "walletAddressMemo"] },
  // Paid at the phone number through a Mojaloop switch: the phone is the destination (docs/rails/mojaloop-connections.md).
  DIRECT_PHONE: { required: ["phone", "id", "amount"], notAllowed: ["email", "verification", "walletAddress", "walletAddressMemo", ...BANK_COLUMNS] },
};

/** The optional columns of a contact type: the known ones neither required nor refused. */
export function optionalColumns(type: RegistrationContactType): CsvColumn[] {
  const rules = COLUMN_RULES[type];
  return CSV_COLUMNS.filter((c) => !rules.required.includes(c) && !rules.notAllowed.includes(c));
}

/** A template's header: the required columns, then the optional ones. */
export function templateColumns(type: RegistrationContactType): CsvColumn[] {
  return [...COLUMN_RULES[type].required, ...optionalColumns(type)];
}

/** A column's canonical name from any spelling of its case (the server matches names ignoring case); null when unknown. */
const KNOWN_BY_LOWER = new Map<string, CsvColumn>(CSV_COLUMNS.map((c) => [c.toLowerCase(), c]));
export function knownColumn(name: string): CsvColumn | null {
  return KNOWN_BY_LOWER.get(name.trim().toLowerCase()) ?? null;
}

export type CsvLimits = {
  /** Data rows (blank lines excluded). Env CSV_MAX_ROWS, default 100,000. */
  maxRows: number;
  /** File size in bytes. Env CSV_MAX_BYTES, default 20 MB. */
  maxBytes: number;
  /** Error entries returned (the total is always counted). Env CSV_MAX_ERRORS, default 100. */
  maxErrors: number;
};

export const DEFAULT_CSV_LIMITS: CsvLimits = { maxRows: 100_000, maxBytes: 20 * 1024 * 1024, maxErrors: 100 };
