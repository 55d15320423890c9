import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import { completeDisbursementIfDone as completeIfDone } from "@/server/services/disbursements/complete-if-done";
import { failPayments } from "./advance-batch";
import { isNotFoundCode, partyStatusOfError, quotedAmountMatches } from "./batch-rules";
import { bulkTransferVerdicts, type FspiopCallbackEvent, type FspiopError } from "./fspiop-callbacks";
import { describeFspiopError, isTransientFspiopError } from "./fspiop-errors";
import type { FspiopBulkQuoteResult, FspiopBulkTransferResult } from "./fspiop-schemas";

/**
 * The switch's answers applied to the rail's rows (docs/rails/mojaloop.md, "The rail"): called by
 * the callbacks route (receive-callback.ts) after it answered 200. Never calls the switch. Each
 * answer is applied in one transaction — the bulk row FOR UPDATE first, then its transfers, then
 * the payments through the status writer (disbursement → payments → totals) — and only while the
 * bulk waits for it (its state and id); a late or repeated answer changes nothing. When a bulk moved,
 * its batch is woken (`next_attempt_at = now()`, after the commit, so no transaction here ever holds
 * a bulk and waits for the batch the worker holds) and the worker's next step takes it on.
 */

export type MojaloopCallbackTarget = { orgId: string; connectionId: string };
export type MojaloopCallbackOutcome = { applied: boolean; reason?: string };
type Log = { info: (obj: object, msg?: string) => void; warn: (obj: object, msg?: string) => void };
export type ApplyCallbackDeps = {
  /** The disbursement completion rule (default: server/services/disbursements/complete-if-done.ts). */
  completeDisbursementIfDone?: (tx: DbOrTx, orgId: string, disbursementId: string) => Promise<unknown>;
};

/** Most bulk quote answers without results, or transient errors, a bulk is quoted again after. */
const MAX_QUOTE_ATTEMPTS = 5;

export async function applyMojaloopCallback(
  db: Db,
  target: MojaloopCallbackTarget,
  event: FspiopCallbackEvent,
  log: Log,
  deps: ApplyCallbackDeps = {},
): Promise<MojaloopCallbackOutcome> {
  const complete = deps.completeDisbursementIfDone ?? completeIfDone;
  switch (event.kind) {
    case "PARTY":
      return applyParty(db, target, event.partyIdType, event.partyIdentifier, { fspId: event.fspId, name: event.displayName });
    case "PARTY_ERROR":
      return applyParty(db, target, event.partyIdType, event.partyIdentifier, { error: event.error });
    case "BULK_QUOTE":
      return applyBulkQuote(db, target, event.bulkQuoteId, event.bulkQuote, log, complete);
    case "BULK_TRANSFER":
      return applyBulkTransfer(db, target, event.bulkTransferId, event.bulkTransfer, log, complete);
    case "ERROR":
      if (event.resource === "bulkQuotes") return applyBulkQuoteError(db, target, event.id, event.error, log, complete);
      if (event.resource === "bulkTransfers") return applyBulkTransferError(db, target, event.id, event.error, log, complete);
      return { applied: false, reason: `unknown ${event.resource} ${event.id}: this rail sends bulk quotes and bulk transfers only` };
    case "QUOTE":
      return { applied: false, reason: `unknown quote ${event.quoteId}: this rail sends bulk quotes only` };
    case "TRANSFER":
      return { applied: false, reason: `unknown transfer ${event.transferId}: this rail sends bulk transfers only` };
  }
}

// ---------------------------------------------------------------------------------------------
// Parties

/**
 * PUT /parties → RESOLVED (FSP and name); its /error → NOT_FOUND for the "not found" family (32xx:
 * 3204 party not found, 3200 id not found, 3201/3203 payee FSP — but 3202, our own FSP id unknown to
 * the switch, is a configuration error) or FAILED with the code in words. Only rows we asked for.
 */
