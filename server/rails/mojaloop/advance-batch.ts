import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { mojaloopBulks, mojaloopTransfers, type MojaloopBulk } from "@/db/schema";
import { displayAmount, formatAmount, toStroops } from "@/server/domain/money";
import { MOJALOOP_MAX_BULK_ITEMS } from "@/server/domain/mojaloop";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import type { RailBatchStep } from "../payment-rail";
import { partyDecision, transferExpiry } from "./batch-rules";
import { FspiopRequestError, type FspiopClient } from "./fspiop-client";
import { FspiopRequestBuildError, quoteStillValid, splitIntoBulks } from "./fspiop-requests";
import { callbackTimeoutMs, fspiopClientFor, fspiopPartyId, payerOf } from "./mojaloop-connection";
import { readParties, requestPartyLookups } from "./party-lookups";

/**
 * The Mojaloop rail's batch steps (docs/rails/mojaloop.md, "The rail"): the dispatcher leases a
 * stored batch of a Mojaloop connection and calls `advanceMojaloopBatch` (PaymentRail.advanceBatch),
 * which moves it as far as it goes now and returns; callbacks (apply-callback.ts) store the switch's
 * answers and wake the batch (`next_attempt_at = now()`).
 *
 *   CLAIMED   payees' parties looked up (GET /parties) until none is in flight; NOT_FOUND fails that
 *             payment; the rest grouped by payee FSP into bulks of ≤ 1,000 (bulks and transfer rows
 *             written in one transaction with the batch's move to QUOTING)
 *   QUOTING   each bulk: QUOTING → POST /bulkQuotes → (callback) QUOTED → quote still valid? POST
 *             /bulkTransfers (TRANSFERRING) : re-quote under new ids → (callback) COMPLETED | FAILED;
 *             all bulks final → the batch COMPLETED
 *
 * Every id is stored (with `requested_at`) and this worker's lease renewed, fenced, before the
 * request that carries it goes out; no FSPIOP call runs inside a transaction. A callback not heard
 * within the connection's callback timeout is asked for (GET /bulkQuotes/{id}, GET
 * /bulkTransfers/{id}) — a bulk transfer is never POSTed again unless the switch said it never saw
 * it (apply-callback.ts turns `requested_at` back to null only then).
 */

/** How soon a batch waiting for party lookups looks again (their callbacks do not wake it: one per payee). */
const PARTY_POLL_MS = 1_000;
/** After the switch could not be reached or refused to answer a GET: try again this much later. */
const RETRY_MS = 10_000;
/** Codes of a FSPIOP request refused outright (4xx but 429): the switch took nothing. */
const refusedOutright = (error: FspiopRequestError) =>
  error.kind === "refused" || (error.kind === "http" && error.httpStatus !== null && error.httpStatus >= 400 && error.httpStatus < 500 && error.httpStatus !== 429);

type BatchPayment = { id: string; reference: string; amount: string; decimals: number; kind: string | null; value: string | null };
type Failure = { paymentId: string; code: string; message: string };

export async function advanceMojaloopBatch(step: RailBatchStep): Promise<void> {
  if (step.batch.status === "CLAIMED") {
    const formed = await formBulks(step);
    if (formed !== "bulked") return;
  }
  await moveBulks(step);
}

// ---------------------------------------------------------------------------------------------
// CLAIMED: parties, then bulks

