import { checkIban } from "./destinations";

/**
 * IBANs (ISO 13616) for the connection form and the bank rail's destination check: the one check is
 * `checkIban` in destinations.ts (country lengths and mod-97 check digits). Pure.
 */

/** Without spaces, upper case: the form stored and sent to banks. */
export const normaliseIban = (raw: string) => raw.replace(/\s+/g, "").toUpperCase();

/** What is wrong with an IBAN, in words, or null when it is valid. */
export function ibanProblem(raw: string): string | null {
  const checked = checkIban(raw);
  return checked.ok ? null : checked.message;
}

/** Whether an IBAN is valid (spaces ignored, case-insensitive). */
export const isValidIban = (raw: string): boolean => checkIban(raw).ok;

/** A BIC (ISO 9362): 4 letters of bank, 2 of country, 2 of location, optionally 3 of branch. */
export const BIC_PATTERN = /^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$/;