async function applyParty(
  db: Db,
  target: MojaloopCallbackTarget,
  type: string,
  identifier: string,
  answer: { fspId: string | null; name: string | null } | { error: FspiopError },
): Promise<MojaloopCallbackOutcome> {
  let status: "RESOLVED" | "NOT_FOUND" | "FAILED";
  let fspId: string | null = null;
  let name: string | null = null;
  let code: string | null = null;
  let message: string | null = null;
  if ("error" in answer) {
    code = answer.error.code;
    message = answer.error.words;
    status = partyStatusOfError(code);
  } else if (!answer.fspId) {
    status = "FAILED";
    code = "NO_FSP";
    message = "The switch's answer named no FSP for this payee.";
  } else {
    status = "RESOLVED";
    fspId = answer.fspId;
    name = answer.name;
  }
  const updated = await db.execute(sql`
    update mojaloop_parties
    set status = ${status}, fsp_id = coalesce(${fspId}, fsp_id), name = coalesce(${name}, name), error_code = ${code}, error_message = ${message},
        resolved_at = now(), updated_at = now()
    where org_id = ${target.orgId} and connection_id = ${target.connectionId} and party_id_type = ${type} and party_identifier = ${identifier}
    returning id`);
  if (updated.length === 0) return { applied: false, reason: `unknown party lookup ${type} ${identifier}` };
  return { applied: true };
}

// ---------------------------------------------------------------------------------------------
// Bulks

type BulkRow = { id: string; rail_batch_id: string; state: string; attempts: number; disbursement_id: string | null };

/** The bulk waiting for this answer, locked; null when the id is not one of this connection's. */
async function lockBulk(tx: DbOrTx, target: MojaloopCallbackTarget, column: "bulk_quote_id" | "bulk_transfer_id", id: string): Promise<BulkRow | null> {
  const [bulk] = await tx.execute<BulkRow>(sql`
    select b.id, b.rail_batch_id, b.state, b.attempts, (select r.disbursement_id from rail_batches r where r.id = b.rail_batch_id) as disbursement_id
    from mojaloop_bulks b
    where b.${sql.raw(column)} = ${id} and b.org_id = ${target.orgId} and b.connection_id = ${target.connectionId}
    for update of b`);
  return bulk ?? null;
}

/** Wake the bulk's batch: the worker's stored-batch loop takes it at once (rail_batches.next_attempt_at). */
async function wake(db: Db, batchId: string) {
  await db.execute(sql`
    update rail_batches set next_attempt_at = now(), updated_at = now()
    where id = ${batchId} and status in ('CLAIMED', 'QUOTING') and next_attempt_at > now()`);
}

type Complete = (tx: DbOrTx, orgId: string, disbursementId: string) => Promise<unknown>;
type Failure = { paymentId: string; code: string; message: string };

async function failItems(tx: DbOrTx, orgId: string, bulk: BulkRow, failures: Failure[], phase: string, complete: Complete) {
  if (failures.length === 0) return;
  await tx.execute(sql`
    update mojaloop_transfers t set state = 'FAILED', error_code = f.code, error_message = left(f.message, 500), updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(failures)}::jsonb) as f("paymentId" uuid, code text, message text)
    where t.payment_id = f."paymentId" and t.bulk_id = ${bulk.id} and t.state not in ('COMMITTED', 'FAILED')`);
  await failPayments(tx, orgId, failures, phase);
  if (bulk.disbursement_id) await complete(tx, orgId, bulk.disbursement_id);
}

/** The switch refused the whole bulk in `phase`: its open items fail (no money moved) and the bulk is FAILED. */
async function failWholeBulk(tx: DbOrTx, orgId: string, bulk: BulkRow, phase: "QUOTING" | "TRANSFERRING", code: string, words: string, complete: Complete) {
  const items = await tx.execute<{ payment_id: string }>(sql`select payment_id from mojaloop_transfers where bulk_id = ${bulk.id} and state = ${phase}`);
  await failItems(
    tx,
    orgId,
    bulk,
    items.map((i) => ({ paymentId: i.payment_id, code, message: words })),
    phase,
    complete,
  );
  await tx.execute(
    sql`update mojaloop_bulks set state = 'FAILED', error_code = ${code}, error_message = ${words.slice(0, 500)}, updated_at = now() where id = ${bulk.id}`,
  );
}

/** The bulk back to QUOTING under a new id (new quote and transaction ids per open item); FAILED after too many attempts. */
async function requoteOrFail(tx: DbOrTx, orgId: string, bulk: BulkRow, why: Failure["code"], words: string, complete: Complete): Promise<"requoted" | "failed"> {
  if (bulk.attempts >= MAX_QUOTE_ATTEMPTS) {
    await failWholeBulk(tx, orgId, bulk, "QUOTING", why, words, complete);
    return "failed";
  }
  await tx.execute(sql`
    update mojaloop_bulks set bulk_quote_id = gen_random_uuid(), requested_at = null, error_code = ${why}, error_message = ${words.slice(0, 500)}, updated_at = now()
    where id = ${bulk.id}`);
  await tx.execute(sql`
    update mojaloop_transfers set quote_id = gen_random_uuid(), transaction_id = gen_random_uuid(), updated_at = now()
    where bulk_id = ${bulk.id} and state = 'QUOTING'`);
  return "requoted";
}