async function formBulks(step: RailBatchStep): Promise<"waiting" | "bulked" | "done"> {
  const { db, batch, connection } = step;
  const payments = await db.execute<BatchPayment>(sql`
    select p.id, p.rail_reference as reference, p.amount::text as amount, a.decimals,
           rw.destination_kind as kind, rw.destination_value as value
    from payments p
    join assets a on a.id = p.asset_id
    left join receiver_wallets rw on rw.id = p.receiver_wallet_id
    where p.rail_batch_id = ${batch.id} and p.org_id = ${batch.orgId} and p.status = 'PENDING'
      and not exists (select 1 from mojaloop_transfers t where t.payment_id = p.id and t.transfer_id::text = p.rail_reference)
    order by p.line_number, p.id`);

  const failures: Failure[] = [];
  const phones = new Map<string, string>();
  for (const p of payments) {
    if (p.kind !== "MSISDN" || !p.value) {
      failures.push({ paymentId: p.id, code: "DESTINATION", message: "A Mojaloop connection pays phone numbers (MSISDN); this payee has none." });
    } else phones.set(p.id, fspiopPartyId(p.value));
  }
  const parties = await readParties(db, connection.id, [...phones.values()]);
  const toAsk = new Set<string>();
  const resolved: (BatchPayment & { party: string; fspId: string; name: string | null })[] = [];
  for (const p of payments) {
    const identifier = phones.get(p.id);
    if (identifier === undefined) continue;
    const decision = partyDecision(parties.get(identifier));
    if (decision.kind === "pay") resolved.push({ ...p, party: identifier, fspId: decision.fspId, name: decision.name });
    else if (decision.kind === "fail") failures.push({ paymentId: p.id, code: decision.code, message: decision.message });
    else toAsk.add(identifier);
  }

  if (toAsk.size > 0) {
    // Outside any transaction: rows stored PENDING (committed), then GET /parties. Lookups in flight
    // and not timed out are not asked again (requestPartyLookups); their callbacks land in
    // mojaloop_parties and this batch looks again shortly.
    const asked = await requestPartyLookups(db, connection, [...toAsk]);
    step.log.info({ batchId: batch.id, waiting: toAsk.size, requested: asked.requested, failedToSend: asked.failedToSend }, "mojaloop batch waiting for party lookups");
    await step.store(
      db,
      {
        message: `Waiting for the switch to identify ${toAsk.size} payee${toAsk.size === 1 ? "" : "s"} (party lookup).`,
        nextAttemptAt: new Date(Date.now() + (asked.failedToSend > 0 ? RETRY_MS : PARTY_POLL_MS)),
      },
      { release: true },
    );
    return "waiting";
  }

  const bulks = splitIntoBulks(resolved, (p) => p.fspId, MOJALOOP_MAX_BULK_ITEMS);
  await db.transaction(async (tx) => {
    // The batch row first (lease checked and renewed), then the rail's rows, then the payments.
    await step.store(
      tx,
      bulks.length > 0
        ? { status: "QUOTING", message: `${resolved.length} payments in ${bulks.length} bulk${bulks.length === 1 ? "" : "s"}; quoting.` }
        : { status: "COMPLETED", message: "No payment of this batch could be sent to the switch." },
      { release: bulks.length === 0 },
    );
    for (const bulk of bulks) {
      const [row] = await tx
        .insert(mojaloopBulks)
        .values({ orgId: batch.orgId, connectionId: connection.id, railBatchId: batch.id, payeeFsp: bulk.payeeFsp, state: "QUOTING", bulkQuoteId: randomUUID() })
        .returning({ id: mojaloopBulks.id });
      // A payment paid again after a failure (retry: a new claim, a new transfer id) replaces its FAILED
      // row: one transfer row per payment (its key); the failed transfer never moved money.
      const rows = bulk.items.map((p) => ({
        paymentId: p.id,
        orgId: batch.orgId,
        connectionId: connection.id,
        bulkId: row!.id,
        // The payment's rail reference, chosen (mojaloopRail.paymentReference) and stored at the claim.
        transferId: p.reference,
        quoteId: randomUUID(),
        transactionId: randomUUID(),
        partyIdType: "MSISDN",
        partyIdentifier: p.party,
        payeeFsp: p.fspId,
        payeeName: p.name,
        amount: formatAmount(toStroops(p.amount), p.decimals),
        currency: batch.currency,
        state: "QUOTING" as const,
      }));
      const inserted = await tx
        .insert(mojaloopTransfers)
        .values(rows)
        .onConflictDoUpdate({
          target: mojaloopTransfers.paymentId,
          set: {
            bulkId: sql`excluded.bulk_id`,
            transferId: sql`excluded.transfer_id`,
            quoteId: sql`excluded.quote_id`,
            transactionId: sql`excluded.transaction_id`,
            partyIdentifier: sql`excluded.party_identifier`,
            payeeFsp: sql`excluded.payee_fsp`,
            payeeName: sql`excluded.payee_name`,
            amount: sql`excluded.amount`,
            currency: sql`excluded.currency`,
            transferAmount: null,
            payeeFspFee: null,
            ilpPacket: null,
            condition: null,
            fulfilment: null,
            state: "QUOTING",
            errorCode: null,
            errorMessage: null,
            completedAt: null,
            updatedAt: new Date(),
          },
          setWhere: sql`${mojaloopTransfers.state} = 'FAILED'`,
        })
        .returning({ paymentId: mojaloopTransfers.paymentId });
      if (inserted.length !== rows.length) throw new Error(`rail batch ${batch.id}: ${rows.length - inserted.length} payments already have an open Mojaloop transfer`);
    }
    if (failures.length > 0) {
      await failPayments(tx, batch.orgId, failures, "PARTY");
      await step.completeDisbursementIfDone(tx, batch.orgId, batch.disbursementId);
    }
  });
  if (failures.length > 0) step.log.info({ batchId: batch.id, failed: failures.length }, "mojaloop payments failed before quoting (payee not found)");
  return bulks.length > 0 ? "bulked" : "done";
}

