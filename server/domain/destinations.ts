import { isValidPhoneNumber } from "libphonenumber-js";
import { regexes } from "zod";
import { isStellarAccountAddress, isStellarMuxedAddress } from "@/server/rails/stellar/stellar-address";
import type { DestinationKind } from "./rails";

/**
 * Rail-neutral destinations (docs/rails.md "Destinations"): where a payment goes, normalised to the
 * one canonical value stored in `receiver_wallets.destination_value` and checked with messages that
 * name the field. Pure: used by the CSV validator, the G2P payee parser, the services and the browser.
 */

export type Checked<T = string> = { ok: true; value: T } | { ok: false; message: string };

const ok = <T>(value: T): Checked<T> => ({ ok: true, value });
const fail = (message: string): Checked<never> => ({ ok: false, message });

/**
 * IBAN lengths by country (SWIFT IBAN registry, release 99, 2025). A country missing here has no IBAN
 * (its accounts are given as an account number and bank code).
 */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HN: 28, HR: 21, HU: 28,
  IE: 22, IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20,
  LU: 20, LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28,
  NL: 18, NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24,
  SC: 31, SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26,
  UA: 29, VA: 22, VG: 24, XK: 20, YE: 30,
}; // prettier-ignore

/** Spaces (a printed IBAN's groups of four), hyphens and dots people type inside account numbers. */
const SEPARATORS = /[\s\-.]/g;
const compact = (raw: string) => raw.replace(SEPARATORS, "").toUpperCase();