async function applyBulkQuote(
  db: Db,
  target: MojaloopCallbackTarget,
  bulkQuoteId: string,
  result: FspiopBulkQuoteResult,
  log: Log,
  complete: Complete,
): Promise<MojaloopCallbackOutcome> {
  const outcome = await db.transaction(async (tx) => {
    const bulk = await lockBulk(tx, target, "bulk_quote_id", bulkQuoteId);
    if (!bulk) return { applied: false, reason: `unknown bulk quote ${bulkQuoteId}` } as const;
    if (bulk.state !== "QUOTING") return { applied: false, reason: `bulk quote ${bulkQuoteId} was already answered (its bulk is ${bulk.state})` } as const;
    const results = new Map((result.individualQuoteResults ?? []).map((r) => [r.quoteId.toLowerCase(), r]));
    if (results.size === 0) {
      // An answer about nothing (a switch that lost the quote answers an empty lookup): quote again under new ids.
      const done = await requoteOrFail(tx, target.orgId, bulk, "NO_RESULTS", "The switch answered the bulk quote without any result.", complete);
      return { applied: true, batchId: bulk.rail_batch_id, note: done } as const;
    }
    const items = await tx.execute<{ payment_id: string; quote_id: string; amount: string; currency: string }>(sql`
      select payment_id, quote_id, amount::text as amount, currency from mojaloop_transfers where bulk_id = ${bulk.id} and state = 'QUOTING'`);
    const failures: Failure[] = [];
    const quoted: { paymentId: string; ilpPacket: string; condition: string; transferAmount: string; fee: string | null }[] = [];
    for (const item of items) {
      const r = results.get(item.quote_id);
      if (!r) {
        failures.push({ paymentId: item.payment_id, code: "NO_QUOTE", message: "The switch's answer to the bulk quote left this payment out; nothing was sent." });
      } else if (r.errorInformation) {
        failures.push({
          paymentId: item.payment_id,
          code: r.errorInformation.errorCode,
          message: describeFspiopError(r.errorInformation.errorCode, r.errorInformation.errorDescription),
        });
      } else if (!r.transferAmount || !r.ilpPacket || !r.condition) {
        failures.push({
          paymentId: item.payment_id,
          code: "NO_QUOTE",
          message: "The switch's quote for this payment has no amount, ILP packet or condition; nothing was sent.",
        });
      } else if (!quotedAmountMatches(r.transferAmount, item)) {
        // amountType SEND: we send exactly the payment's amount; any other figure is refused, not paid.
        failures.push({
          paymentId: item.payment_id,
          code: "QUOTE_AMOUNT",
          message: `The switch quoted ${r.transferAmount.amount} ${r.transferAmount.currency} for a payment of ${item.amount.replace(/\.?0+$/, "")} ${item.currency}; nothing was sent.`,
        });
      } else {
        quoted.push({
          paymentId: item.payment_id,
          ilpPacket: r.ilpPacket,
          condition: r.condition,
          transferAmount: r.transferAmount.amount,
          fee: r.payeeFspFee?.amount ?? null,
        });
      }
    }
    if (quoted.length > 0) {
      await tx.execute(sql`
        update mojaloop_transfers t set state = 'QUOTED', ilp_packet = q."ilpPacket", condition = q.condition,
               transfer_amount = q."transferAmount"::numeric, payee_fsp_fee = q.fee::numeric, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(quoted)}::jsonb) as q("paymentId" uuid, "ilpPacket" text, condition text, "transferAmount" text, fee text)
        where t.payment_id = q."paymentId" and t.bulk_id = ${bulk.id} and t.state = 'QUOTING'`);
    }
    await failItems(tx, target.orgId, bulk, failures, "QUOTING", complete);
    await tx.execute(sql`
      update mojaloop_bulks set state = ${quoted.length > 0 ? "QUOTED" : "FAILED"}, quote_expires_at = ${result.expiration}::timestamptz, requested_at = null,
             error_message = ${quoted.length > 0 ? null : "The switch refused every payment of the bulk quote."}, updated_at = now()
      where id = ${bulk.id}`);
    return { applied: true, batchId: bulk.rail_batch_id, note: `${quoted.length} quoted, ${failures.length} refused` } as const;
  });
  if (!outcome.applied) return outcome;
  await wake(db, outcome.batchId);
  log.info({ bulkQuoteId, result: outcome.note }, "mojaloop bulk quote answered");
  return { applied: true };
}

