import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { railBatches, type RailBatch } from "@/db/schema";
import { formatAmount, toStroops } from "@/server/domain/money";
import { movePaymentStatus, uuidArray } from "@/server/payments/payment-state-writer";
import type { Destination, PaymentRail, RailConnection, RailOutcome, RailPayment } from "../payment-rail";
import type { DispatcherContext } from "./context";

type BatchPaymentRow = {
  id: string;
  reference: string;
  amount: string;
  asset_id: string;
  decimals: number;
  kind: Destination["kind"];
  value: string;
  memo: string | null;
  details: Destination["details"];
};

/**
 * Take the next open batch whose time has come and whose lease ran out, and lease it to this worker
 * (docs/rails.md "Dispatcher"). Another worker finds it again only after the lease, which is how a
 * crashed worker's batch is picked up. Only batches of the rails this dispatcher pays (a worker
 * started without a rail never moves its batches); QUOTING: a Mojaloop batch (PaymentRail.advanceBatch).
 */
export async function leaseNextBatch(ctx: DispatcherContext): Promise<RailBatch | null> {
  const now = new Date();
  const leaseUntil = new Date(now.getTime() + ctx.leaseMs);
  const [row] = await ctx.db.execute<{ id: string }>(sql`
    update rail_batches set leased_by = ${ctx.workerId}, lease_until = ${leaseUntil.toISOString()}::timestamptz, updated_at = now()
    where id = (
      select id from rail_batches
      where status in ('CLAIMED', 'FUNDS_NOT_AVAILABLE', 'FUNDS_BLOCKED', 'SHIPPING', 'SHIPPED', 'QUOTING') ${ctx.orgIds ? sql`and org_id = any(${uuidArray(ctx.orgIds)})` : sql``}
        and rail_type::text = any(${`{${ctx.railTypes.join(",")}}`}::text[])
        and next_attempt_at <= ${now.toISOString()}::timestamptz
        and (lease_until is null or lease_until < ${now.toISOString()}::timestamptz)
      order by next_attempt_at, id
      limit 1
      for update skip locked)
    returning id`);
  if (!row) return null;
  const [batch] = await ctx.db.select().from(railBatches).where(eq(railBatches.id, row.id));
  return batch ?? null;
}

/**
 * The worker's lease on a batch ran out and another worker took it over (or the batch changed under
 * it): this worker stops at once, before any further call to the bank, and leaves the batch to its
 * new owner, who asks the bank what arrived (docs/rails.md "Dispatcher").
 */
export class LeaseLostError extends Error {
  constructor(batch: RailBatch) {
    super(`rail batch ${batch.id}: the lease ran out and another worker took it over`);
  }
}

/**
 * Move one leased batch as far as it goes now: funds check and block, then shipment, then the
 * bank's acknowledgement applied to its payments. Every step's result is stored before the next
 * remote call, by a write that also renews this worker's lease and fails when the lease was lost; a
 * batch found in SHIPPING (its worker died after or during the call) is first looked up at the bank,
 * and only payments the bank has never seen are sent again.
 */
