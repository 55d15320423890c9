import type { MojaloopPartyStatus } from "./mojaloop";

/**
 * The Mojaloop party preflight in words (docs/rails/mojaloop-preflight.md). Pure: shared by the
 * service and the browser.
 *
 * A payee routed to a Mojaloop connection is NOT_REQUESTED until someone looks it up, then follows its
 * `mojaloop_parties` row: PENDING (GET /parties sent, waiting for the switch's callback) → RESOLVED
 * (name and FSP) | NOT_FOUND (the switch knows no such party) | FAILED (the lookup could not be made or
 * the switch answered another error). A PENDING lookup older than the connection's callback timeout has
 * had no answer: it may be asked again.
 */
export const PAYEE_LOOKUP_STATUSES = ["NOT_REQUESTED", "PENDING", "RESOLVED", "NOT_FOUND", "FAILED"] as const;
export type PayeeLookupStatus = (typeof PAYEE_LOOKUP_STATUSES)[number];

/** Lookups that "Exclude unresolved" cancels: the switch said no, or the lookup failed. */
export const EXCLUDABLE_LOOKUP_STATUSES = ["NOT_FOUND", "FAILED"] as const satisfies readonly PayeeLookupStatus[];

/** How many payees the preflight lists in file order, and how many unresolved ones. */
export const PREFLIGHT_PAYEES_LISTED = 100;
export const PREFLIGHT_UNRESOLVED_LISTED = 100;

export const PAYEE_LOOKUP_LABELS: Record<PayeeLookupStatus, string> = {
  NOT_REQUESTED: "Not looked up",
  PENDING: "Looking up",
  RESOLVED: "Found",
  NOT_FOUND: "Not found",
  FAILED: "Lookup failed",
};

export type PartyRowFacts = {
  status: MojaloopPartyStatus | null;
  errorCode: string | null;
  errorMessage: string | null;
  requestedAt: Date | null;
};

/** Whether a PENDING lookup has waited longer than the callback timeout (no answer: ask again). */
export function lookupTimedOut(row: Pick<PartyRowFacts, "status" | "requestedAt">, callbackTimeoutSeconds: number, now: Date): boolean {
  return row.status === "PENDING" && row.requestedAt !== null && now.getTime() - row.requestedAt.getTime() > callbackTimeoutSeconds * 1000;
}

/**
 * Why a payee is not (yet) resolved, in plain words; null when it is resolved or its lookup is still
 * within the callback timeout. `hasPhone` false: the payment has no phone number to look up.
 * `describeCode`: an FSPIOP error code in words (the rail's describeFspiopError), for a row stored
 * with a code and no message.
 */
export function payeeProblem(
  row: PartyRowFacts,
  options: { hasPhone: boolean; callbackTimeoutSeconds: number; now: Date; describeCode: (code: string) => string },
): string | null {
  if (!options.hasPhone) return "The payee has no phone number to look up.";
  switch (row.status) {
    case null:
      return "Not looked up yet.";
    case "RESOLVED":
      return null;
    case "PENDING":
      return lookupTimedOut(row, options.callbackTimeoutSeconds, options.now)
        ? `The switch has not answered within ${options.callbackTimeoutSeconds} s; look up again.`
        : null;
    case "NOT_FOUND":
      return row.errorMessage?.trim() || (row.errorCode ? options.describeCode(row.errorCode) : "The switch knows no account for this phone number.");
    case "FAILED":
      return row.errorMessage?.trim() || (row.errorCode ? options.describeCode(row.errorCode) : "The lookup failed.");
  }
}
