import type { DisbursementStatus, PaymentStatus, PaymentStatusHistoryEntry } from "../disbursement-types";
import { displayAmount, formatStroops } from "../money";

/**
 * OpenG2P G2P Bridge envelope rules (docs/domain.md#g2p-connect-and-g2p-bridge), pure. An envelope (a
 * disbursement) may declare how many payments it will hold, their total and a schedule date. Payments are
 * accepted only while the received count and amount stay within the declared ones; processing starts only
 * when they are equal and the schedule date has come; cancelling the envelope or one payment is allowed
 * only before the schedule date (and before processing started) and is final.
 *
 * "Received" counts every payment ever accepted, cancelled ones included: cancelling does not
 * reopen room in the envelope (a sender replaces a cancelled item with a new reference_id only if
 * it declared room for it).
 */
export type EnvelopeState = {
  status: DisbursementStatus;
  declaredCount: number | null;
  declaredTotalStroops: bigint | null;
  scheduledAt: Date | null;
  receivedCount: number;
  receivedTotalStroops: bigint;
};

export type EnvelopeProblem = { field: "count" | "total" | "schedule" | "status"; message: string };

const OPEN_STATUSES: readonly DisbursementStatus[] = ["DRAFT", "READY"];

/** Why `count` more payments worth `stroops` cannot be added now, or null if they can. */
export function envelopeAdmissionProblem(env: EnvelopeState, count: number, stroops: bigint): EnvelopeProblem | null {
  if (!OPEN_STATUSES.includes(env.status)) {
    return { field: "status", message: `The envelope is ${env.status} and accepts no more payments.` };
  }
  if (env.declaredCount !== null && env.receivedCount + count > env.declaredCount) {
    return {
      field: "count",
      message: `The envelope declares ${env.declaredCount} payments and has received ${env.receivedCount}; ${count} more would exceed it.`,
    };
  }
  if (env.declaredTotalStroops !== null && env.receivedTotalStroops + stroops > env.declaredTotalStroops) {
    return {
      field: "total",
      message: `The envelope declares a total of ${formatStroops(env.declaredTotalStroops)} and has received ${formatStroops(env.receivedTotalStroops)}; ${formatStroops(stroops)} more would exceed it.`,
    };
  }
  return null;
}

/**
 * Why a whole instructions file cannot fill the envelope, or null. A file replaces every payment
 * of the disbursement, so it is measured alone (nothing counts as received before it); the message
 * names the file's values against the declared ones.
 */
export function fileAdmissionProblem(
  env: Pick<EnvelopeState, "status" | "declaredCount" | "declaredTotalStroops">,
  fileCount: number,
  fileStroops: bigint,
): EnvelopeProblem | null {
  const problem = envelopeAdmissionProblem({ ...env, scheduledAt: null, receivedCount: 0, receivedTotalStroops: 0n }, fileCount, fileStroops);
  if (!problem || problem.field === "status") return problem;
  if (problem.field === "count") {
    return {
      field: "count",
      message: `The file has ${fileCount} ${fileCount === 1 ? "payment" : "payments"}; this disbursement declares ${env.declaredCount} at most.`,
    };
  }
  return {
    field: "total",
    message: `The file's payments total ${displayAmount(formatStroops(fileStroops))}; this disbursement declares a total of ${displayAmount(formatStroops(env.declaredTotalStroops ?? 0n))}.`,
  };
}

/** True when the envelope has received exactly what it declared (undeclared parts always match). */
export function envelopeComplete(env: EnvelopeState): boolean {
  if (env.receivedCount === 0) return false;
  if (env.declaredCount !== null && env.receivedCount !== env.declaredCount) return false;
  if (env.declaredTotalStroops !== null && env.receivedTotalStroops !== env.declaredTotalStroops) return false;
  return true;
}

export function envelopeDue(env: Pick<EnvelopeState, "scheduledAt">, now: Date): boolean {
  return env.scheduledAt === null || env.scheduledAt.getTime() <= now.getTime();
}

/** Why processing cannot start now, with its error reason (docs/errors.md), or null: complete and due. */
export function envelopeStartBlock(env: EnvelopeState, now: Date): { reason: "ENVELOPE_INCOMPLETE" | "ENVELOPE_NOT_DUE"; message: string } | null {
  if (env.declaredCount !== null && env.receivedCount !== env.declaredCount) {
    return { reason: "ENVELOPE_INCOMPLETE", message: `The envelope has received ${env.receivedCount} of the ${env.declaredCount} payments it declares.` };
  }
  if (env.declaredTotalStroops !== null && env.receivedTotalStroops !== env.declaredTotalStroops) {
    return {
      reason: "ENVELOPE_INCOMPLETE",
      message: `The envelope has received ${formatStroops(env.receivedTotalStroops)} of the ${formatStroops(env.declaredTotalStroops)} it declares.`,
    };
  }
  if (!envelopeDue(env, now) && env.scheduledAt) {
    return { reason: "ENVELOPE_NOT_DUE", message: `The envelope is scheduled for ${env.scheduledAt.toISOString()}; it cannot start before then.` };
  }
  return null;
}