/** ISO 7064 MOD 97-10 over the rearranged IBAN (country and check digits moved to the end, A = 10 … Z = 35). */
function ibanRemainder(iban: string): number {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const digits = code >= 65 ? String(code - 55) : char;
    for (const d of digits) remainder = (remainder * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return remainder;
}

/** Input that is meant as an IBAN: two letters, two digits (a bank account number never starts so). */
export function looksLikeIban(raw: string): boolean {
  return /^[A-Z]{2}\d{2}/.test(compact(raw));
}

/** An IBAN: spaces and lower case accepted; canonical upper case without spaces. */
export function checkIban(raw: string, field = "IBAN"): Checked {
  const iban = compact(raw);
  if (iban === "") return fail(`${field} cannot be empty`);
  if (!/^[A-Z0-9]+$/.test(iban)) return fail(`${field} is not a valid IBAN: only letters and digits are allowed`);
  if (!/^[A-Z]{2}\d{2}/.test(iban)) return fail(`${field} is not a valid IBAN: it must start with a country code and two check digits, e.g. DE89…`);
  const country = iban.slice(0, 2);
  const length = IBAN_LENGTHS[country];
  if (length === undefined) return fail(`${field} is not a valid IBAN: ${country} is not a country that uses IBANs`);
  if (iban.length !== length) return fail(`${field} is not a valid IBAN: a ${country} IBAN has ${length} characters, this one has ${iban.length}`);
  if (ibanRemainder(iban) !== 1) return fail(`${field}: IBAN checksum fails (a character is mistyped)`);
  return ok(iban);
}

export const ACCOUNT_NUMBER_LENGTH = { min: 4, max: 34 } as const;
export const BANK_CODE_LENGTH = { min: 2, max: 20 } as const;
export const HOLDER_NAME_MAX = 140;

/** A domestic account number: letters and digits (separators dropped), 4 to 34 of them (an IBAN's longest BBAN). */
export function checkAccountNumber(raw: string, field = "account number"): Checked {
  const value = compact(raw);
  if (value === "") return fail(`${field} cannot be empty`);
  if (!/^[A-Z0-9]+$/.test(value)) return fail(`${field} may hold only letters and digits`);
  if (value.length < ACCOUNT_NUMBER_LENGTH.min || value.length > ACCOUNT_NUMBER_LENGTH.max) {
    return fail(`${field} must have ${ACCOUNT_NUMBER_LENGTH.min} to ${ACCOUNT_NUMBER_LENGTH.max} letters or digits`);
  }
  return ok(value);
}

/** A bank code (sort code, routing number, bank/branch code, IFSC…): letters and digits, 2 to 20 of them. */
export function checkBankCode(raw: string, field = "bank code"): Checked {
  const value = compact(raw);
  if (value === "") return fail(`${field} cannot be empty`);
  if (!/^[A-Z0-9]+$/.test(value)) return fail(`${field} may hold only letters and digits`);
  if (value.length < BANK_CODE_LENGTH.min || value.length > BANK_CODE_LENGTH.max) {
    return fail(`${field} must have ${BANK_CODE_LENGTH.min} to ${BANK_CODE_LENGTH.max} letters or digits`);
  }
  return ok(value);
}

/** A BIC (ISO 9362): 4 letters (bank), 2 letters (country), 2 letters or digits (location), optionally 3 more (branch). */
export function checkBic(raw: string, field = "BIC"): Checked {
  const value = compact(raw);
  if (value === "") return fail(`${field} cannot be empty`);
  if (!/^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$/.test(value)) return fail(`${field} is not a valid BIC: 8 or 11 characters, e.g. DEUTDEFF or DEUTDEFF500`);
  return ok(value);
}

/** An account holder's name: 1 to 140 characters (pain.001's limit), inner white space collapsed, no control characters. */
export function checkHolderName(raw: string, field = "name"): Checked {
  const value = raw.replace(/\s+/g, " ").trim();
  if (value === "") return fail(`${field} cannot be empty`);
  if ([...value].length > HOLDER_NAME_MAX) return fail(`${field} cannot be longer than ${HOLDER_NAME_MAX} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) return fail(`${field} contains a control character`);
  return ok(value);
}

/** A phone number in E.164 (`+` country code and number; spaces and hyphens dropped), valid by libphonenumber-js. */
export function checkMsisdn(raw: string, field = "phone"): Checked {
  const value = raw.replace(/[\s\-()]/g, "");
  if (value === "") return fail(`${field} cannot be empty`);
  if (/^\+\d{6,15}$/.test(value) && isValidPhoneNumber(value)) return ok(value);
  return fail(`${field} is not a valid phone number in international format (+<country code><number>)`);
}

/** An e-mail address, lower-cased, at most 254 characters. */
export function checkEmail(raw: string, field = "email"): Checked {
  const value = raw.trim().toLowerCase();
  if (value === "") return fail(`${field} cannot be empty`);
  if (value.length <= 254 && regexes.email.test(value)) return ok(value);
  return fail(`${field} is not a valid e-mail address`);
}

/** A Stellar account (`G…`) or muxed account (`M…`) address. */
export function checkStellarAddress(raw: string, field = "address"): Checked {
  const value = raw.trim().toUpperCase();
  if (value === "") return fail(`${field} cannot be empty`);
  if (isStellarAccountAddress(value) || isStellarMuxedAddress(value)) return ok(value);
  return fail(`${field} is not a valid Stellar account address (G… or M…)`);
}

/** Bank details kept beside a bank destination (`receiver_wallets.destination_details`). */
export type DestinationDetails = { bankCode?: string; bic?: string; branch?: string; holderName?: string };

/** A destination as stored: kind, canonical value, optional memo/reference and bank details. */
export type Destination = { kind: DestinationKind; value: string; memo?: string | null; details?: DestinationDetails | null };

/** Normalise and check a destination value of a known kind (the field names the input in messages). */
export function checkDestination(kind: DestinationKind, raw: string, field?: string): Checked {
  switch (kind) {
    case "STELLAR_ADDRESS":
      return checkStellarAddress(raw, field);
    case "IBAN":
      return checkIban(raw, field);
    case "BANK_ACCOUNT":
      return checkAccountNumber(raw, field);
    case "MSISDN":
      return checkMsisdn(raw, field);
    case "EMAIL":
      return checkEmail(raw, field);
  }
}

/**
 * A bank account given as one value plus an optional bank code (the CSV's `bankAccount` and
 * `bankCode`): an IBAN when it looks like one (then the bank code is optional, kept when given),
 * else an account number that needs its bank code. Messages name the two fields.
 */
export function checkBankPayee(
  account: string,
  bankCode: string,
  fields: { account: string; bankCode: string } = { account: "bankAccount", bankCode: "bankCode" },
): { ok: true; destination: Destination } | { ok: false; field: string; message: string } {
  const code = bankCode.trim();
  if (looksLikeIban(account)) {
    const iban = checkIban(account, fields.account);
    if (!iban.ok) return { ok: false, field: fields.account, message: iban.message };
    if (code === "") return { ok: true, destination: { kind: "IBAN", value: iban.value, details: {} } };
    const c = checkBankCode(code, fields.bankCode);
    if (!c.ok) return { ok: false, field: fields.bankCode, message: c.message };
    return { ok: true, destination: { kind: "IBAN", value: iban.value, details: { bankCode: c.value } } };
  }
  const number = checkAccountNumber(account, fields.account);
  if (!number.ok) return { ok: false, field: fields.account, message: number.message };
  if (code === "") return { ok: false, field: fields.bankCode, message: `${fields.bankCode} is required when ${fields.account} is not an IBAN` };
  const c = checkBankCode(code, fields.bankCode);
  if (!c.ok) return { ok: false, field: fields.bankCode, message: c.message };
  return { ok: true, destination: { kind: "BANK_ACCOUNT", value: number.value, details: { bankCode: c.value } } };
}

/** A bank account for lists: the last four characters only ("•••• 1234"). */
export function maskAccount(value: string): string {
  return value.length <= 4 ? `•••• ${value}` : `•••• ${value.slice(-4)}`;
}

/** Whether a destination kind is a bank account (paid through a bank connection, not a wallet). */
export function isBankDestination(kind: DestinationKind | null | undefined): boolean {
  return kind === "IBAN" || kind === "BANK_ACCOUNT";
}

/* ------------------------------------------------------------------------- G2P Connect payee_fa */

/**
 * Financial addresses (`id-type:id@provider`, docs/g2p-connect.md#disburse) that we can pay: a Stellar
 * account (`stellar:G…` or `stellar:M…`, registered at once); a phone (`mobile:+…`) or e-mail
 * (`email:…`) whose owner registers a wallet through the invitation flow (a trailing `@provider` is
 * ignored; for e-mail the provider is whatever follows a second `@`); a bank account
 * (`account:<number>@<bank code>`) or an IBAN (`iban:<IBAN>`, optionally `@<BIC>`), paid through a bank;
 * a phone paid straight through a Mojaloop switch (`msisdn:+<number>@mojaloop`, registered at once). A
 * bare `msisdn:+<number>` stays an invitation-flow phone, as it always was.
 */
export type PayeeAddress =
  | { kind: "stellar"; address: string }
  | { kind: "phone"; phone: string }
  | { kind: "email"; email: string }
  | { kind: "bank"; destination: Destination }
  | { kind: "msisdn"; destination: Destination };

/** The FA provider that marks a phone payee as paid through a Mojaloop switch (`msisdn:+…@mojaloop`). */
export const MOJALOOP_FA_PROVIDER = "mojaloop";

export type PayeeParse = { ok: true; payee: PayeeAddress } | { ok: false; message: string };

const SUPPORTED = "use stellar:G…, mobile:+<country code><number>, msisdn:+<country code><number>@mojaloop, email:<address>, account:<number>@<bank code> or iban:<IBAN>";

export function parsePayeeFa(raw: unknown): PayeeParse {
  if (typeof raw !== "string" || raw.trim() === "") return { ok: false, message: `payee_fa is missing; ${SUPPORTED}` };
  const value = raw.trim();
  const colon = value.indexOf(":");
  if (colon <= 0) return { ok: false, message: `payee_fa "${value}" has no id-type; ${SUPPORTED}` };
  const type = value.slice(0, colon).toLowerCase();
  const rest = value.slice(colon + 1);
  if (type === "stellar") {
    const address = rest.split("@")[0] ?? "";
    if (isStellarAccountAddress(address) || isStellarMuxedAddress(address)) return { ok: true, payee: { kind: "stellar", address } };
    return { ok: false, message: `payee_fa "${value}" is not a valid Stellar account address` };
  }
  if (type === "mobile" || type === "phone" || type === "msisdn") {
    const [number = "", provider = ""] = rest.split("@");
    const phone = number.replace(/[\s-]/g, "");
    if (/^\+\d{6,15}$/.test(phone) && isValidPhoneNumber(phone)) {
      if (provider.trim().toLowerCase() === MOJALOOP_FA_PROVIDER) return { ok: true, payee: { kind: "msisdn", destination: { kind: "MSISDN", value: phone } } };
      return { ok: true, payee: { kind: "phone", phone } };
    }
    return { ok: false, message: `payee_fa "${value}" is not a valid phone number in international format (+<country code><number>)` };
  }
  if (type === "email") {
    const parts = rest.split("@");
    const email = (parts.length > 2 ? parts.slice(0, 2).join("@") : rest).toLowerCase();
    if (email.length <= 254 && regexes.email.test(email)) return { ok: true, payee: { kind: "email", email } };
    return { ok: false, message: `payee_fa "${value}" is not a valid e-mail address` };
  }
  if (type === "iban") {
    const [ibanPart = "", bicPart] = rest.split("@");
    const iban = checkIban(ibanPart, "payee_fa");
    if (!iban.ok) return { ok: false, message: iban.message };
    const details: DestinationDetails = {};
    if (bicPart !== undefined && bicPart.trim() !== "") {
      const bic = checkBic(bicPart, "payee_fa's BIC (after @)");
      if (!bic.ok) return { ok: false, message: bic.message };
      details.bic = bic.value;
    }
    return { ok: true, payee: { kind: "bank", destination: { kind: "IBAN", value: iban.value, details } } };
  }
  if (type === "account") {
    const at = rest.lastIndexOf("@");
    if (at < 0) return { ok: false, message: `payee_fa "${value}" needs the bank code: account:<number>@<bank code>` };
    const number = checkAccountNumber(rest.slice(0, at), "payee_fa's account number");
    if (!number.ok) return { ok: false, message: number.message };
    const code = checkBankCode(rest.slice(at + 1), "payee_fa's bank code (after @)");
    if (!code.ok) return { ok: false, message: code.message };
    return { ok: true, payee: { kind: "bank", destination: { kind: "BANK_ACCOUNT", value: number.value, details: { bankCode: code.value } } } };
  }
  return { ok: false, message: `payee_fa id-type "${type}" is not supported; ${SUPPORTED}` };
}

/** A financial address in its canonical form for this platform (used when reporting back and as a new receiver's external id). */
export function formatPayeeFa(payee: PayeeAddress): string {
  if (payee.kind === "stellar") return `stellar:${payee.address}`;
  if (payee.kind === "phone") return `mobile:${payee.phone}`;
  if (payee.kind === "email") return `email:${payee.email}`;
  if (payee.kind === "msisdn") return `msisdn:${payee.destination.value}@${MOJALOOP_FA_PROVIDER}`;
  const d = payee.destination;
  if (d.kind === "IBAN") return `iban:${d.value}`;
  return `account:${d.value}@${d.details?.bankCode ?? ""}`;
}

/* ------------------------------------------------------------------------- receiver attributes */

export const REGION_MAX_LENGTH = 64;

/**
 * A receiver's region (`receivers.attributes.region`, matched by routing rules): from the CSV's
 * `region` column or a G2P item's `meta.region`. Trimmed; empty means "not given" (null).
 */
export function checkRegion(raw: unknown, field = "region"): Checked<string | null> {
  if (raw === undefined || raw === null) return ok(null);
  if (typeof raw !== "string" && typeof raw !== "number") return fail(`${field} must be text`);
  const value = String(raw).replace(/\s+/g, " ").trim();
  if (value === "") return ok(null);
  if ([...value].length > REGION_MAX_LENGTH) return fail(`${field} cannot be longer than ${REGION_MAX_LENGTH} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) return fail(`${field} contains a control character`);
  return ok(value);
}
