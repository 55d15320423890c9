import { isValidPhoneNumber } from "libphonenumber-js";
import { regexes } from "zod";
import { isStellarAccountAddress, isStellarContractAddress } from "@/server/rails/stellar/stellar-address";
import { MESSAGES, memoProblem, verificationValueProblem } from "./csv-instructions";
import { VERIFICATION_FIELDS, type VerificationField } from "./disbursement-types";

/**
 * The rules of SDP's receiver create and update bodies (the SDP backend's ReceiverValidator and
 * UpdateReceiverValidator), with our formats: a phone number and an email are checked and
 * normalized as a CSV instructions file's are (server/domain/csv-instructions.ts: trimmed, E.164,
 * email lower-cased), verification values with the CSV rules. Problems are keyed by SDP's field
 * names (`phone_number`, `verifications[0].value`, `wallets[0].address`), which SDP clients show
 * per field. Pure: no I/O.
 */

const PHONE_PATTERN = /^\+\d{10,15}$/;

export type Problems = Record<string, string>;

export function phoneProblem(phone: string): string | null {
  return PHONE_PATTERN.test(phone) && isValidPhoneNumber(phone) ? null : MESSAGES.phoneFormat;
}

export function emailProblem(email: string): string | null {
  return email.length <= 254 && regexes.email.test(email) ? null : MESSAGES.emailFormat;
}

const isVerificationField = (v: string): v is VerificationField => (VERIFICATION_FIELDS as readonly string[]).includes(v);

export type CreateReceiverFields = {
  email?: string | null;
  phone_number?: string | null;
  external_id?: string | null;
  verifications?: { type?: string; value?: string }[];
  wallets?: { address?: string; memo?: string }[];
};

export type CheckedCreateReceiver = {
  email: string | null;
  phone: string | null;
  externalId: string;
  verifications: { field: VerificationField; value: string }[];
  wallet: { address: string; memo: string | null } | null;
};

/** SDP's create rules; every problem found, keyed by field. */
export function checkCreateReceiver(body: CreateReceiverFields, now = new Date()): { ok: true; value: CheckedCreateReceiver } | { ok: false; problems: Problems } {
  const problems: Problems = {};
  const email = (body.email ?? "").trim().toLowerCase();
  const phone = (body.phone_number ?? "").trim();
  const externalId = (body.external_id ?? "").trim();
  const verifications = body.verifications ?? [];
  const wallets = body.wallets ?? [];

  if (!email && !phone) {
    problems.email = "email is required when phone_number is not provided";
    problems.phone_number = "phone_number is required when email is not provided";
  }
  if (email) {
    const p = emailProblem(email);
    if (p) problems.email = p;
  }
  if (phone) {
    const p = phoneProblem(phone);
    if (p) problems.phone_number = p;
  }
  if (!externalId) problems.external_id = "external_id is required";
  if (verifications.length === 0 && wallets.length === 0) {
    problems.verifications = "verifications are required when wallets are not provided";
    problems.wallets = "wallets are required when verifications are not provided";
  }
  if (wallets.length > 1) problems.wallets = "only one wallet is allowed per receiver";

  const checked: CheckedCreateReceiver["verifications"] = [];
  const seen = new Set<string>();
  verifications.forEach((v, i) => {
    const type = (v.type ?? "").trim();
    const value = (v.value ?? "").trim();
    if (!type) problems[`verifications[${i}].type`] = "verification type is required";
    if (!value) problems[`verifications[${i}].value`] = "verification value is required";
    if (!type || !value) return;
    if (!isVerificationField(type)) {
      problems[`verifications[${i}].type`] = `invalid verification type: use one of ${VERIFICATION_FIELDS.join(", ")}`;
      return;
    }
    if (seen.has(type)) {
      problems[`verifications[${i}].type`] = `${type} is given twice: give each verification type once`;
      return;
    }
    seen.add(type);
    const p = verificationValueProblem(type, value, now);
    if (p) problems[`verifications[${i}].value`] = p;
    else checked.push({ field: type, value });
  });

  let wallet: CheckedCreateReceiver["wallet"] = null;
  wallets.slice(0, 1).forEach((w, i) => {
    const address = (w.address ?? "").trim().toUpperCase();
    const memo = (w.memo ?? "").trim();
    if (!address) {
      problems[`wallets[${i}].address`] = "wallet address is required";
      return;
    }
    const contract = isStellarContractAddress(address);
    if (!isStellarAccountAddress(address) && !contract) {
      problems[`wallets[${i}].address`] = "invalid stellar address format";
      return;
    }
    if (memo && contract) problems[`wallets[${i}].memo`] = "memos are not supported for contract addresses";
    else if (memo && memoProblem(memo))
      problems[`wallets[${i}].memo`] =
        "invalid memo format. For more information about memo formats, visit https://docs.stellar.org/learn/encyclopedia/transactions-specialized/memos";
    else wallet = { address, memo: memo || null };
  });

  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, value: { email: email || null, phone: phone || null, externalId, verifications: checked, wallet } };
}

