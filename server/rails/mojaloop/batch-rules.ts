import { toStroops } from "@/server/domain/money";
import { describeFspiopError, isFspiopErrorCode, isTransientFspiopError } from "./fspiop-errors";

/**
 * The Mojaloop rail's decisions without I/O (docs/rails/mojaloop.md, "The rail"): shared by the batch
 * steps (advance-batch.ts) and the callbacks (apply-callback.ts), unit-tested on their own.
 */

/** A party lookup's error: NOT_FOUND for the "not found" family (32xx), except 3202 — our own FSP id unknown to the switch is a configuration error. */
export function partyStatusOfError(code: string): "NOT_FOUND" | "FAILED" {
  return code.startsWith("32") && code !== "3202" ? "NOT_FOUND" : "FAILED";
}

/** What the switch answers about an id it has no record of: only after this is a request sent again. */
const NOT_FOUND_CODES = new Set(["3200", "3205", "3208", "3209", "3210"]);
export function isNotFoundCode(code: string): boolean {
  return NOT_FOUND_CODES.has(code);
}

export type PartyDecision = { kind: "ask" } | { kind: "pay"; fspId: string; name: string | null } | { kind: "fail"; code: string; message: string };

/**
 * What a batch does with a payee given its `mojaloop_parties` row: pay it at its FSP; fail its payment
 * (not found, or a final FSPIOP error); or ask the switch (no row, a lookup in flight, a GET that
 * could not be sent, a transient error).
 */
export function partyDecision(
  party:
    | { status: "PENDING" | "RESOLVED" | "NOT_FOUND" | "FAILED"; fspId: string | null; name: string | null; errorCode: string | null; errorMessage: string | null }
    | undefined,
): PartyDecision {
  if (!party || party.status === "PENDING") return { kind: "ask" };
  if (party.status === "RESOLVED" && party.fspId) return { kind: "pay", fspId: party.fspId, name: party.name };
  if (party.status === "NOT_FOUND") {
    const code = party.errorCode ?? "3204";
    return { kind: "fail", code, message: party.errorMessage ?? describeFspiopError(code) };
  }
  if (party.status === "FAILED" && party.errorCode && isFspiopErrorCode(party.errorCode) && !isTransientFspiopError(party.errorCode)) {
    return { kind: "fail", code: party.errorCode, message: party.errorMessage ?? describeFspiopError(party.errorCode) };
  }
  return { kind: "ask" };
}

/** A bulk transfer's expiry: its quote's, or now + the callback timeout (at least 30 s) when that comes first. */
export function transferExpiry(quoteExpiresAt: Date, nowMs: number, callbackTimeoutMs: number): Date {
  return new Date(Math.min(quoteExpiresAt.getTime(), nowMs + Math.max(callbackTimeoutMs, 30_000)));
}

/** Whether a quote's transfer amount is exactly the payment's (amountType SEND: we send the amount, fees are the payee's). */
export function quotedAmountMatches(quoted: { amount: string; currency: string }, payment: { amount: string; currency: string }): boolean {
  return quoted.currency === payment.currency && toStroops(quoted.amount) === toStroops(payment.amount);
}
