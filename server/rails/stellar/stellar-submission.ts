import { FeeBumpTransaction, TransactionBuilder } from "@stellar/stellar-sdk";
import { findTransaction, latestLedger, loadAccountState, submitEnvelope, type LandedTransaction } from "@/server/stellar/horizon";
import { decodeTransactionResult, effectiveTxCode, failureMessage } from "@/server/stellar/result-codes";
import type { RailOutcome, RailPayment } from "../payment-rail";

/**
 * The Stellar rail's `submit` and `lookup` (docs/rails.md "The seam"): send a stored, signed fee-bump
 * envelope byte for byte, and find out by its hash what became of it. Every answer is turned into one
 * outcome per payment (operation order = the order of `payments`):
 *
 * - SUCCESS: the transaction is in a ledger and succeeded;
 * - FAILED: in a ledger with this payment's operation failed (`op_no_trust`, …), or refused for good
 *   (`tx_bad_auth`, …) with the code;
 * - UNKNOWN: it can never pay this payment — its bounds passed, its sequence number was used, or it
 *   landed as `tx_failed` because ANOTHER operation failed (operations are atomic): pay again in a new
 *   transaction;
 * - PENDING: no definite answer (no reply, a transient refusal, still within its bounds): ask again.
 *
 * `details` carry the transaction's facts the engine stores (hash, ledger, paging token, result XDR,
 * the code, the operation index). No database here: the engine (engine/) stores before and settles after.
 */

/** How the transaction stands, in every outcome's details. */
export type StellarTransactionState =
  /** In a ledger, successful. */
  | "SUCCESS"
  /** In a ledger as `tx_failed`: the failing operations' payments FAILED, the others UNKNOWN. */
  | "FAILED_OPERATIONS"
  /** Refused for good: every payment FAILED with the code. */
  | "REJECTED"
  /** Can never land (bounds passed, sequence used, invalid inner transaction in a ledger): every payment UNKNOWN. */
  | "EXPIRED"
  /** No definite answer (no reply, a transient refusal, still within its bounds): every payment PENDING. */
  | "NO_ANSWER"
  /** The channel account is gone from the ledger: every payment PENDING; the transaction expires with its bounds. */
  | "CHANNEL_MISSING";

export type StellarOutcomeDetails = {
  hash: string;
  transaction: StellarTransactionState;
  opIndex: number;
  /** The transaction's (or this operation's) result code, or why there is no answer. */
  code?: string | null;
  ledger?: number | null;
  pagingToken?: string | null;
  resultXdr?: string | null;
  /** For PENDING: when to ask again (ms), when the answer suggests a time. */
  retryAfterMs?: number;
};

/** Refusals that say "not now": the same envelope may still be accepted later (until its bounds pass). */
const TRANSIENT_CODES = new Set(["tx_too_early", "tx_insufficient_fee", "tx_internal_error", "TRY_AGAIN_LATER"]);

type Named = Pick<RailPayment, "paymentId" | "reference">;

/**
 * The stored envelope as the SDK's submitTransaction reads it: it only asks `toEnvelope()` for its
 * base64 XDR (memo checks are skipped by submitEnvelope). Decoding the stored envelope into an SDK
 * transaction object only to have it encoded again cost milliseconds of CPU per 99-payment
 * transaction; this sends the stored bytes as they are.
 */
export function storedEnvelope(envelopeXdr: string): FeeBumpTransaction {
  const xdrOf = (format?: string) => (format === undefined || format === "base64" ? envelopeXdr : Buffer.from(envelopeXdr, "base64"));
  return { toEnvelope: () => ({ toXdr: xdrOf, toXDR: xdrOf }) } as unknown as FeeBumpTransaction;
}

/** What a stored fee-bump envelope says about itself: its channel (inner source), sequence number and bounds. */
export function envelopeFacts(envelopeXdr: string, passphrase: string): { channel: string; sequence: bigint; maxLedger: number | null; maxTime: number | null } {
  const parsed = TransactionBuilder.fromXDR(envelopeXdr, passphrase);
  const inner = parsed instanceof FeeBumpTransaction ? parsed.innerTransaction : parsed;
  const maxTime = Number(inner.timeBounds?.maxTime ?? 0);
  const maxLedger = inner.ledgerBounds?.maxLedger ?? 0;
  return { channel: inner.source, sequence: BigInt(inner.sequence), maxLedger: maxLedger > 0 ? maxLedger : null, maxTime: maxTime > 0 ? maxTime : null };
}