// ---------------------------------------------------------------------------------------------
// QUOTING: the bulks

type Ctx = { step: RailBatchStep; client: FspiopClient; timeoutMs: number; orgName: string | null };

async function moveBulks(step: RailBatchStep): Promise<void> {
  const { db, batch, connection } = step;
  const [org] = await db.execute<{ name: string }>(sql`select name from organizations where id = ${batch.orgId}`);
  const ctx: Ctx = { step, client: fspiopClientFor(connection), timeoutMs: callbackTimeoutMs(connection), orgName: org?.name ?? null };
  const bulks = await db
    .select()
    .from(mojaloopBulks)
    .where(and(eq(mojaloopBulks.railBatchId, batch.id), eq(mojaloopBulks.orgId, batch.orgId)));
  let next = Number.POSITIVE_INFINITY;
  for (const bulk of bulks) {
    if (bulk.state === "COMPLETED" || bulk.state === "FAILED") continue;
    next = Math.min(next, await advanceBulk(ctx, bulk));
  }

  const counts = await db.execute<{
    bulks_open: number;
    bulks: number;
    committed: number;
    failed: number;
    open: number;
    fees: string | null;
    currency: string | null;
  }>(sql`
    select (select count(*)::int from mojaloop_bulks b where b.rail_batch_id = ${batch.id} and b.state in ('QUOTING', 'QUOTED', 'TRANSFERRING')) as bulks_open,
           (select count(*)::int from mojaloop_bulks b where b.rail_batch_id = ${batch.id}) as bulks,
           count(*) filter (where t.state = 'COMMITTED')::int as committed,
           count(*) filter (where t.state = 'FAILED')::int as failed,
           count(*) filter (where t.state not in ('COMMITTED', 'FAILED'))::int as open,
           sum(t.payee_fsp_fee) filter (where t.state <> 'FAILED')::text as fees,
           min(t.currency) as currency
    from mojaloop_bulks b join mojaloop_transfers t on t.bulk_id = b.id
    where b.rail_batch_id = ${batch.id}`);
  const c = counts[0] ?? { bulks_open: 0, bulks: 0, committed: 0, failed: 0, open: 0, fees: null, currency: null };
  // The payee FSPs' fees as quoted (FSPIOP payeeFspFee), shown to staff beside the batch.
  const fees = c.fees !== null && c.currency ? `; payee FSP fees ${displayAmount(c.fees)} ${c.currency}` : "";
  const summary = `${c.bulks} bulk${c.bulks === 1 ? "" : "s"}: ${c.committed} paid, ${c.failed} failed, ${c.open} in progress${fees}`;
  if (c.bulks_open === 0) {
    await step.store(db, { status: "COMPLETED", message: summary }, { release: true });
    return;
  }
  const at = Number.isFinite(next) ? next : Date.now() + ctx.timeoutMs;
  await step.store(db, { message: `${summary}.`, nextAttemptAt: new Date(Math.max(at, Date.now())) }, { release: true });
}

