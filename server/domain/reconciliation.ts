import type { PaymentStatus } from "./disbursement-types";
import type { BankFileFormat, ReconciliationOutcome } from "./rails";

/**
 * Reconciliation of a bank file against the organization's bank payments (docs/rails.md,
 * "Reconciliation"): what each entry means for the payment it names, decided in file order without
 * I/O. server/services/bank-files/import-bank-file.ts reads the payments, calls `reconcileEntries`,
 * and applies the moves set-based through the payment-state writer. Pure: unit-testable and shared.
 */

/** The fields of a reader's entry reconciliation needs (server/rails/bank/formats/statement-types.ts). */
export type ReconEntry = {
  paymentId?: string;
  endToEndId?: string;
  bankReference?: string;
  amount?: string;
  currency?: string;
  direction: "DEBIT" | "CREDIT";
  reversal: boolean;
  returned?: boolean;
  status: "BOOKED" | "PENDING" | "INFO" | "ACCEPTED" | "SETTLED" | "REJECTED" | "CANCELLED";
  statusCode: string;
  reasonCode?: string;
  reasonText?: string;
  bookingDate?: string;
};

/** A payment as reconciliation sees it (only payments routed to a bank connection of the organization). */
export type ReconPayment = {
  id: string;
  status: PaymentStatus;
  /** Exact decimal (numeric text). */
  amount: string;
  /** The currency the bank pays it in: the connection's mapping for its asset, else the asset code. */
  currency: string;
  railDetails: Record<string, unknown> | null;
  failureCode: string | null;
};

/** What an entry asks of its payment. */
export type EntryAction = "SETTLE" | "REJECT" | "ACKNOWLEDGE" | "REVERSE" | "NONE";

/** pain.002 answers about instructions; statements (camt, MT940) report bookings. */
export function entryAction(format: BankFileFormat, entry: Pick<ReconEntry, "direction" | "reversal" | "returned" | "status">): EntryAction {
  if (format === "PAIN002") {
    if (entry.status === "REJECTED" || entry.status === "CANCELLED") return "REJECT";
    // Accepted, pending and even "settlement completed" (ACSC) stay PENDING: only a statement's
    // booking pays a payment, as in the G2P Bridge (docs/rails.md, "Reconciliation").
    return "ACKNOWLEDGE";
  }
  const undoes = entry.direction === "CREDIT" && (entry.reversal || entry.returned === true);
  if (undoes) return "REVERSE";
  const payout = entry.direction === "DEBIT" && !entry.reversal && !entry.returned;
  if (!payout) return "NONE";
  return entry.status === "BOOKED" ? "SETTLE" : "ACKNOWLEDGE";
}

/** Bank references of one booking as different formats print them (MT940 `:61:` keeps only 16 characters). */
export function sameBankReference(a: string, b: string): boolean {
  const x = a.trim().toLowerCase();
  const y = b.trim().toLowerCase();
  if (x === y) return true;
  const [short, long] = x.length <= y.length ? [x, y] : [y, x];
  return short.length >= 8 && long.startsWith(short);
}

/** Exact equality of two non-negative decimal strings ("12.5" = "12.5000000"), without floats. */
export function sameAmount(a: string, b: string): boolean {
  const norm = (v: string) => {
    const [whole = "0", fraction = ""] = v.trim().split(".");
    return `${whole.replace(/^0+(?=\d)/, "")}.${fraction.replace(/0+$/, "")}`;
  };
  return norm(a) === norm(b);
}

/** What a settled payment records of the booking that paid it (railDetails.settlement). */
export type SettlementRecord = { bankReference: string | null; bookingDate: string | null };

export type EntryDecision = { outcome: ReconciliationOutcome; message: string; paymentId: string | null };

/** One status change for the writer; `round` orders several changes of one payment in a file. */
export type PlannedMove = { paymentId: string; from: PaymentStatus; to: PaymentStatus; message: string | null; round: number };

/** The rail details and failure code to write per payment (merged into railDetails). */
export type PlannedDetails = { railDetails: Record<string, unknown>; failureCode?: string | null };

export type ReconciliationPlan = {
  decisions: EntryDecision[];
  moves: PlannedMove[];
  details: Map<string, PlannedDetails>;
};

export type ReconcileOptions = {
  format: BankFileFormat;
  bankFileId: string;
  /** ISO time of the import (replyAt). */
  now: string;
  /** Entry → payment id (the readers' `paymentId`, from EndToEndId / MT940 `/EREF/`). */
  paymentIdOf: (entry: ReconEntry) => string | undefined;
  /**
   * Each entry's decision as soon as it is made (`position`: 0-based, file order); the plan's
   * `decisions` then stays empty. The import stores each entry with its decision right away and lets
   * the entry go, instead of holding 100,000 entries and their decisions at once.
   */
  onDecision?: (decision: EntryDecision, position: number) => void;
};

const NOT_SHIPPED: readonly PaymentStatus[] = ["DRAFT", "READY", "PAUSED"];

