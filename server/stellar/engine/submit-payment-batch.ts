import { eq } from "drizzle-orm";
import type { FeeBumpTransaction } from "@stellar/stellar-sdk";
import { stellarAccounts } from "@/db/schema";
import { findTransaction, loadAccountState, submitEnvelope, type LandedTransaction, type SubmitOutcome } from "../horizon";
import { decodeTransactionResult, effectiveTxCode } from "../result-codes";
import type { EngineContext } from "./context";
import { backoffMs, deferTransaction, markSubmitting, settleExpired, settleFailedOperations, settleLanded, settleRejected } from "./settle-transaction";

/** What submission and its follow-up need to know about a stored transaction. */
export type OpenTransaction = {
  id: string;
  hash: string;
  sequence: bigint;
  channelAccountId: string;
  attempts: number;
};

/** Refusals that say "not now": the same envelope may still be accepted later (until its bounds pass). */
const TRANSIENT_CODES = new Set(["tx_too_early", "tx_insufficient_fee", "tx_internal_error", "TRY_AGAIN_LATER"]);

/**
 * Send a stored transaction (the exact stored envelope) and act on the answer. Safe to call again
 * for the same transaction at any time: the ledger applies an envelope at most once.
 */
export async function submitPaymentTransaction(ctx: EngineContext, t: OpenTransaction & { envelopeXdr: string }): Promise<void> {
  if (!(await markSubmitting(ctx, t.id))) return; // settled meanwhile
  const outcome = await submitEnvelope(ctx.config.horizonUrl, storedEnvelope(t.envelopeXdr));
  await applySubmitOutcome(ctx, { ...t, attempts: t.attempts + 1 }, outcome);
}

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

/** A landed transaction with its paging token (needed for operation ids), fetched when the answer lacked it. */
async function withPagingToken(ctx: EngineContext, landed: LandedTransaction): Promise<LandedTransaction> {
  if (!landed.successful || landed.pagingToken) return landed;
  const found = await findTransaction(ctx.config.horizonUrl, landed.hash).catch(() => null);
  return found ?? landed;
}

export async function applySubmitOutcome(ctx: EngineContext, t: OpenTransaction, outcome: SubmitOutcome): Promise<void> {
  if (outcome.kind === "landed") {
    await settleLanded(ctx, t.id, await withPagingToken(ctx, outcome.landed));
    return;
  }
  if (outcome.kind === "unknown") {
    // 504 (may still apply), 429, 5xx, network: keep the hash and look it up soon.
    ctx.log.debug({ event: "stellar.tx.no_answer", hash: t.hash, reason: outcome.reason }, "no definite answer; will reconcile");
    await deferTransaction(ctx, t.id, outcome.reason, outcome.status === 504 ? 1_000 : backoffMs(t.attempts));
    return;
  }

  const code = effectiveTxCode(outcome.codes);
  if (code === "tx_failed") {
    // Applied, with failed operations (a fee bump's codes are under inner_transaction).
    const operations = outcome.codes.inner_transaction?.operations ?? outcome.codes.operations ?? (outcome.resultXdr ? safeOperations(outcome.resultXdr) : null);
    await settleFailedOperations(ctx, t.id, operations ?? null, outcome.resultXdr);
    return;
  }
  if (TRANSIENT_CODES.has(code)) {
    await deferTransaction(ctx, t.id, code, backoffMs(t.attempts));
    return;
  }

  // Before concluding anything from a refusal, make sure it did not land earlier (a resubmission).
  const landed = await findTransaction(ctx.config.horizonUrl, t.hash).catch(() => undefined);
  if (landed === undefined) {
    await deferTransaction(ctx, t.id, `${code}; lookup failed`, backoffMs(t.attempts));
    return;
  }
  if (landed) {
    await settleLanded(ctx, t.id, await withPagingToken(ctx, landed));
    return;
  }

  if (code === "tx_bad_seq") {
    await handleBadSequence(ctx, t);
    return;
  }
  if (code === "tx_too_late") {
    // Its bounds have passed: it can never be included.
    await settleExpired(ctx, t.id, "tx_too_late");
    return;
  }
  if (code === "tx_no_source_account") {
    // The channel is gone (a reset ledger): stop using it; the transaction expires with its bounds.
    const [row] = await ctx.db.select({ pk: stellarAccounts.publicKey }).from(stellarAccounts).where(eq(stellarAccounts.id, t.channelAccountId));
    await ctx.db.update(stellarAccounts).set({ activatedAt: null, updatedAt: new Date() }).where(eq(stellarAccounts.id, t.channelAccountId));
    ctx.log.warn({ event: "stellar.channel_missing", channel: row?.pk }, "a channel account is missing on the ledger");
    await deferTransaction(ctx, t.id, code, 2_000);
    return;
  }
  await settleRejected(ctx, t.id, code, outcome.resultXdr);
}

function safeOperations(resultXdr: string): string[] | null {
  try {
    return decodeTransactionResult(resultXdr).operations;
  } catch {
    return null;
  }
}

/**
 * `tx_bad_seq`: if the channel's sequence number already reached this transaction's, the transaction
 * can never be applied (and was not: the hash lookup came back empty), so it expires now and its
 * payments are rebuilt with a fresh sequence number. Otherwise wait: it may still become valid.
 */
async function handleBadSequence(ctx: EngineContext, t: OpenTransaction) {
  const [channel] = await ctx.db.select().from(stellarAccounts).where(eq(stellarAccounts.id, t.channelAccountId));
  if (!channel) return;
  const state = await loadAccountState(ctx.config.horizonUrl, channel.publicKey).catch(() => undefined);
  if (state === undefined) {
    await deferTransaction(ctx, t.id, "tx_bad_seq; channel lookup failed", backoffMs(t.attempts));
    return;
  }
  // Look the hash up again AFTER reading the sequence: had it landed in between, it is found now.
  const landed = await findTransaction(ctx.config.horizonUrl, t.hash).catch(() => undefined);
  if (landed) {
    await settleLanded(ctx, t.id, await withPagingToken(ctx, landed));
    return;
  }
  if (landed === null && state && state.sequence >= t.sequence) {
    await settleExpired(ctx, t.id, "tx_bad_seq");
    return;
  }
  await deferTransaction(ctx, t.id, "tx_bad_seq", backoffMs(t.attempts));
}