export async function advanceRailBatch(ctx: DispatcherContext, batch: RailBatch): Promise<void> {
  try {
    const connection = await ctx.openConnection(batch.orgId, batch.connectionId);
    const rail = ctx.railFor(batch.railType);
    if (rail.advanceBatch) {
      // The rail owns the batch's phases (Mojaloop). Its next attempt is pushed to the lease's end
      // first, so a wake-up a callback stores during the step (next_attempt_at = now()) is told apart
      // from the one that brought the batch here, and kept by the step's release (RailBatchStep.store).
      await updateBatch(ctx, ctx.db, batch, { nextAttemptAt: new Date(Date.now() + ctx.leaseMs) });
      await rail.advanceBatch({
        db: ctx.db,
        log: ctx.log,
        batch,
        connection,
        store: (tx, { nextAttemptAt, ...change }, options) =>
          updateBatch(ctx, tx, batch, nextAttemptAt ? { ...change, nextAttemptAt: earliest(nextAttemptAt) } : change, { release: options?.release ?? false }),
        completeDisbursementIfDone: ctx.completeDisbursementIfDone,
      });
      return;
    }
    let status = batch.status;
    let fundsBlockReference = batch.fundsBlockReference;
    if (status === "CLAIMED" || status === "FUNDS_NOT_AVAILABLE") {
      const funded = await secureFunds(ctx, rail, connection, batch);
      if (!funded) return;
      status = "FUNDS_BLOCKED";
      // The block just made pays this shipment (the leased row predates it).
      fundsBlockReference = funded.fundsBlockReference;
    }
    if (status === "FUNDS_BLOCKED") {
      if (connection.settings.shipmentMode === "FILE") {
        await ctx.db.transaction(async (tx) => {
          await updateBatch(ctx, tx, batch, { status: "AWAITING_UPLOAD", message: "pain.001 ready to download and upload to the bank's portal" });
          await tx.execute(sql`
            update payments set rail_details = coalesce(rail_details, '{}'::jsonb) || '{"shipment":"AWAITING_UPLOAD"}'::jsonb, updated_at = now()
            where rail_batch_id = ${batch.id} and status = 'PENDING'`);
        });
        return;
      }
      const payments = await batchPayments(ctx.db, batch, connection);
      // SHIPPING is stored (and the lease renewed) right before the call: a worker that finds it later asks the bank first.
      await updateBatch(ctx, ctx.db, batch, { status: "SHIPPING" });
      const outcomes = await rail.submit(connection, { reference: batch.reference, fundsBlockReference, payments });
      await applyOutcomes(ctx, batch, outcomes);
      return;
    }
    if (status === "SHIPPED") {
      await pollShippedBatch(ctx, rail, connection, batch);
      return;
    }
    if (status === "SHIPPING") {
      await updateBatch(ctx, ctx.db, batch, {});
      const payments = await batchPayments(ctx.db, batch, connection);
      const known = await rail.lookup(connection, payments);
      const unknownIds = new Set(known.filter((o) => o.status === "UNKNOWN").map((o) => o.paymentId));
      let resent: RailOutcome[] = [];
      if (unknownIds.size > 0) {
        // Still this worker's batch (the lookup may have outlasted the lease): only then send again.
        await updateBatch(ctx, ctx.db, batch, {});
        resent = await rail.submit(connection, {
          reference: batch.reference,
          fundsBlockReference: batch.fundsBlockReference,
          payments: payments.filter((p) => unknownIds.has(p.paymentId)),
        });
      }
      ctx.log.warn({ batchId: batch.id, known: known.length - unknownIds.size, resent: unknownIds.size }, "rail batch recovered after an interrupted shipment");
      await applyOutcomes(ctx, batch, [...known.filter((o) => o.status !== "UNKNOWN"), ...resent]);
    }
  } catch (error) {
    if (error instanceof LeaseLostError) {
      ctx.log.warn({ batchId: batch.id }, "rail batch lease lost; another worker continues it");
      return;
    }
    // The bank did not answer or answered with an error: keep the stored state and try again later.
    const message = error instanceof Error ? error.message : String(error);
    ctx.log.warn({ batchId: batch.id, err: message }, "rail batch step failed; retrying later");
    try {
      await updateBatch(ctx, ctx.db, batch, { message: message.slice(0, 300), nextAttemptAt: new Date(Date.now() + ctx.retryMs) }, { keepStatus: true });
    } catch (inner) {
      if (!(inner instanceof LeaseLostError)) throw inner;
    }
  }
}

/**
 * A shipped batch's payments still PENDING are looked up at the bank every `pollMs`: a payment the
 * bank refused never appears on a statement, so its failure comes from here. Payouts are left to the
 * statements (reconciliation books them); once nothing is pending the batch is not polled again.
 */
async function pollShippedBatch(ctx: DispatcherContext, rail: PaymentRail, connection: RailConnection, batch: RailBatch) {
  const payments = await batchPayments(ctx.db, batch, connection);
  if (payments.length === 0) {
    await updateBatch(ctx, ctx.db, batch, { nextAttemptAt: NEVER }, { keepStatus: true });
    return;
  }
  const outcomes = await rail.lookup(connection, payments);
  const failed = outcomes.filter((o) => o.status === "FAILED");
  const stillPending = payments.length - failed.length;
  await ctx.db.transaction(async (tx) => {
    // The batch row first (lease checked), then the payments: a worker that lost the lease applies nothing.
    await updateBatch(ctx, tx, batch, { nextAttemptAt: stillPending > 0 ? new Date(Date.now() + ctx.pollMs) : NEVER }, { keepStatus: true });
    if (failed.length > 0) {
      await failPayments(tx, batch, failed, new Date());
      await ctx.completeDisbursementIfDone(tx, batch.orgId, batch.disbursementId);
    }
  });
}

