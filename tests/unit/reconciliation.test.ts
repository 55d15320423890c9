import { describe, expect, it } from "vitest";
import { entryAction, reconcileEntries, sameAmount, sameBankReference, type ReconEntry, type ReconPayment } from "@/server/domain/reconciliation";

const ID = "0b5c7a3e-1f2d-4c5b-8a9e-123456789abc";
const payment = (over: Partial<ReconPayment> = {}): ReconPayment => ({
  id: ID,
  status: "PENDING",
  amount: "10.5000000",
  currency: "EUR",
  railDetails: null,
  failureCode: null,
  ...over,
});
const booked = (over: Partial<ReconEntry> = {}): ReconEntry => ({
  paymentId: ID,
  amount: "10.50",
  currency: "EUR",
  direction: "DEBIT",
  reversal: false,
  status: "BOOKED",
  statusCode: "BOOK",
  bankReference: "REF-1",
  bookingDate: "2026-12-03",
  ...over,
});
const options = { format: "CAMT053" as const, bankFileId: "f", now: "2026-12-03T10:00:00.000Z", paymentIdOf: (e: ReconEntry) => e.paymentId };

describe("reconciliation rules (server/domain/reconciliation.ts)", () => {
  it("maps entries to actions: pain.002 RJCT rejects, ACSC only acknowledges; a credit reversal reverses", () => {
    expect(entryAction("PAIN002", { direction: "DEBIT", reversal: false, status: "REJECTED" })).toBe("REJECT");
    expect(entryAction("PAIN002", { direction: "DEBIT", reversal: false, status: "SETTLED" })).toBe("ACKNOWLEDGE");
    expect(entryAction("MT940", { direction: "CREDIT", reversal: true, status: "BOOKED" })).toBe("REVERSE");
    expect(entryAction("CAMT053", { direction: "CREDIT", reversal: false, returned: true, status: "BOOKED" })).toBe("REVERSE");
    expect(entryAction("CAMT053", { direction: "CREDIT", reversal: false, status: "BOOKED" })).toBe("NONE");
    expect(entryAction("CAMT054", { direction: "DEBIT", reversal: false, status: "PENDING" })).toBe("ACKNOWLEDGE");
  });

  it("compares amounts exactly and bank references across formats (MT940 keeps 16 characters)", () => {
    expect(sameAmount("10.50", "10.5000000")).toBe(true);
    expect(sameAmount("10.5", "10.51")).toBe(false);
    expect(sameAmount("0100", "100.00")).toBe(true);
    expect(sameBankReference("0b5c7a3e-1f2d-4c", "0b5c7a3e-1f2d-4c5b-8a9e")).toBe(true);
    expect(sameBankReference("REF-1", "REF-12")).toBe(false);
  });

  it("a booking then its reversal in one file: two moves in order, the second in the next round", () => {
    const plan = reconcileEntries(
      [booked(), booked({ direction: "CREDIT", reversal: true, reasonCode: "AC04", reasonText: "closed", bankReference: "REF-9" })],
      new Map([[ID, payment()]]),
      options,
    );
    expect(plan.decisions.map((d) => d.outcome)).toEqual(["MATCHED", "MATCHED"]);
    expect(plan.moves.map((m) => [m.from, m.to, m.round])).toEqual([
      ["PENDING", "SUCCESS", 0],
      ["SUCCESS", "FAILED", 1],
    ]);
    expect(plan.details.get(ID)).toMatchObject({ failureCode: "AC04", railDetails: { reversal: { bankReference: "REF-9" }, settlement: { bankReference: "REF-1" } } });
  });

  it("onDecision hands over every entry's decision in file order, with its position, and the plan keeps none", () => {
    const entries = [booked(), booked({ paymentId: undefined, endToEndId: "NOTPROVIDED" }), booked({ bankReference: "REF-2" }), booked({ amount: "99.00" })];
    const withList = reconcileEntries(entries, new Map([[ID, payment()]]), options);
    const seen: [number, string, string][] = [];
    const streamed = reconcileEntries(entries, new Map([[ID, payment()]]), { ...options, onDecision: (d, position) => seen.push([position, d.outcome, d.message]) });
    expect(seen.map(([position, outcome]) => [position, outcome])).toEqual([
      [0, "MATCHED"],
      [1, "UNMATCHED"],
      [2, "DUPLICATE"],
      [3, "AMOUNT_MISMATCH"],
    ]);
    expect(seen.map(([, outcome, message]) => ({ outcome, message }))).toEqual(withList.decisions.map((d) => ({ outcome: d.outcome, message: d.message })));
    expect(streamed.decisions).toEqual([]);
    expect(streamed.moves).toEqual(withList.moves);
  });

  it("a second booking is a DUPLICATE in the same file, ALREADY_APPLIED for the same booking in a later file", () => {
    const same = reconcileEntries([booked(), booked({ bankReference: "REF-1" })], new Map([[ID, payment()]]), options);
    expect(same.decisions.map((d) => d.outcome)).toEqual(["MATCHED", "DUPLICATE"]);
    const paid = payment({ status: "SUCCESS", railDetails: { settlement: { bankReference: "REF-1", bookingDate: "2026-12-03" } } });
    expect(reconcileEntries([booked()], new Map([[ID, paid]]), options).decisions[0]!.outcome).toBe("ALREADY_APPLIED");
    expect(reconcileEntries([booked({ bankReference: "OTHER-77" })], new Map([[ID, paid]]), options).decisions[0]!.outcome).toBe("DUPLICATE");
  });

  it("amount or currency differences and unshipped payments change nothing", () => {
    const plan = reconcileEntries([booked({ amount: "10.49" }), booked({ currency: "USD" })], new Map([[ID, payment()]]), options);
    expect(plan.decisions.map((d) => d.outcome)).toEqual(["AMOUNT_MISMATCH", "AMOUNT_MISMATCH"]);
    expect(plan.moves).toEqual([]);
    const ready = reconcileEntries([booked()], new Map([[ID, payment({ status: "READY" })]]), options);
    expect(ready.decisions[0]).toMatchObject({ outcome: "INVALID_STATE" });
    expect(ready.moves).toEqual([]);
  });
});