async function applyBulkQuoteError(
  db: Db,
  target: MojaloopCallbackTarget,
  bulkQuoteId: string,
  error: FspiopError,
  log: Log,
  complete: Complete,
): Promise<MojaloopCallbackOutcome> {
  const outcome = await db.transaction(async (tx) => {
    const bulk = await lockBulk(tx, target, "bulk_quote_id", bulkQuoteId);
    if (!bulk) return { applied: false, reason: `unknown bulk quote ${bulkQuoteId}` } as const;
    if (bulk.state !== "QUOTING") return { applied: false, reason: `bulk quote ${bulkQuoteId} was already answered (its bulk is ${bulk.state})` } as const;
    if (isNotFoundCode(error.code) || isTransientFspiopError(error.code)) {
      // The switch lost it or could not handle it now; no money moves on a quote: quote again under new ids.
      const done = await requoteOrFail(tx, target.orgId, bulk, error.code, error.words, complete);
      return { applied: true, batchId: bulk.rail_batch_id, note: done } as const;
    }
    await failWholeBulk(tx, target.orgId, bulk, "QUOTING", error.code, error.words, complete);
    return { applied: true, batchId: bulk.rail_batch_id, note: "failed" } as const;
  });
  if (!outcome.applied) return outcome;
  await wake(db, outcome.batchId);
  log.warn({ bulkQuoteId, code: error.code, words: error.words, result: outcome.note }, "mojaloop bulk quote refused");
  return { applied: true };
}

async function applyBulkTransfer(
  db: Db,
  target: MojaloopCallbackTarget,
  bulkTransferId: string,
  result: FspiopBulkTransferResult,
  log: Log,
  complete: Complete,
): Promise<MojaloopCallbackOutcome> {
  const outcome = await db.transaction(async (tx) => {
    const bulk = await lockBulk(tx, target, "bulk_transfer_id", bulkTransferId);
    if (!bulk) return { applied: false, reason: `unknown bulk transfer ${bulkTransferId}` } as const;
    if (bulk.state !== "TRANSFERRING") return { applied: false, reason: `bulk transfer ${bulkTransferId} is already final (${bulk.state})` } as const;
    const items = await tx.execute<{ payment_id: string; transfer_id: string; condition: string }>(sql`
      select payment_id, transfer_id, condition from mojaloop_transfers where bulk_id = ${bulk.id} and state = 'TRANSFERRING'`);
    const byTransfer = new Map(items.map((i) => [i.transfer_id.toLowerCase(), i]));
    const { verdicts } = bulkTransferVerdicts(result, new Map(items.map((i) => [i.transfer_id.toLowerCase(), i.condition])));
    const committed: { paymentId: string; fulfilment: string; completedAt: string | null }[] = [];
    const failures: Failure[] = [];
    const unverified: { paymentId: string; reason: string }[] = [];
    for (const [transferId, verdict] of verdicts) {
      const item = byTransfer.get(transferId)!;
      if (verdict.status === "SUCCESS") committed.push({ paymentId: item.payment_id, fulfilment: verdict.fulfilment, completedAt: verdict.completedAt });
      else if (verdict.status === "FAILED") failures.push({ paymentId: item.payment_id, code: verdict.code, message: verdict.message });
      else if (verdict.status === "UNVERIFIED") unverified.push({ paymentId: item.payment_id, reason: verdict.reason });
    }
    if (committed.length > 0) {
      await tx.execute(sql`
        update mojaloop_transfers t set state = 'COMMITTED', fulfilment = c.fulfilment, completed_at = coalesce(c."completedAt"::timestamptz, now()),
               error_code = null, error_message = null, updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(committed)}::jsonb) as c("paymentId" uuid, fulfilment text, "completedAt" text)
        where t.payment_id = c."paymentId" and t.bulk_id = ${bulk.id} and t.state = 'TRANSFERRING'`);
      await movePaymentStatus(tx, {
        orgId: target.orgId,
        from: ["PENDING"],
        to: "SUCCESS",
        message: "paid through the Mojaloop switch (fulfilment checked)",
        ids: committed.map((c) => c.paymentId),
        set: { railDetails: { mojaloop: { state: "COMMITTED", bulkTransferId } } },
      });
    }
    if (unverified.length > 0) {
      // Committed by the switch's word, but the fulfilment does not prove it: never SUCCESS. The
      // worker asks again (GET /bulkTransfers/{id}) after the callback timeout; staff see the reason.
      await tx.execute(sql`
        update mojaloop_transfers t set error_code = 'UNVERIFIED', error_message = left('Committed by the switch, but ' || u.reason || '; asked again.', 500), updated_at = now()
        from jsonb_to_recordset(${JSON.stringify(unverified)}::jsonb) as u("paymentId" uuid, reason text)
        where t.payment_id = u."paymentId" and t.bulk_id = ${bulk.id} and t.state = 'TRANSFERRING'`);
    }
    await failItems(tx, target.orgId, bulk, failures, "TRANSFERRING", complete);
    if (committed.length > 0 && bulk.disbursement_id) await complete(tx, target.orgId, bulk.disbursement_id);
    const [open] = await tx.execute<{ n: number }>(sql`select count(*)::int as n from mojaloop_transfers where bulk_id = ${bulk.id} and state = 'TRANSFERRING'`);
    const finished = (open?.n ?? 0) === 0;
    // Not finished: the clock restarts, so the worker asks (GET) only if nothing more comes within the timeout.
    await tx.execute(sql`
      update mojaloop_bulks set state = ${finished ? "COMPLETED" : "TRANSFERRING"}, requested_at = ${finished ? sql`requested_at` : sql`now()`}, updated_at = now()
      where id = ${bulk.id}`);
    return {
      applied: true,
      batchId: bulk.rail_batch_id,
      finished,
      counts: { committed: committed.length, failed: failures.length, unverified: unverified.length, open: open?.n ?? 0 },
    } as const;
  });
  if (!outcome.applied) return outcome;
  if (outcome.finished || outcome.counts.committed + outcome.counts.failed > 0) await wake(db, outcome.batchId);
  if (outcome.counts.unverified > 0) {
    log.warn({ bulkTransferId, unverified: outcome.counts.unverified }, "mojaloop transfers reported committed without a fulfilment that checks: not paid, asking again");
  }
  log.info({ bulkTransferId, state: result.bulkTransferState, ...outcome.counts }, "mojaloop bulk transfer answered");
  return { applied: true };
}