function each(payments: readonly Named[], status: "SUCCESS" | "PENDING" | "UNKNOWN", details: Omit<StellarOutcomeDetails, "opIndex">): RailOutcome[] {
  return payments.map((p, opIndex) => ({ paymentId: p.paymentId, status, details: { ...details, opIndex } }));
}

function safeDecode(resultXdr: string | null) {
  if (!resultXdr) return null;
  try {
    return decodeTransactionResult(resultXdr);
  } catch {
    return null;
  }
}

/** Applied as `tx_failed`: the failing operations' payments FAILED with their code, the others UNKNOWN (pay again); no operation to blame: all FAILED. */
function failedOperations(payments: readonly Named[], hash: string, codes: readonly string[] | null, resultXdr: string | null, ledger: number | null): RailOutcome[] {
  const blamed = (codes ?? []).some((c) => c !== "op_success");
  return payments.map((p, opIndex): RailOutcome => {
    const code = codes?.[opIndex];
    const details: StellarOutcomeDetails = { hash, transaction: "FAILED_OPERATIONS", opIndex, code: code ?? "tx_failed", ledger, resultXdr };
    if (!blamed)
      return {
        paymentId: p.paymentId,
        status: "FAILED",
        code: "tx_failed",
        message: failureMessage("tx_failed", "the asset"),
        details: { ...details, code: "tx_failed" },
      };
    if (code && code !== "op_success") return { paymentId: p.paymentId, status: "FAILED", code, message: failureMessage(code, "the asset"), details };
    return { paymentId: p.paymentId, status: "UNKNOWN", details };
  });
}

/** A transaction found in a ledger. */
export function landedOutcomes(payments: readonly Named[], landed: LandedTransaction): RailOutcome[] {
  if (landed.successful) {
    return each(payments, "SUCCESS", {
      hash: landed.hash,
      transaction: "SUCCESS",
      code: "tx_success",
      ledger: landed.ledger || null,
      pagingToken: landed.pagingToken,
      resultXdr: landed.resultXdr || null,
    });
  }
  const decoded = safeDecode(landed.resultXdr);
  if (decoded && decoded.code !== "tx_failed") {
    // A fee bump whose inner transaction was invalid when the ledger applied it (e.g. tx_bad_seq):
    // in the ledger, so it can never apply again, and nothing of it was paid.
    return each(payments, "UNKNOWN", { hash: landed.hash, transaction: "EXPIRED", code: `${decoded.outerCode}/${decoded.code}` });
  }
  return failedOperations(payments, landed.hash, decoded?.operations ?? null, landed.resultXdr, landed.ledger);
}

/** A landed transaction with its paging token (needed for operation ids), fetched when the answer lacked it. */
async function withPagingToken(url: string, landed: LandedTransaction): Promise<LandedTransaction> {
  if (!landed.successful || landed.pagingToken) return landed;
  const found = await findTransaction(url, landed.hash).catch(() => null);
  return found ?? landed;
}

const pending = (payments: readonly Named[], hash: string, code: string, retryAfterMs?: number, transaction: StellarTransactionState = "NO_ANSWER") =>
  each(payments, "PENDING", { hash, transaction, code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) });

/**
 * `submit`: send the stored envelope (hash = `reference`) and classify the answer. Safe to call again
 * for the same envelope at any time: the ledger applies an envelope at most once. Before concluding
 * anything from a refusal, the hash is looked up (it may have landed through an earlier submission).
 */