export type UpdateReceiverFields = {
  date_of_birth?: string;
  year_month?: string;
  pin?: string;
  national_id?: string;
  email?: string | null;
  phone_number?: string | null;
  external_id?: string;
};

/** What a PATCH changes: undefined = unchanged, null = cleared (email/phone only). */
export type CheckedUpdateReceiver = {
  email?: string | null;
  phone?: string | null;
  externalId?: string;
  verifications: { field: VerificationField; value: string }[];
};

const UPDATE_VERIFICATIONS: [keyof UpdateReceiverFields, VerificationField][] = [
  ["date_of_birth", "DATE_OF_BIRTH"],
  ["year_month", "YEAR_MONTH"],
  ["pin", "PIN"],
  ["national_id", "NATIONAL_ID_NUMBER"],
];

/** SDP's update rules: blank fields are left unchanged; an all-blank body is refused. */
export function checkUpdateReceiver(body: UpdateReceiverFields, now = new Date()): { ok: true; value: CheckedUpdateReceiver } | { ok: false; problems: Problems } {
  const problems: Problems = {};
  const given = (v: string | null | undefined) => v === null || (typeof v === "string" && v !== "");
  const keys: (keyof UpdateReceiverFields)[] = ["date_of_birth", "year_month", "pin", "national_id", "email", "phone_number", "external_id"];
  if (!keys.some((k) => given(body[k]))) return { ok: false, problems: { body: "request body is empty" } };

  const out: CheckedUpdateReceiver = { verifications: [] };
  for (const [key, field] of UPDATE_VERIFICATIONS) {
    const raw = body[key];
    if (typeof raw !== "string" || raw === "") continue;
    const value = raw.trim();
    const p = value ? verificationValueProblem(field, value, now) : "the value cannot be blank";
    if (p) problems[key] = p;
    else out.verifications.push({ field, value });
  }
  if (body.email === null) out.email = null;
  else if (body.email) {
    const email = body.email.trim().toLowerCase();
    const p = emailProblem(email);
    if (p) problems.email = p;
    else out.email = email;
  }
  if (body.phone_number === null) out.phone = null;
  else if (body.phone_number) {
    const phone = body.phone_number.trim();
    const p = phoneProblem(phone);
    if (p) problems.phone_number = p;
    else out.phone = phone;
  }
  if (body.external_id) {
    const externalId = body.external_id.trim();
    if (!externalId) problems.external_id = "external_id cannot be set to empty";
    else out.externalId = externalId;
  }
  if (out.email === null && out.phone === null) problems.phone_number = "a receiver needs a phone number or an email: both cannot be cleared";
  if (Object.keys(problems).length > 0) return { ok: false, problems };
  return { ok: true, value: out };
}
