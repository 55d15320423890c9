import { describe, expect, it } from "vitest";
import type { PaymentStatusHistoryEntry } from "@/server/domain/disbursement-types";
import {
  cancellationStatus,
  envelopeAdmissionProblem,
  envelopeCancellationProblem,
  envelopeComplete,
  envelopeDue,
  envelopeStartProblem,
  fileAdmissionProblem,
  paymentCancellationProblem,
  replyStatus,
  shipmentStatus,
  type EnvelopeState,
} from "@/server/domain/g2p/envelope-rules";

const NOW = new Date("2030-06-01T12:00:00Z");
const BEFORE = new Date("2030-06-01T11:59:59Z");
const AFTER = new Date("2030-06-01T12:00:01Z");
const units = (n: number) => BigInt(n) * 10_000_000n;

const env = (over: Partial<EnvelopeState> = {}): EnvelopeState => ({
  status: "READY",
  declaredCount: 3,
  declaredTotalStroops: units(30),
  scheduledAt: null,
  receivedCount: 0,
  receivedTotalStroops: 0n,
  ...over,
});

describe("admission: received stays within declared", () => {
  it("accepts up to the declared count and total, exactly", () => {
    expect(envelopeAdmissionProblem(env(), 3, units(30))).toBeNull();
    expect(envelopeAdmissionProblem(env({ receivedCount: 2, receivedTotalStroops: units(20) }), 1, units(10))).toBeNull();
  });

  it("refuses one payment or one stroop beyond", () => {
    expect(envelopeAdmissionProblem(env({ receivedCount: 3, receivedTotalStroops: units(29) }), 1, 1n)).toMatchObject({ field: "count" });
    expect(envelopeAdmissionProblem(env({ receivedCount: 1, receivedTotalStroops: units(10) }), 1, units(20) + 1n)).toMatchObject({
      field: "total",
      message: expect.stringMatching(/declares a total of 30\.0000000/),
    });
  });

  it("counts cancelled payments as received: cancelling opens no room", () => {
    // The state carries every payment ever received; nothing subtracts cancelled ones.
    expect(envelopeAdmissionProblem(env({ receivedCount: 3, receivedTotalStroops: units(30) }), 1, 1n)?.field).toBe("count");
  });

  it("has no bound where nothing is declared, and refuses started or cancelled envelopes", () => {
    expect(envelopeAdmissionProblem(env({ declaredCount: null, declaredTotalStroops: null }), 1000, units(1_000_000))).toBeNull();
    expect(envelopeAdmissionProblem(env({ status: "STARTED" }), 1, 1n)).toMatchObject({ field: "status" });
    expect(envelopeAdmissionProblem(env({ status: "CANCELED" }), 1, 1n)).toMatchObject({ field: "status" });
  });
});

describe("a whole file against the declarations", () => {
  it("measures the file alone (it replaces every payment) and names both values", () => {
    expect(fileAdmissionProblem(env(), 3, units(30))).toBeNull();
    expect(fileAdmissionProblem(env(), 2, units(20))).toBeNull();
    expect(fileAdmissionProblem(env(), 4, units(30))).toEqual({ field: "count", message: "The file has 4 payments; this disbursement declares 3 at most." });
    expect(fileAdmissionProblem(env(), 3, units(30) + 5_000_000n)).toEqual({
      field: "total",
      message: "The file's payments total 30.5; this disbursement declares a total of 30.",
    });
    expect(fileAdmissionProblem(env({ declaredCount: 1 }), 2, 2n)?.message).toBe("The file has 2 payments; this disbursement declares 1 at most.");
  });
});

describe("start: complete and due", () => {
  it("is complete only when received equals declared, and never when empty", () => {
    expect(envelopeComplete(env({ receivedCount: 3, receivedTotalStroops: units(30) }))).toBe(true);
    expect(envelopeComplete(env({ receivedCount: 2, receivedTotalStroops: units(30) }))).toBe(false);
    expect(envelopeComplete(env({ receivedCount: 3, receivedTotalStroops: units(30) - 1n }))).toBe(false);
    expect(envelopeComplete(env({ declaredCount: null, declaredTotalStroops: null, receivedCount: 0 }))).toBe(false);
    expect(envelopeComplete(env({ declaredCount: null, declaredTotalStroops: null, receivedCount: 1, receivedTotalStroops: 1n }))).toBe(true);
  });

  it("is due at the schedule date, not a second before", () => {
    expect(envelopeDue({ scheduledAt: null }, NOW)).toBe(true);
    expect(envelopeDue({ scheduledAt: NOW }, NOW)).toBe(true);
    expect(envelopeDue({ scheduledAt: AFTER }, NOW)).toBe(false);
  });

  it("explains what blocks the start: count, then total, then the date", () => {
    const complete = { receivedCount: 3, receivedTotalStroops: units(30) };
    expect(envelopeStartProblem(env({ receivedCount: 2, receivedTotalStroops: units(20) }), NOW)).toBe("The envelope has received 2 of the 3 payments it declares.");
    expect(envelopeStartProblem(env({ receivedCount: 3, receivedTotalStroops: units(20) }), NOW)).toMatch(/received 20\.0000000 of the 30\.0000000/);
    expect(envelopeStartProblem(env({ ...complete, scheduledAt: AFTER }), NOW)).toMatch(/scheduled for 2030-06-01T12:00:01\.000Z/);
    expect(envelopeStartProblem(env({ ...complete, scheduledAt: BEFORE }), NOW)).toBeNull();
    expect(envelopeStartProblem(env({ declaredCount: null, declaredTotalStroops: null, receivedCount: 5 }), NOW)).toBeNull();
  });
});