async function applyBulkTransferError(
  db: Db,
  target: MojaloopCallbackTarget,
  bulkTransferId: string,
  error: FspiopError,
  log: Log,
  complete: Complete,
): Promise<MojaloopCallbackOutcome> {
  const outcome = await db.transaction(async (tx) => {
    const bulk = await lockBulk(tx, target, "bulk_transfer_id", bulkTransferId);
    if (!bulk) return { applied: false, reason: `unknown bulk transfer ${bulkTransferId}` } as const;
    if (bulk.state !== "TRANSFERRING") return { applied: false, reason: `bulk transfer ${bulkTransferId} is already final (${bulk.state})` } as const;
    if (isNotFoundCode(error.code)) {
      // The switch has no record of it (a lookup after a lost POST): the one case it may be sent again.
      await tx.execute(
        sql`update mojaloop_bulks set requested_at = null, error_code = ${error.code}, error_message = ${error.words.slice(0, 500)}, updated_at = now() where id = ${bulk.id}`,
      );
      return { applied: true, batchId: bulk.rail_batch_id, note: "the switch never saw it: to be sent again" } as const;
    }
    if (isTransientFspiopError(error.code)) {
      // Whether money moved is unknown: ask again after the timeout, never resend.
      await tx.execute(
        sql`update mojaloop_bulks set requested_at = now(), error_code = ${error.code}, error_message = ${error.words.slice(0, 500)}, updated_at = now() where id = ${bulk.id}`,
      );
      return { applied: true, batchId: bulk.rail_batch_id, note: "transient: asking again later" } as const;
    }
    // The switch refused the whole bulk transfer: none of its transfers happened.
    await failWholeBulk(tx, target.orgId, bulk, "TRANSFERRING", error.code, error.words, complete);
    return { applied: true, batchId: bulk.rail_batch_id, note: "refused: its payments failed" } as const;
  });
  if (!outcome.applied) return outcome;
  await wake(db, outcome.batchId);
  log.warn({ bulkTransferId, code: error.code, words: error.words, result: outcome.note }, "mojaloop bulk transfer error");
  return { applied: true };
}
