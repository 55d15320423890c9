import { BIC_PATTERN, ibanProblem, normaliseIban } from "@/server/domain/iban";
import type { Destination, DestinationCheck } from "../payment-rail";

/**
 * What a sponsor bank can pay: an IBAN, or an account number with the bank code or BIC (and
 * optionally the branch) of the payee's bank. Answers the canonical destination or the field at fault.
 */
export function checkBankDestination(destination: Destination): DestinationCheck {
  const details = destination.details ?? {};
  if (destination.kind === "IBAN") {
    const problem = ibanProblem(destination.value);
    if (problem) return { ok: false, field: "iban", message: problem };
    return { ok: true, destination: { kind: "IBAN", value: normaliseIban(destination.value), memo: null, details: cleanDetails(details) } };
  }
  if (destination.kind === "BANK_ACCOUNT") {
    const account = destination.value.replace(/[\s-]+/g, "").toUpperCase();
    if (!/^[A-Z0-9]{1,34}$/.test(account)) return { ok: false, field: "bankAccount", message: "An account number is 1 to 34 letters and digits." };
    const bic = details.bic?.trim().toUpperCase();
    if (bic && !BIC_PATTERN.test(bic)) return { ok: false, field: "bic", message: "A BIC is 8 or 11 letters and digits, such as DEUTDEFF." };
    if (!details.bankCode?.trim() && !bic) return { ok: false, field: "bankCode", message: "Give the payee's bank code (or BIC) with the account number." };
    return { ok: true, destination: { kind: "BANK_ACCOUNT", value: account, memo: null, details: cleanDetails({ ...details, ...(bic ? { bic } : {}) }) } };
  }
  return { ok: false, field: "destination", message: `A bank connection pays bank accounts and IBANs, not ${destination.kind.toLowerCase().replace(/_/g, " ")}s.` };
}

function cleanDetails(details: NonNullable<Destination["details"]>): Destination["details"] {
  const out: NonNullable<Destination["details"]> = {};
  for (const key of ["bankCode", "bic", "branch", "holderName"] as const) {
    const value = details[key]?.trim();
    if (value) out[key] = value;
  }
  return Object.keys(out).length > 0 ? out : null;
}