export async function submitStellarEnvelope(url: string, passphrase: string, hash: string, envelopeXdr: string, payments: readonly Named[]): Promise<RailOutcome[]> {
  const outcome = await submitEnvelope(url, storedEnvelope(envelopeXdr));
  if (outcome.kind === "landed") return landedOutcomes(payments, await withPagingToken(url, outcome.landed));
  // 504 (may still apply), 429, 5xx, network: keep the hash and look it up soon.
  if (outcome.kind === "unknown") return pending(payments, hash, outcome.reason, outcome.status === 504 ? 1_000 : undefined);

  const code = effectiveTxCode(outcome.codes);
  if (code === "tx_failed") {
    // Applied, with failed operations (a fee bump's codes are under inner_transaction).
    const operations = outcome.codes.inner_transaction?.operations ?? outcome.codes.operations ?? safeDecode(outcome.resultXdr)?.operations ?? null;
    return failedOperations(payments, hash, operations, outcome.resultXdr, null);
  }
  if (TRANSIENT_CODES.has(code)) return pending(payments, hash, code);

  const landed = await findTransaction(url, hash).catch(() => undefined);
  if (landed === undefined) return pending(payments, hash, `${code}; lookup failed`);
  if (landed) return landedOutcomes(payments, await withPagingToken(url, landed));

  if (code === "tx_bad_seq") return badSequence(url, passphrase, hash, envelopeXdr, payments);
  // Its bounds have passed: it can never be included.
  if (code === "tx_too_late") return each(payments, "UNKNOWN", { hash, transaction: "EXPIRED", code });
  // The channel is gone (a reset ledger): the transaction expires with its bounds.
  if (code === "tx_no_source_account") return pending(payments, hash, code, 2_000, "CHANNEL_MISSING");
  return payments.map((p, opIndex) => ({
    paymentId: p.paymentId,
    status: "FAILED",
    code,
    message: failureMessage(code, "the asset"),
    details: { hash, transaction: "REJECTED", opIndex, code, resultXdr: outcome.resultXdr } satisfies StellarOutcomeDetails,
  }));
}

/**
 * `tx_bad_seq`: if the channel's sequence number already reached this transaction's, it can never be
 * applied (and was not: the hash lookup came back empty) — UNKNOWN, pay again with a fresh sequence
 * number. Otherwise it may still become valid: PENDING.
 */
async function badSequence(url: string, passphrase: string, hash: string, envelopeXdr: string, payments: readonly Named[]): Promise<RailOutcome[]> {
  const facts = envelopeFacts(envelopeXdr, passphrase);
  const state = await loadAccountState(url, facts.channel).catch(() => undefined);
  if (state === undefined) return pending(payments, hash, "tx_bad_seq; channel lookup failed");
  // Look the hash up again AFTER reading the sequence: had it landed in between, it is found now.
  const landed = await findTransaction(url, hash).catch(() => undefined);
  if (landed) return landedOutcomes(payments, await withPagingToken(url, landed));
  if (landed === null && state && state.sequence >= facts.sequence) return each(payments, "UNKNOWN", { hash, transaction: "EXPIRED", code: "tx_bad_seq" });
  return pending(payments, hash, "tx_bad_seq");
}

/**
 * `lookup` by the stored hash: in a ledger → its outcomes; not found and the latest ledger is past
 * the envelope's ledger bound or closed after its time bound → UNKNOWN (it can never land); not found
 * and still valid → PENDING. The latest ledger is read BEFORE the lookup, so a transaction that landed
 * is always seen.
 */
export async function lookupStellarTransaction(
  url: string,
  passphrase: string,
  hash: string,
  envelopeXdr: string | null,
  payments: readonly Named[],
): Promise<RailOutcome[]> {
  const latest = await latestLedger(url);
  const landed = await findTransaction(url, hash);
  if (landed) {
    const settled = landed.successful && !landed.pagingToken ? ((await findTransaction(url, hash)) ?? landed) : landed;
    return landedOutcomes(payments, settled);
  }
  const facts = envelopeXdr ? envelopeFacts(envelopeXdr, passphrase) : null;
  if (facts && ((facts.maxLedger !== null && latest.sequence >= facts.maxLedger) || (facts.maxTime !== null && latest.closedAt.getTime() > facts.maxTime * 1000))) {
    return each(payments, "UNKNOWN", { hash, transaction: "EXPIRED", code: `bounds passed (ledger ${latest.sequence}, max ${facts.maxLedger})` });
  }
  return pending(payments, hash, "not in a ledger yet", undefined);
}