/** No rail details yet (shared, never changed: a payment's first patch takes its values object as is). */
const NO_DETAILS: Readonly<Record<string, unknown>> = Object.freeze({});

function reasonWords(entry: ReconEntry, fallback: string): string {
  const text = entry.reasonText?.trim();
  if (text) return text;
  return entry.reasonCode ? `${fallback} (reason code ${entry.reasonCode}).` : `${fallback}.`;
}

/**
 * Decide every entry in file order. `payments` holds the payments the file can touch (routed to a
 * bank connection of the organization, and to the file's connection when it names one); any other
 * reference is UNMATCHED. A payment changed by an earlier entry of the same file is seen in its new
 * state by later ones, so a booking then a reversal in one statement ends FAILED, and a second
 * booking of one payment is a DUPLICATE.
 */
export function reconcileEntries(entries: readonly ReconEntry[], payments: ReadonlyMap<string, ReconPayment>, options: ReconcileOptions): ReconciliationPlan {
  const decisions: EntryDecision[] = [];
  const moves: PlannedMove[] = [];
  const details = new Map<string, PlannedDetails>();
  /** The payment's state as the file has left it so far. */
  const state = new Map<string, { status: PaymentStatus; railDetails: Record<string, unknown>; failureCode: string | null; rounds: number; settledInFile: boolean }>();

  entries.forEach((entry, position) => {
    const entryIndex = position + 1;
    const action = entryAction(options.format, entry);
    const paymentId = options.paymentIdOf(entry) ?? null;
    const reference = entry.endToEndId?.trim() || null;
    const decide = (outcome: ReconciliationOutcome, message: string, id: string | null = paymentId) => {
      if (options.onDecision) options.onDecision({ outcome, message, paymentId: id }, position);
      else decisions.push({ outcome, message, paymentId: id });
    };

    if (!paymentId) {
      decide(
        "UNMATCHED",
        reference && reference.toUpperCase() !== "NOTPROVIDED"
          ? `The reference "${reference}" is not a payment reference this platform wrote.`
          : "The entry carries no payment reference (EndToEndId or /EREF/).",
        null,
      );
      return;
    }
    const payment = payments.get(paymentId);
    if (!payment) {
      decide("UNMATCHED", `No payment ${paymentId} sent through a bank connection of this organization${reference ? ` (reference ${reference})` : ""}.`, null);
      return;
    }
    if (action === "NONE") {
      decide("UNMATCHED", "This credit is neither a reversal nor a return of a payout: nothing to reconcile.", null);
      return;
    }
    if (entry.amount !== undefined) {
      const currencyDiffers = entry.currency !== undefined && entry.currency.toUpperCase() !== payment.currency.toUpperCase();
      if (currencyDiffers || !sameAmount(entry.amount, payment.amount)) {
        decide(
          "AMOUNT_MISMATCH",
          `The bank reports ${entry.amount} ${entry.currency ?? ""}`.trimEnd() +
            `; the payment is ${trimAmount(payment.amount)} ${payment.currency}. Its status is unchanged.`,
        );
        return;
      }
    }

    let s = state.get(paymentId);
    if (!s) {
      // railDetails objects are never changed in place (patch below builds new ones), so they are shared, not copied.
      s = { status: payment.status, railDetails: payment.railDetails ?? NO_DETAILS, failureCode: payment.failureCode, rounds: 0, settledInFile: false };
      state.set(paymentId, s);
    }
    const current = s;
    const patch = (values: Record<string, unknown>, failureCode?: string | null) => {
      current.railDetails = current.railDetails === NO_DETAILS ? values : { ...current.railDetails, ...values };
      const d = details.get(paymentId) ?? { railDetails: NO_DETAILS };
      d.railDetails = d.railDetails === NO_DETAILS ? values : { ...d.railDetails, ...values };
      if (failureCode !== undefined) {
        d.failureCode = failureCode;
        current.failureCode = failureCode;
      }
      details.set(paymentId, d);
    };
    const move = (to: PaymentStatus, message: string | null) => {
      moves.push({ paymentId, from: current.status, to, message, round: current.rounds });
      current.rounds += 1;
      current.status = to;
    };
    const reply = {
      replyStatus: entry.statusCode,
      replyAt: options.now,
      bankFileId: options.bankFileId,
      entryIndex,
      ...(entry.bankReference ? { bankReference: entry.bankReference } : {}),
      ...(entry.bookingDate ? { bookingDate: entry.bookingDate } : {}),
    };
    const notShipped = () => decide("INVALID_STATE", `The payment is ${current.status}: it has not been sent to the bank, so the bank cannot have answered for it.`);

    switch (action) {
      case "ACKNOWLEDGE": {
        if (NOT_SHIPPED.includes(current.status) || current.status === "CANCELED") return notShipped();
        if (current.status !== "PENDING") {
          decide("ALREADY_APPLIED", `The payment is already ${current.status}; the bank's ${entry.statusCode} changes nothing.`);
          return;
        }
        if (current.railDetails.replyStatus === entry.statusCode) {
          decide("ALREADY_APPLIED", `The bank's ${entry.statusCode} was already recorded; the payment stays PENDING.`);
          return;
        }
        patch(reply);
        decide("MATCHED", `The bank reports ${entry.statusCode}; the payment stays PENDING until a statement books it.`);
        return;
      }
      case "REJECT": {
        if (NOT_SHIPPED.includes(current.status) || current.status === "CANCELED") return notShipped();
        if (current.status === "FAILED") {
          decide("ALREADY_APPLIED", "The payment has already failed; the rejection changes nothing.");
          return;
        }
        if (current.status === "SUCCESS") {
          decide("INVALID_STATE", "The payment is already paid (SUCCESS); a rejection after payment needs a person to check with the bank.");
          return;
        }
        const words = reasonWords(entry, "The bank rejected the payment");
        patch({ ...reply, ...(entry.reasonCode ? { replyReason: entry.reasonCode } : {}) }, entry.reasonCode ?? entry.statusCode);
        move("FAILED", words);
        decide("MATCHED", `Rejected by the bank: ${words}`);
        return;
      }
      case "SETTLE": {
        if (NOT_SHIPPED.includes(current.status) || current.status === "CANCELED") return notShipped();
        if (current.status === "SUCCESS") {
          const settled = current.railDetails.settlement as SettlementRecord | undefined;
          const same =
            !current.settledInFile &&
            (!settled ||
              (settled.bankReference && entry.bankReference
                ? sameBankReference(settled.bankReference, entry.bankReference)
                : (settled.bookingDate ?? null) === (entry.bookingDate ?? null)));
          if (same) decide("ALREADY_APPLIED", "The payment is already paid by this booking; nothing changed.");
          else
            decide(
              "DUPLICATE",
              `A second booking for a payment already paid${settled?.bankReference ? ` by bank reference ${settled.bankReference}` : ""}${settled?.bookingDate ? ` on ${settled.bookingDate}` : ""}: check with the bank whether it paid twice.`,
            );
          return;
        }
        if (current.status === "FAILED") {
          decide("INVALID_STATE", "The payment has failed, yet the bank booked it: check with the bank before retrying it.");
          return;
        }
        // What identifies this booking later (ALREADY_APPLIED vs DUPLICATE); the file and entry are in `reply`.
        const settlement: SettlementRecord = { bankReference: entry.bankReference ?? null, bookingDate: entry.bookingDate ?? null };
        // A payment retried after an earlier failure and now booked keeps no stale failure code.
        patch({ ...reply, settlement }, null);
        current.settledInFile = true;
        move("SUCCESS", null);
        decide("MATCHED", `Booked by the bank${entry.bookingDate ? ` on ${entry.bookingDate}` : ""}: the payment is paid.`);
        return;
      }
      case "REVERSE": {
        if (NOT_SHIPPED.includes(current.status) || current.status === "CANCELED") return notShipped();
        if (current.status === "FAILED") {
          const reversed = current.railDetails.reversal as { bankReference?: string | null } | undefined;
          if (reversed?.bankReference && entry.bankReference && !sameBankReference(reversed.bankReference, entry.bankReference)) {
            decide("DUPLICATE", `A second reversal for a payment already reversed by bank reference ${reversed.bankReference}: check with the bank.`);
          } else decide("ALREADY_APPLIED", "The payment has already failed; the reversal changes nothing.");
          return;
        }
        const words = reasonWords(entry, entry.returned ? "The bank returned the payment" : "The bank reversed the payment");
        patch(
          {
            ...reply,
            ...(entry.reasonCode ? { replyReason: entry.reasonCode } : {}),
            reversal: {
              bankFileId: options.bankFileId,
              entryIndex,
              bankReference: entry.bankReference ?? null,
              bookingDate: entry.bookingDate ?? null,
              reasonCode: entry.reasonCode ?? null,
            },
          },
          entry.reasonCode ?? (entry.returned ? "RETURNED" : "REVERSED"),
        );
        const wasPaid = current.status === "SUCCESS";
        move("FAILED", words);
        decide("MATCHED", `${wasPaid ? "A paid payment was reversed" : "The payment was returned before it was booked"}: ${words}`);
        return;
      }
    }
  });
  return { decisions, moves, details };
}

function trimAmount(amount: string): string {
  return amount.includes(".") ? amount.replace(/0+$/, "").replace(/\.$/, "") : amount;
}

/** Outcomes staff must look at (the reconciliation page's exceptions). */
export const EXCEPTION_OUTCOMES: readonly ReconciliationOutcome[] = ["UNMATCHED", "DUPLICATE", "AMOUNT_MISMATCH", "INVALID_STATE"];

export function isException(outcome: ReconciliationOutcome): boolean {
  return EXCEPTION_OUTCOMES.includes(outcome);
}

export const OUTCOME_LABELS: Record<ReconciliationOutcome, string> = {
  MATCHED: "Matched",
  ALREADY_APPLIED: "Already applied",
  UNMATCHED: "Unmatched",
  DUPLICATE: "Duplicate",
  AMOUNT_MISMATCH: "Amount mismatch",
  INVALID_STATE: "Invalid state",
};