/** Move one open bulk as far as it goes; answers when it next needs this worker (epoch ms) unless a callback wakes the batch first. */
async function advanceBulk(ctx: Ctx, bulk: MojaloopBulk): Promise<number> {
  const now = Date.now();
  const due = bulk.requestedAt ? bulk.requestedAt.getTime() + ctx.timeoutMs : now;
  try {
    switch (bulk.state) {
      case "QUOTING":
        if (!bulk.requestedAt) return await sendBulkQuote(ctx, bulk);
        if (due > now) return due;
        // No callback within the timeout: ask for the answer (a GET is safe to repeat).
        if (!(await markRequested(ctx, bulk))) return now;
        ctx.step.log.warn({ bulkId: bulk.id, bulkQuoteId: bulk.bulkQuoteId }, "mojaloop bulk quote not answered in time; asking the switch");
        await ctx.client.getBulkQuote(bulk.bulkQuoteId, bulk.payeeFsp);
        return Date.now() + ctx.timeoutMs;
      case "QUOTED":
        if (bulk.quoteExpiresAt && quoteStillValid(bulk.quoteExpiresAt.toISOString())) return await sendBulkTransfer(ctx, bulk);
        return await requote(ctx, bulk, "the quote expired before its transfer was sent");
      case "TRANSFERRING":
        if (!bulk.requestedAt) {
          // The switch said it never saw this bulk transfer (apply-callback.ts): send it again under
          // its id while the quote holds, else quote again.
          if (bulk.quoteExpiresAt && quoteStillValid(bulk.quoteExpiresAt.toISOString())) return await sendBulkTransfer(ctx, bulk);
          return await requote(ctx, bulk, "the switch never received the bulk transfer and its quote has expired");
        }
        if (due > now) return due;
        if (!(await markRequested(ctx, bulk))) return now;
        ctx.step.log.warn({ bulkId: bulk.id, bulkTransferId: bulk.bulkTransferId }, "mojaloop bulk transfer not (fully) answered in time; asking the switch");
        await ctx.client.getBulkTransfer(bulk.bulkTransferId!, bulk.payeeFsp);
        return Date.now() + ctx.timeoutMs;
      default:
        return Number.POSITIVE_INFINITY;
    }
  } catch (error) {
    if (!(error instanceof FspiopRequestError)) throw error;
    // A lookup the switch did not take: try again later (the stored state is unchanged).
    ctx.step.log.warn({ bulkId: bulk.id, state: bulk.state, err: error.message }, "mojaloop request failed; retrying later");
    return Date.now() + Math.min(RETRY_MS, ctx.timeoutMs);
  }
}

/** Store `requested_at = now()` for the bulk's current phase (fenced on the batch lease); false when a callback moved it meanwhile. */
async function markRequested(ctx: Ctx, bulk: MojaloopBulk): Promise<boolean> {
  return ctx.step.db.transaction(async (tx) => {
    await ctx.step.store(tx, {});
    const updated = await tx.execute(sql`
      update mojaloop_bulks set requested_at = now(), updated_at = now()
      where id = ${bulk.id} and state = ${bulk.state} and bulk_quote_id = ${bulk.bulkQuoteId}
        -- The row as read (a JavaScript date holds milliseconds, the column microseconds).
        and ${bulk.requestedAt ? sql`requested_at >= ${bulk.requestedAt.toISOString()}::timestamptz and requested_at < ${bulk.requestedAt.toISOString()}::timestamptz + interval '1 millisecond'` : sql`requested_at is null`}
      returning id`);
    return updated.length > 0;
  });
}

async function sendBulkQuote(ctx: Ctx, bulk: MojaloopBulk): Promise<number> {
  const { step } = ctx;
  const items = await step.db.transaction(async (tx) => {
    await step.store(tx, {});
    const marked = await tx.execute(sql`
      update mojaloop_bulks set requested_at = now(), attempts = attempts + 1, updated_at = now()
      where id = ${bulk.id} and state = 'QUOTING' and bulk_quote_id = ${bulk.bulkQuoteId} and requested_at is null
      returning id`);
    if (marked.length === 0) return null;
    return tx.execute<{ quote_id: string; transaction_id: string; party_identifier: string; payee_fsp: string; amount: string; currency: string }>(sql`
      select quote_id, transaction_id, party_identifier, payee_fsp, amount::text as amount, currency
      from mojaloop_transfers where bulk_id = ${bulk.id} and state = 'QUOTING' order by created_at, payment_id`);
  });
  if (!items) return Date.now();
  if (items.length === 0) {
    await failBulk(ctx, bulk, "QUOTING", { code: "EMPTY", message: "Nothing left to quote in this bulk." });
    return Number.POSITIVE_INFINITY;
  }
  try {
    await ctx.client.requestBulkQuote({
      bulkQuoteId: bulk.bulkQuoteId,
      payer: payerOf(step.connection, ctx.orgName),
      payeeFsp: bulk.payeeFsp,
      items: items.map((i) => ({
        quoteId: i.quote_id,
        transactionId: i.transaction_id,
        payee: { type: "MSISDN", identifier: i.party_identifier, fspId: i.payee_fsp },
        amount: i.amount,
        currency: i.currency,
      })),
    });
  } catch (error) {
    const refused = refusal(error);
    if (!refused) throw error;
    // The switch took nothing (or the request could not be built): no quote, no money moved.
    await failBulk(ctx, bulk, "QUOTING", refused);
    return Number.POSITIVE_INFINITY;
  }
  step.log.info({ bulkId: bulk.id, bulkQuoteId: bulk.bulkQuoteId, items: items.length }, "mojaloop bulk quote sent");
  return Date.now() + ctx.timeoutMs;
}