describe("cancellation: only before the schedule date, final", () => {
  it("cancels a DRAFT or READY envelope until its schedule date", () => {
    expect(envelopeCancellationProblem({ status: "READY", scheduledAt: AFTER }, NOW)).toBeNull();
    expect(envelopeCancellationProblem({ status: "DRAFT", scheduledAt: null }, NOW)).toBeNull();
    expect(envelopeCancellationProblem({ status: "READY", scheduledAt: NOW }, NOW)).toMatch(/has passed/);
    expect(envelopeCancellationProblem({ status: "STARTED", scheduledAt: null }, NOW)).toMatch(/only an envelope that has not started/);
    expect(envelopeCancellationProblem({ status: "CANCELED", scheduledAt: AFTER }, NOW)).toMatch(/final/);
  });

  it("cancels a payment of a scheduled envelope while DRAFT or READY, before the date", () => {
    const scheduled = { status: "READY" as const, scheduledAt: AFTER };
    expect(paymentCancellationProblem(scheduled, "DRAFT", NOW)).toBeNull();
    expect(paymentCancellationProblem(scheduled, "READY", NOW)).toBeNull();
    expect(paymentCancellationProblem(scheduled, "CANCELED", NOW)).toMatch(/final/);
    expect(paymentCancellationProblem({ ...scheduled, scheduledAt: BEFORE }, "DRAFT", NOW)).toMatch(/has passed/);
    expect(paymentCancellationProblem(scheduled, "PENDING", NOW)).toMatch(/PENDING/);
  });

  it("keeps the unscheduled rule: READY, or DRAFT in an open envelope", () => {
    expect(paymentCancellationProblem({ status: "STARTED", scheduledAt: null }, "READY", NOW)).toBeNull();
    expect(paymentCancellationProblem({ status: "READY", scheduledAt: null }, "DRAFT", NOW)).toBeNull();
    expect(paymentCancellationProblem({ status: "STARTED", scheduledAt: null }, "PENDING", NOW)).toMatch(/not yet sent/);
  });
});

describe("per-payment tracking", () => {
  const h = (...entries: [PaymentStatusHistoryEntry["status"], string | null, string][]): PaymentStatusHistoryEntry[] =>
    entries.map(([status, status_message, timestamp]) => ({ status, status_message, timestamp }));

  it("ships at the first PENDING and stays shipped", () => {
    expect(shipmentStatus(h(["DRAFT", null, "t0"], ["READY", null, "t1"]))).toEqual({ status: "PENDING", at: null });
    expect(shipmentStatus(h(["READY", null, "t1"], ["PENDING", null, "t2"], ["READY", "requeued", "t3"], ["PENDING", null, "t4"]))).toEqual({
      status: "PROCESSED",
      at: "t2",
    });
  });

  it("replies SUCCESS or FAILURE with the latest time and the failure code and text", () => {
    const failed = h(["PENDING", null, "t2"], ["FAILED", "op_no_trust: the receiver has no trustline", "t3"]);
    expect(replyStatus("FAILED", failed, "op_no_trust: the receiver has no trustline")).toEqual({
      status: "FAILURE",
      at: "t3",
      failureErrorCode: "op_no_trust",
      failureErrorMessage: "the receiver has no trustline",
    });
    expect(replyStatus("SUCCESS", h(["PENDING", null, "t2"], ["SUCCESS", null, "t5"]), null)).toMatchObject({ status: "SUCCESS", at: "t5", failureErrorCode: null });
    expect(replyStatus("PENDING", h(["PENDING", null, "t2"]), null)).toEqual({ status: null, at: null, failureErrorCode: null, failureErrorMessage: null });
    expect(replyStatus("FAILED", h(["FAILED", "timeout", "t9"]), "timeout")).toMatchObject({ failureErrorCode: "payment_failed", failureErrorMessage: "timeout" });
  });

  it("reports cancellation with its time", () => {
    expect(cancellationStatus("CANCELED", h(["DRAFT", null, "t0"], ["CANCELED", "envelope cancelled", "t1"]))).toEqual({ status: "CANCELLED", at: "t1" });
    expect(cancellationStatus("READY", h(["DRAFT", null, "t0"]))).toEqual({ status: "NOT_CANCELLED", at: null });
  });
});