/** "Not again": a shipped batch with nothing pending. */
const NEVER = new Date("9999-12-31T00:00:00Z");

async function failPayments(tx: DbOrTx, batch: RailBatch, outcomes: RailOutcome[], now: Date) {
  // Failures grouped by code and message: one set-based move per distinct answer.
  const failures = new Map<string, { code: string; message: string; ids: string[] }>();
  for (const o of outcomes) {
    if (o.status !== "FAILED") continue;
    const key = `${o.code}\u0000${o.message}`;
    const group = failures.get(key) ?? { code: o.code, message: o.message, ids: [] };
    group.ids.push(o.paymentId);
    failures.set(key, group);
  }
  for (const f of failures.values()) {
    await movePaymentStatus(tx, {
      orgId: batch.orgId,
      from: ["PENDING"],
      to: "FAILED",
      message: `${f.code}: ${f.message}`,
      ids: f.ids,
      set: { failureCode: f.code, railDetails: { replyStatus: "REJECTED" } },
      now,
    });
  }
  return failures.size;
}

/** Check and block the batch's funds; the block's reference when funded, null (stored as FUNDS_NOT_AVAILABLE) when not. */
async function secureFunds(
  ctx: DispatcherContext,
  rail: PaymentRail,
  connection: RailConnection,
  batch: RailBatch,
): Promise<{ fundsBlockReference: string | null } | null> {
  const attempts = batch.fundsAttempts + 1;
  const decimals = rail.capabilities(connection).decimalsFor(batch.currency) ?? 7;
  const amount = formatAmount(toStroops(batch.amount), decimals);
  const funds = await rail.checkFunds(connection, batch.currency, amount);
  const short = () => funds.message ?? `The bank reports ${funds.available} ${batch.currency} available; this batch needs ${amount}.`;
  if (!funds.sufficient && !rail.blockFunds) {
    await updateBatch(ctx, ctx.db, batch, {
      status: "FUNDS_NOT_AVAILABLE",
      fundsAttempts: attempts,
      fundsMessage: short(),
      nextAttemptAt: new Date(Date.now() + ctx.retryMs),
    });
    return null;
  }
  if (rail.blockFunds) {
    // Asked even when the check came back short: a worker that died after the bank made this batch's
    // block (before storing it) left the block counted against the available balance, and only the
    // block request, idempotent on the batch's reference, finds it again. Without one, the bank's own
    // check refuses the block.
    const block = await rail.blockFunds(connection, batch.currency, amount, batch.reference);
    if (!block.blocked) {
      await updateBatch(ctx, ctx.db, batch, {
        status: "FUNDS_NOT_AVAILABLE",
        fundsAttempts: attempts,
        fundsMessage: funds.sufficient ? (block.message ?? "The bank refused to block the funds.") : short(),
        nextAttemptAt: new Date(Date.now() + ctx.retryMs),
      });
      return null;
    }
    await updateBatch(ctx, ctx.db, batch, {
      status: "FUNDS_BLOCKED",
      fundsAttempts: attempts,
      fundsBlockReference: block.reference ?? null,
      fundsMessage: block.message ?? "Funds blocked.",
    });
    return { fundsBlockReference: block.reference ?? null };
  }
  await updateBatch(ctx, ctx.db, batch, { status: "FUNDS_BLOCKED", fundsAttempts: attempts, fundsMessage: "Funds available." });
  return { fundsBlockReference: null };
}

type BatchChange = Partial<Pick<RailBatch, "status" | "fundsAttempts" | "fundsMessage" | "fundsBlockReference" | "shippedAt" | "message">> & {
  nextAttemptAt?: Date | SQL;
};

/** The earlier of `at` and the stored next attempt (a wake-up stored meanwhile wins). */
function earliest(at: Date): SQL {
  return sql`least(${railBatches.nextAttemptAt}, ${at.toISOString()}::timestamptz)`;
}