/** Why processing cannot start now, or null: complete and due. */
export function envelopeStartProblem(env: EnvelopeState, now: Date): string | null {
  return envelopeStartBlock(env, now)?.message ?? null;
}

/** Why the whole envelope cannot be cancelled now, or null. */
export function envelopeCancellationProblem(env: Pick<EnvelopeState, "status" | "scheduledAt">, now: Date): string | null {
  if (env.status === "CANCELED") return "The envelope is already cancelled; cancellation is final.";
  if (!OPEN_STATUSES.includes(env.status)) return `The envelope is ${env.status}; only an envelope that has not started can be cancelled.`;
  if (env.scheduledAt && env.scheduledAt.getTime() <= now.getTime()) {
    return `The schedule date ${env.scheduledAt.toISOString()} has passed; the envelope can no longer be cancelled.`;
  }
  return null;
}

/** Why one payment of an envelope cannot be cancelled now, or null. */
export function paymentCancellationProblem(env: Pick<EnvelopeState, "status" | "scheduledAt">, paymentStatus: PaymentStatus, now: Date): string | null {
  if (paymentStatus === "CANCELED") return "The payment is already cancelled; cancellation is final.";
  if (env.scheduledAt && env.scheduledAt.getTime() <= now.getTime()) {
    return `The schedule date ${env.scheduledAt.toISOString()} has passed; the payment can no longer be cancelled.`;
  }
  if (env.scheduledAt) {
    // Before the schedule date nothing has been sent: DRAFT (not started) or READY.
    return paymentStatus === "DRAFT" || paymentStatus === "READY" ? null : `The payment is ${paymentStatus} and cannot be cancelled.`;
  }
  return paymentStatus === "READY" || (paymentStatus === "DRAFT" && OPEN_STATUSES.includes(env.status))
    ? null
    : `Only payments not yet sent can be cancelled; this one is ${paymentStatus}.`;
}

/* ---------------------------------------------------------------- per-payment tracking */

export type ShipmentStatus = { status: "PENDING" | "PROCESSED"; at: string | null };
export type ReplyStatus = {
  status: "SUCCESS" | "FAILURE" | null;
  at: string | null;
  failureErrorCode: string | null;
  failureErrorMessage: string | null;
};
export type CancellationStatus = { status: "NOT_CANCELLED" | "CANCELLED"; at: string | null };

/** Shipment to the rail: PROCESSED once the payment was first submitted (its first PENDING). */
export function shipmentStatus(history: readonly PaymentStatusHistoryEntry[]): ShipmentStatus {
  const sent = history.find((h) => h.status === "PENDING");
  return sent ? { status: "PROCESSED", at: sent.timestamp } : { status: "PENDING", at: null };
}

/** Reply from the rail: SUCCESS or FAILURE with time and failure details, from the payment's own status. */
export function replyStatus(status: PaymentStatus, history: readonly PaymentStatusHistoryEntry[], statusMessage: string | null): ReplyStatus {
  const last = [...history].reverse().find((h) => h.status === status);
  if (status === "SUCCESS") return { status: "SUCCESS", at: last?.timestamp ?? null, failureErrorCode: null, failureErrorMessage: null };
  if (status === "FAILED") {
    return { status: "FAILURE", at: last?.timestamp ?? null, failureErrorCode: failureCode(statusMessage), failureErrorMessage: failureText(statusMessage) };
  }
  return { status: null, at: null, failureErrorCode: null, failureErrorMessage: null };
}

export function cancellationStatus(status: PaymentStatus, history: readonly PaymentStatusHistoryEntry[]): CancellationStatus {
  if (status !== "CANCELED") return { status: "NOT_CANCELLED", at: null };
  const at = [...history].reverse().find((h) => h.status === "CANCELED")?.timestamp ?? null;
  return { status: "CANCELLED", at };
}

/** The result code the engine puts first in a failure message (`op_no_trust: …`), if any. */
export function failureCode(statusMessage: string | null): string | null {
  const match = /^([a-z][a-z_]*):/.exec(statusMessage ?? "");
  return match?.[1] ?? (statusMessage ? "payment_failed" : null);
}

/** A failure message without its leading result code, for people. */
export function failureText(statusMessage: string | null): string | null {
  return statusMessage?.replace(/^[a-z][a-z_]*:\s*/, "") ?? null;
}
