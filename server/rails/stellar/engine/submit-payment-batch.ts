import { eq, sql } from "drizzle-orm";
import { stellarAccounts } from "@/db/schema";
import type { PaymentRail, RailConnection, RailOutcome } from "../../payment-rail";
import { createStellarRail } from "../stellar-rail";
import type { StellarOutcomeDetails } from "../stellar-submission";
import type { EngineContext } from "./context";
import { backoffMs, deferTransaction, markSubmitting, settleExpired, settleFailedOperations, settleLanded, settleRejected } from "./settle-transaction";

/** What submission and its follow-up need to know about a stored transaction. */
export type OpenTransaction = {
  id: string;
  orgId: string;
  hash: string;
  sequence: bigint;
  channelAccountId: string;
  attempts: number;
};

/**
 * The rail this engine pays through: the Stellar rail's `submit` and `lookup` (server/rails/stellar/
 * stellar-rail.ts) on this engine's network. Every envelope leaves through the port.
 */
const rails = new WeakMap<EngineContext, PaymentRail>();
export function railOf(ctx: EngineContext): PaymentRail {
  if (ctx.rail) return ctx.rail;
  let rail = rails.get(ctx);
  if (!rail) {
    rail = createStellarRail({ config: () => ctx.config });
    rails.set(ctx, rail);
  }
  return rail;
}

/** The connection as the port takes it: the Stellar rail sends on the operator's network and needs nothing else of it. */
export function engineConnection(orgId: string): RailConnection {
  return { id: "", orgId, railType: "STELLAR", name: "Stellar", settings: {}, credentials: {}, currencyFor: () => undefined, fieldMapping: {} };
}

/** A stored transaction's payments in operation order. */
export async function transactionPaymentIds(ctx: EngineContext, transactionId: string): Promise<string[]> {
  const rows = await ctx.db.execute<{ payment_id: string }>(sql`
    select payment_id from stellar_transaction_payments where transaction_id = ${transactionId} order by op_index`);
  return rows.map((r) => r.payment_id);
}

/**
 * Send a stored transaction (the exact stored envelope) through the rail and act on its outcomes.
 * Safe to call again for the same transaction at any time: the ledger applies an envelope at most once.
 */
export async function submitPaymentTransaction(ctx: EngineContext, t: OpenTransaction & { envelopeXdr: string; paymentIds?: readonly string[] }): Promise<void> {
  if (!(await markSubmitting(ctx, t.id))) return; // settled meanwhile
  const paymentIds = t.paymentIds ?? (await transactionPaymentIds(ctx, t.id));
  const outcomes = await railOf(ctx).submit(engineConnection(t.orgId), {
    reference: t.hash,
    payload: t.envelopeXdr,
    payments: paymentIds.map((paymentId) => ({ paymentId, reference: t.hash })),
  });
  await applyRailOutcomes(ctx, { ...t, attempts: t.attempts + 1 }, outcomes);
}

/**
 * The rail's outcomes of one transaction, settled (settle-transaction.ts): all SUCCESS → paid; failed
 * operations → those payments FAILED, the others READY again; UNKNOWN for all → expired, READY again;
 * refused for good → FAILED; PENDING → keep the hash and ask again later.
 */
export async function applyRailOutcomes(ctx: EngineContext, t: OpenTransaction, outcomes: readonly RailOutcome[]): Promise<void> {
  const first = outcomes[0]?.details as StellarOutcomeDetails | undefined;
  if (!first) {
    await deferTransaction(ctx, t.id, "the rail gave no outcome", backoffMs(t.attempts));
    return;
  }
  switch (first.transaction) {
    case "SUCCESS":
      await settleLanded(ctx, t.id, {
        hash: first.hash,
        ledger: first.ledger ?? 0,
        successful: true,
        resultXdr: first.resultXdr ?? "",
        pagingToken: first.pagingToken ?? null,
      });
      return;
    case "FAILED_OPERATIONS": {
      // Operation codes when an operation is to blame; none (every payment FAILED as tx_failed): fail them all.
      const blamed = outcomes.some((o) => o.status === "FAILED" && o.code !== "tx_failed");
      const codes = blamed ? outcomes.map((o) => (o.status === "FAILED" ? o.code : "op_success")) : null;
      await settleFailedOperations(ctx, t.id, codes, first.resultXdr ?? null, first.ledger ?? null);
      return;
    }
    case "EXPIRED":
      await settleExpired(ctx, t.id, first.code ?? "expired");
      return;
    case "REJECTED":
      await settleRejected(ctx, t.id, first.code ?? "rejected", first.resultXdr ?? null);
      return;
    case "CHANNEL_MISSING": {
      // The channel is gone (a reset ledger): stop using it; the transaction expires with its bounds.
      const [row] = await ctx.db.select({ pk: stellarAccounts.publicKey }).from(stellarAccounts).where(eq(stellarAccounts.id, t.channelAccountId));
      await ctx.db.update(stellarAccounts).set({ activatedAt: null, updatedAt: new Date() }).where(eq(stellarAccounts.id, t.channelAccountId));
      ctx.log.warn({ event: "stellar.channel_missing", channel: row?.pk }, "a channel account is missing on the ledger");
      await deferTransaction(ctx, t.id, first.code ?? "tx_no_source_account", first.retryAfterMs ?? 2_000);
      return;
    }
    case "NO_ANSWER":
      // 504 (may still apply), 429, 5xx, network, a transient refusal: keep the hash and look it up soon.
      ctx.log.debug({ event: "stellar.tx.no_answer", hash: t.hash, reason: first.code }, "no definite answer; will reconcile");
      await deferTransaction(ctx, t.id, first.code ?? "no answer", first.retryAfterMs ?? backoffMs(t.attempts));
      return;
  }
}