/**
 * Store a step of a batch this worker holds, and renew the lease while the batch stays with it
 * (release: a final or waiting status, or keepStatus). Fenced on the lease: when another worker has
 * taken the batch over, nothing is written and LeaseLostError stops this worker's step.
 */
async function updateBatch(ctx: DispatcherContext, db: DbOrTx, batch: RailBatch, change: BatchChange, options: { keepStatus?: boolean; release?: boolean } = {}) {
  const release = options.release ?? (options.keepStatus === true || (change.status !== undefined && change.status !== "SHIPPING" && change.status !== "FUNDS_BLOCKED"));
  const lease = release ? { leasedBy: null, leaseUntil: null } : { leaseUntil: new Date(Date.now() + ctx.leaseMs) };
  const updated = await db
    .update(railBatches)
    .set({ ...change, ...lease, updatedAt: new Date() })
    .where(and(eq(railBatches.id, batch.id), eq(railBatches.orgId, batch.orgId), eq(railBatches.leasedBy, ctx.workerId)))
    .returning({ id: railBatches.id });
  if (updated.length === 0) throw new LeaseLostError(batch);
}

/** The batch's payments as the rail takes them (exported for the crash test). */
export async function batchPayments(db: DbOrTx, batch: RailBatch, connection: RailConnection): Promise<RailPayment[]> {
  const rows = await db.execute<BatchPaymentRow>(sql`
    select p.id, p.rail_reference as reference, p.amount::text as amount, p.asset_id, a.decimals,
           rw.destination_kind as kind, rw.destination_value as value, rw.destination_memo as memo, rw.destination_details as details
    from payments p
    join receiver_wallets rw on rw.id = p.receiver_wallet_id
    join assets a on a.id = p.asset_id
    where p.rail_batch_id = ${batch.id} and p.org_id = ${batch.orgId} and p.status = 'PENDING'
    order by p.line_number, p.id`);
  return rows.map((r) => ({
    paymentId: r.id,
    reference: r.reference,
    // In the currency's decimals ("12.50", not NUMERIC's "12.5000000"): banks refuse extra decimals.
    amount: formatAmount(toStroops(r.amount), r.decimals),
    assetId: r.asset_id,
    currency: connection.currencyFor(r.asset_id) ?? batch.currency,
    decimals: r.decimals,
    destination: { kind: r.kind, value: r.value, memo: r.memo, details: r.details },
    payeeName: r.details?.holderName ?? null,
  }));
}

/** The bank's answers applied in one transaction: failures and immediate successes through the status writer, the rest marked shipped. */
async function applyOutcomes(ctx: DispatcherContext, batch: RailBatch, outcomes: RailOutcome[]) {
  const now = new Date();
  await ctx.db.transaction(async (tx) => {
    const succeeded = outcomes.filter((o) => o.status === "SUCCESS").map((o) => o.paymentId);
    const shipped = outcomes.filter((o) => o.status === "PENDING").map((o) => o.paymentId);
    // The batch row first (lease checked, row locked): a worker that lost the lease applies nothing.
    await updateBatch(ctx, tx, batch, {
      status: "SHIPPED",
      shippedAt: now,
      nextAttemptAt: new Date(now.getTime() + ctx.pollMs),
      message: `${shipped.length} shipped, ${succeeded.length} paid, ${outcomes.length - shipped.length - succeeded.length} refused`,
    });
    if (succeeded.length > 0) {
      await movePaymentStatus(tx, {
        orgId: batch.orgId,
        from: ["PENDING"],
        to: "SUCCESS",
        message: "paid by the bank",
        ids: succeeded,
        set: { railDetails: { shipment: "SHIPPED", replyStatus: "PAID" } },
        now,
      });
    }
    const failedCount = await failPayments(tx, batch, outcomes, now);
    if (shipped.length > 0) {
      await tx.execute(sql`
        update payments set rail_details = coalesce(rail_details, '{}'::jsonb) || ${JSON.stringify({ shipment: "SHIPPED", shippedAt: now.toISOString() })}::jsonb, updated_at = now()
        where org_id = ${batch.orgId} and id = any(${uuidArray(shipped)}) and status = 'PENDING'`);
    }
    if (succeeded.length > 0 || failedCount > 0) await ctx.completeDisbursementIfDone(tx, batch.orgId, batch.disbursementId);
  });
}