async function sendBulkTransfer(ctx: Ctx, bulk: MojaloopBulk): Promise<number> {
  const { step } = ctx;
  // The transfer's own expiry: the quote's, or the callback timeout when that comes first.
  const expiresAt = transferExpiry(bulk.quoteExpiresAt!, Date.now(), ctx.timeoutMs);
  const bulkTransferId = bulk.bulkTransferId ?? randomUUID();
  const items = await step.db.transaction(async (tx) => {
    await step.store(tx, {});
    // Resend (the switch never saw it): same id, only while TRANSFERRING with requested_at null.
    const marked = await tx.execute(sql`
      update mojaloop_bulks set state = 'TRANSFERRING', bulk_transfer_id = ${bulkTransferId}, transfer_expires_at = ${expiresAt.toISOString()}::timestamptz,
             requested_at = now(), attempts = attempts + 1, updated_at = now()
      where id = ${bulk.id} and bulk_quote_id = ${bulk.bulkQuoteId} and requested_at is null
        and ${bulk.state === "QUOTED" ? sql`state = 'QUOTED'` : sql`state = 'TRANSFERRING' and bulk_transfer_id = ${bulkTransferId}`}
      returning id`);
    if (marked.length === 0) return null;
    return tx.execute<{ transfer_id: string; transfer_amount: string; currency: string; ilp_packet: string; condition: string }>(sql`
      update mojaloop_transfers set state = 'TRANSFERRING', updated_at = now()
      where bulk_id = ${bulk.id} and state in ('QUOTED', 'TRANSFERRING')
      returning transfer_id, coalesce(transfer_amount, amount)::text as transfer_amount, currency, ilp_packet, condition`);
  });
  if (!items) return Date.now();
  if (items.length === 0) {
    await failBulk(ctx, { ...bulk, state: "TRANSFERRING", bulkTransferId }, "TRANSFERRING", { code: "EMPTY", message: "Nothing left to transfer in this bulk." });
    return Number.POSITIVE_INFINITY;
  }
  try {
    await ctx.client.prepareBulkTransfer({
      bulkTransferId,
      bulkQuoteId: bulk.bulkQuoteId,
      payeeFsp: bulk.payeeFsp,
      items: items.map((i) => ({ transferId: i.transfer_id, amount: i.transfer_amount, currency: i.currency, ilpPacket: i.ilp_packet, condition: i.condition })),
      expiration: expiresAt,
    });
  } catch (error) {
    const refused = refusal(error);
    if (!refused) {
      // Timed out or unreachable: the switch may have it. The stored requested_at makes the next
      // step ask (GET /bulkTransfers/{id}) after the callback timeout — never a blind resend.
      step.log.warn(
        { bulkId: bulk.id, bulkTransferId, err: error instanceof Error ? error.message : String(error) },
        "mojaloop bulk transfer send failed; will ask the switch",
      );
      return Date.now() + ctx.timeoutMs;
    }
    await failBulk(ctx, { ...bulk, state: "TRANSFERRING", bulkTransferId }, "TRANSFERRING", refused);
    return Number.POSITIVE_INFINITY;
  }
  step.log.info({ bulkId: bulk.id, bulkTransferId, items: items.length }, "mojaloop bulk transfer sent");
  return Date.now() + ctx.timeoutMs;
}

