/**
 * FSPIOP amounts (docs/rails/mojaloop.md): a JSON string in one canonical form — no sign, no leading
 * zeros, at most 18 integer digits and 4 decimals, and no trailing zeros at all ("10", "10.5", never
 * "10.50" or "10.0"; a switch refuses those). Built from the platform's exact decimal strings by text
 * manipulation only: an amount never passes through a float.
 */

import { toStroops } from "@/server/domain/money";

/** The Amount pattern of the FSPIOP 1.1 API definition. */
export const FSPIOP_AMOUNT_PATTERN = /^([0]|([1-9][0-9]{0,17}))([.][0-9]{0,3}[1-9])?$/;

export const FSPIOP_MAX_DECIMALS = 4;

export class FspiopAmountError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FspiopAmountError";
  }
}

/**
 * The FSPIOP form of an exact decimal string ("1200.50" → "1200.5", "7.0000000" → "7", "0.00" → "0").
 * Throws FspiopAmountError naming the amount when it is not a plain non-negative decimal, or when it
 * keeps more than 4 significant decimals or 18 integer digits (the switch could not carry it).
 */
export function toFspiopAmount(decimal: string): string {
  const text = decimal.trim();
  const match = /^(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new FspiopAmountError(`The amount "${decimal}" is not a non-negative decimal number.`);
  const integer = match[1]!.replace(/^0+(?=\d)/, "");
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (fraction.length > FSPIOP_MAX_DECIMALS) {
    throw new FspiopAmountError(`The amount "${decimal}" has ${fraction.length} decimals; a Mojaloop switch carries at most ${FSPIOP_MAX_DECIMALS}.`);
  }
  if (integer.length > 18) throw new FspiopAmountError(`The amount "${decimal}" has more than 18 integer digits.`);
  return fraction ? `${integer}.${fraction}` : integer;
}

/** Whether a string is already in the FSPIOP form (what a callback's amount must look like). */
export function isFspiopAmount(value: string): boolean {
  return FSPIOP_AMOUNT_PATTERN.test(value);
}

/**
 * Compare two decimal strings exactly (-1, 0, 1), e.g. a quote's transferAmount against the amount
 * asked for: through the platform's exact money units (server/domain/money.ts), FSPIOP amounts having
 * at most 4 decimals.
 */
export function compareDecimal(a: string, b: string): number {
  const difference = toStroops(a) - toStroops(b);
  return difference === 0n ? 0 : difference < 0n ? -1 : 1;
}
