import { describe, expect, it } from "vitest";
import { DISBURSEMENT_STATUSES, PAYMENT_STATUSES, RECEIVER_WALLET_STATUSES } from "@/server/domain/disbursement-types";
import {
  DISBURSEMENT_TRANSITIONS,
  PAYMENT_TRANSITIONS,
  RECEIVER_WALLET_TRANSITIONS,
  canTransition,
  manualDisbursementActions,
  transitionError,
} from "@/server/domain/state-machines";

/** Every pair of statuses: exactly the docs/domain.md#state-machines edges are allowed, nothing else. */
const ALLOWED = {
  disbursement: new Set(["DRAFT>READY", "READY>READY", "READY>STARTED", "STARTED>PAUSED", "PAUSED>STARTED", "STARTED>COMPLETED", "DRAFT>CANCELED", "READY>CANCELED"]),
  payment: new Set([
    "DRAFT>READY",
    "DRAFT>CANCELED",
    "READY>PENDING",
    "READY>PAUSED",
    "READY>CANCELED",
    "READY>FAILED",
    "PAUSED>READY",
    "PENDING>SUCCESS",
    "PENDING>FAILED",
    "PENDING>READY",
    "FAILED>READY",
    "SUCCESS>FAILED",
  ]),
  receiverWallet: new Set(["DRAFT>READY", "READY>REGISTERED", "READY>FLAGGED", "FLAGGED>READY", "REGISTERED>FLAGGED", "FLAGGED>REGISTERED", "REGISTERED>READY"]),
};

function pairs<S extends string>(statuses: readonly S[]) {
  return statuses.flatMap((from) => statuses.map((to) => [from, to] as const));
}

describe("disbursement transitions", () => {
  it.each(pairs(DISBURSEMENT_STATUSES))("%s → %s", (from, to) => {
    expect(canTransition(DISBURSEMENT_TRANSITIONS, from, to)).toBe(ALLOWED.disbursement.has(`${from}>${to}`));
  });
  it("names the allowed targets in the error", () => {
    expect(transitionError("disbursement", DISBURSEMENT_TRANSITIONS, "DRAFT", "STARTED")).toBe(
      "A disbursement cannot go from DRAFT to STARTED. Allowed from DRAFT: READY, CANCELED.",
    );
    expect(transitionError("disbursement", DISBURSEMENT_TRANSITIONS, "COMPLETED", "PAUSED")).toMatch(/COMPLETED cannot change status/);
  });
  it("offers only start/pause/resume as manual actions", () => {
    expect(manualDisbursementActions("READY")).toEqual(["STARTED"]);
    expect(manualDisbursementActions("STARTED")).toEqual(["PAUSED"]);
    expect(manualDisbursementActions("PAUSED")).toEqual(["STARTED"]);
    expect(manualDisbursementActions("DRAFT")).toEqual([]);
    expect(manualDisbursementActions("COMPLETED")).toEqual([]);
  });
});

describe("payment transitions", () => {
  it.each(pairs(PAYMENT_STATUSES))("%s → %s", (from, to) => {
    expect(canTransition(PAYMENT_TRANSITIONS, from, to)).toBe(ALLOWED.payment.has(`${from}>${to}`));
  });
});

describe("receiver wallet transitions", () => {
  it.each(pairs(RECEIVER_WALLET_STATUSES))("%s → %s", (from, to) => {
    expect(canTransition(RECEIVER_WALLET_TRANSITIONS, from, to)).toBe(ALLOWED.receiverWallet.has(`${from}>${to}`));
  });
});