/** Back to QUOTING under a new bulk quote id, with new quote and transaction ids per item: a stale condition is never sent. */
async function requote(ctx: Ctx, bulk: MojaloopBulk, reason: string): Promise<number> {
  const { step } = ctx;
  const newId = randomUUID();
  const moved = await step.db.transaction(async (tx) => {
    await step.store(tx, {});
    const updated = await tx.execute(sql`
      update mojaloop_bulks set state = 'QUOTING', bulk_quote_id = ${newId}, quote_expires_at = null, bulk_transfer_id = null,
             transfer_expires_at = null, requested_at = null, error_message = ${reason}, updated_at = now()
      where id = ${bulk.id} and state = ${bulk.state} and bulk_quote_id = ${bulk.bulkQuoteId}
      returning id`);
    if (updated.length === 0) return false;
    await tx.execute(sql`
      update mojaloop_transfers set state = 'QUOTING', quote_id = gen_random_uuid(), transaction_id = gen_random_uuid(),
             ilp_packet = null, condition = null, transfer_amount = null, payee_fsp_fee = null, updated_at = now()
      where bulk_id = ${bulk.id} and state in ('QUOTED', 'TRANSFERRING')`);
    return true;
  });
  if (!moved) return Date.now();
  step.log.info({ bulkId: bulk.id, oldBulkQuoteId: bulk.bulkQuoteId, bulkQuoteId: newId, reason }, "mojaloop bulk quoted again");
  return sendBulkQuote(ctx, { ...bulk, state: "QUOTING", bulkQuoteId: newId, requestedAt: null, bulkTransferId: null, quoteExpiresAt: null });
}

function refusal(error: unknown): { code: string; message: string } | null {
  if (error instanceof FspiopRequestBuildError) return { code: "REQUEST", message: `The request could not be built: ${error.message}` };
  if (error instanceof FspiopRequestError && refusedOutright(error)) return { code: error.code ?? `HTTP${error.httpStatus ?? ""}`, message: error.message };
  return null;
}

/** The whole bulk refused before any money moved: its open items and their payments FAILED. */
async function failBulk(ctx: Ctx, bulk: MojaloopBulk, state: "QUOTING" | "TRANSFERRING", why: { code: string; message: string }) {
  const { step } = ctx;
  const { batch } = step;
  await step.db.transaction(async (tx) => {
    await step.store(tx, {});
    const locked = await tx.execute(sql`select id from mojaloop_bulks where id = ${bulk.id} and state = ${state} for update`);
    if (locked.length === 0) return;
    const items = await tx.execute<{ payment_id: string }>(sql`
      update mojaloop_transfers set state = 'FAILED', error_code = ${why.code}, error_message = ${why.message.slice(0, 500)}, updated_at = now()
      where bulk_id = ${bulk.id} and state not in ('COMMITTED', 'FAILED')
      returning payment_id`);
    await tx.execute(sql`
      update mojaloop_bulks set state = 'FAILED', error_code = ${why.code}, error_message = ${why.message.slice(0, 500)}, updated_at = now()
      where id = ${bulk.id}`);
    if (items.length > 0) {
      await failPayments(
        tx,
        batch.orgId,
        items.map((i) => ({ paymentId: i.payment_id, code: why.code, message: why.message })),
        state,
      );
      await step.completeDisbursementIfDone(tx, batch.orgId, batch.disbursementId);
    }
  });
  step.log.warn({ bulkId: bulk.id, code: why.code, err: why.message }, "mojaloop bulk refused by the switch; its payments failed");
}

/** PENDING → FAILED through the status writer, one move per distinct answer (code and words). */
export async function failPayments(tx: DbOrTx, orgId: string, failures: readonly Failure[], phase: string): Promise<number> {
  const groups = new Map<string, { code: string; message: string; ids: string[] }>();
  for (const f of failures) {
    const key = `${f.code}\u0000${f.message}`;
    const group = groups.get(key) ?? { code: f.code, message: f.message, ids: [] };
    group.ids.push(f.paymentId);
    groups.set(key, group);
  }
  let moved = 0;
  for (const g of groups.values()) {
    const rows = await movePaymentStatus(tx, {
      orgId,
      from: ["PENDING"],
      to: "FAILED",
      message: g.message.slice(0, 500),
      ids: g.ids,
      set: { failureCode: g.code.slice(0, 40), railDetails: { mojaloop: { state: "FAILED", phase } } },
    });
    moved += rows.length;
  }
  return moved;
}

/** For tests and the docs: the ids of a batch's bulks in creation order. */
export async function bulksOfBatch(db: DbOrTx, batchId: string): Promise<MojaloopBulk[]> {
  return db.select().from(mojaloopBulks).where(eq(mojaloopBulks.railBatchId, batchId)).orderBy(mojaloopBulks.createdAt, mojaloopBulks.id);
}
