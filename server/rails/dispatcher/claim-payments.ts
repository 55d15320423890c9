import { sql } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import type { DestinationKind, RailType } from "@/server/domain/rails";
import { lockPaymentTotals, movePaymentStatus, shareDisbursements, uuidArray } from "@/server/payments/payment-state-writer";
import type { ClaimablePayment, ClaimCandidate, RailClaimStep, RailPreparation } from "../payment-rail";

/**
 * The one claim of the dispatcher, for every rail (docs/rails/dispatcher.md): READY payments of a
 * STARTED disbursement routed to one enabled connection of a rail, locked FOR UPDATE SKIP LOCKED in
 * file order, handed to the rail's claim step, and moved READY → PENDING through the payment status
 * writer with each payment's rail reference — all in one transaction, in the platform's lock order
 * (disbursement → payments → totals). The rail's own rows (a channel account, a signed envelope, a
 * stored batch) are written by its hooks inside the same transaction, before the move.
 *
 * Its cost does not depend on the READY backlog: the candidate comes from the small tables (STARTED
 * disbursements whose maintained READY total is above zero) and one probe of the partial index
 * `payments_ready_connection_claim_idx (disbursement_id, connection_id, line_number, id) WHERE
 * status = 'READY'`, from which the payments are then read with LIMIT … FOR UPDATE SKIP LOCKED.
 *
 * The disbursement is locked FOR SHARE, still STARTED: claims and settlements of one disbursement run
 * side by side, each on the payments it locked, and meet only on its totals rows (the writer's
 * trigger) in the LAST statement; pause, resume and cancel (FOR NO KEY UPDATE) wait for them and they
 * for those. No remote call runs inside the transaction: the rail's `beforeClaim` runs before it
 * opens, a `retry`'s remote work after it closed.
 */

/** What one claim needs: the rail(s) claimed for, the rail's hooks, and this worker's memory of unpayable candidates. */
export type ClaimLane = {
  db: Db;
  /** The rails whose connections are candidates (one rail for a claim step; the stored-batch rails together). */
  railTypes: readonly RailType[];
  orgIds: readonly string[] | null;
  step: Pick<RailClaimStep, "maxPayments" | "destinationKinds" | "beforeClaim" | "reserve" | "prepare">;
  /**
   * Candidates (`disbursement|connection`) whose READY payments were all unpayable at the last look
   * (wallets not registered yet), with when to look again: skipped meanwhile, so they never block
   * the candidates behind them.
   */
  nothingPayableUntil?: Map<string, number>;
  /** `claimMoveMs`: time in the claims' last statement, where they wait for other claims and settlements of the disbursement. */
  counters?: { claimMoveMs: number };
};

export type ClaimResult =
  | { kind: "claimed"; batch: unknown; paymentIds: string[]; candidate: ClaimCandidate }
  /** Nothing claimable. */
  | { kind: "idle" }
  /** Work exists but the rail cannot take it now (no free channel), or another claimer holds every READY payment of it. */
  | { kind: "busy" };

/** Candidates read per claim: a busy or unpayable one never hides the ones behind it. */
const CANDIDATES = 8;
/** How long a candidate with nothing payable is skipped before the claim looks at it again. */
export const NOTHING_PAYABLE_RECHECK_MS = 1_000;

type CandidateRow = { disbursement_id: string; org_id: string; asset_id: string; connection_id: string; rail_type: RailType };
type PaymentRow = { id: string; amount: string; kind: DestinationKind | null; value: string | null; memo: string | null };
type Attempt =
  | { kind: "claimed"; batch: unknown; paymentIds: string[] }
  | { kind: "busy" }
  | { kind: "nothing-payable" }
  | { kind: "gone" }
  | { kind: "again" }
  | { kind: "retry"; outside(): Promise<void> };

const keyOf = (c: { disbursementId: string; connectionId: string }) => `${c.disbursementId}|${c.connectionId}`;

/** The candidates to skip now (forgetting those whose time to look again has come). */
function skippedCandidates(until: Map<string, number> | undefined): string[] {
  if (!until || until.size === 0) return [];
  const now = Date.now();
  for (const [key, at] of until) if (at <= now) until.delete(key);
  return [...until.keys()];
}

/**
 * The oldest STARTED disbursements with READY payments (maintained totals) × the enabled connections
 * of these rails that have a READY payment of them (one probe of payments_ready_connection_claim_idx).
 * No lock: the claim locks the disbursement it works on. A handful of rows: disbursements are few.
 */
export function claimCandidatesQuery(railTypes: readonly RailType[], orgIds: readonly string[] | null, skipped: readonly string[] = [], limit = CANDIDATES) {
  const rails = sql`${`{${railTypes.join(",")}}`}::rail_type[]`;
  const orgFilter = orgIds ? sql`and d.org_id = any(${uuidArray(orgIds)})` : sql``;
  const skipFilter = skipped.length > 0 ? sql`and not ((d.id::text || '|' || c.id::text) = any(${`{${skipped.join(",")}}`}::text[]))` : sql``;
  return sql`
    select d.id as disbursement_id, d.org_id, d.asset_id, c.id as connection_id, c.rail_type
    from disbursements d
    join payment_connections c on c.org_id = d.org_id and c.rail_type = any(${rails}) and c.enabled
    -- The first READY payment of the connection, in the index's own order with LIMIT 1: always one
    -- probe of the partial index, never a scan of the payments table (which an EXISTS may plan when
    -- READY rows look plentiful, walking every settled row ahead of them).
    join lateral (
      select 1 from payments p where p.disbursement_id = d.id and p.connection_id = c.id and p.status = 'READY'
      order by p.disbursement_id, p.connection_id, p.line_number, p.id limit 1) first_ready on true
    where d.status = 'STARTED' ${orgFilter} ${skipFilter}
      and exists (select 1 from disbursement_payment_totals t where t.disbursement_id = d.id and t.status = 'READY' and t.payment_count > 0)
    order by d.created_at, d.id, c.id
    limit ${sql.raw(String(Math.max(1, Math.trunc(limit))))}`;
}

/**
 * The candidate's next READY payments in file order, from payments_ready_connection_claim_idx,
 * locked (rows another claimer holds are skipped) — or, with `lock` false, whether any exists at
 * all (limit 1, no lock). The disbursement must be STARTED in the statement's snapshot: READY
 * payments of a PAUSED disbursement are never claimed. With `destinationKinds`, only payments whose
 * receiver wallet is REGISTERED with a destination of those kinds. The limit is a literal: a
 * prepared statement's generic plan would otherwise not know how few rows are wanted.
 */
export function readyPaymentsQuery(
  candidate: Pick<ClaimCandidate, "disbursementId" | "connectionId">,
  limit: number,
  destinationKinds?: readonly DestinationKind[],
  lock = true,
) {
  const payable = destinationKinds
    ? sql`and rw.status = 'REGISTERED' and rw.destination_value is not null and rw.destination_kind = any(${`{${destinationKinds.join(",")}}`}::destination_kind[])`
    : sql``;
  return sql`
    select p.id, p.amount::text as amount, rw.destination_kind as kind, rw.destination_value as value, rw.destination_memo as memo
    from payments p
    join disbursements d on d.id = p.disbursement_id and d.status = 'STARTED'
    left join receiver_wallets rw on rw.id = p.receiver_wallet_id
    where p.disbursement_id = ${candidate.disbursementId} and p.connection_id = ${candidate.connectionId} and p.status = 'READY' ${payable}
    order by p.line_number, p.id
    limit ${sql.raw(String(lock ? Math.max(1, Math.trunc(limit)) : 1))}
    ${lock ? sql`for update of p skip locked` : sql``}`;
}

/**
 * Claim one batch for the lane's rail(s): candidates in order, the rail's `beforeClaim` outside any
 * transaction, then the claim's transaction (claimInTransaction). A candidate the rail is busy with,
 * or has nothing payable in, never hides the ones behind it.
 */
export async function claimPayments(lane: ClaimLane): Promise<ClaimResult> {
  let busy = false;
  const busyConnections = new Set<string>();
  for (let pass = 0; pass < 3; pass++) {
    // An idle poll is this one small read: no lock, no remote call.
    const rows = await lane.db.execute<CandidateRow>(claimCandidatesQuery(lane.railTypes, lane.orgIds, skippedCandidates(lane.nothingPayableUntil)));
    if (rows.length === 0) break;
    let unpayable = false;
    for (const row of rows) {
      if (busyConnections.has(row.connection_id)) continue;
      const candidate: ClaimCandidate = {
        disbursementId: row.disbursement_id,
        orgId: row.org_id,
        connectionId: row.connection_id,
        assetId: row.asset_id,
        railType: row.rail_type,
      };
      const start = lane.step.beforeClaim ? await lane.step.beforeClaim(candidate) : { kind: "ready" as const };
      if (start.kind === "busy") {
        busy = true;
        busyConnections.add(candidate.connectionId);
        continue;
      }
      if (start.kind === "skip") {
        unpayable = true;
        lane.nothingPayableUntil?.set(keyOf(candidate), Date.now() + NOTHING_PAYABLE_RECHECK_MS);
        continue;
      }
      let attempt: Attempt = { kind: "busy" };
      for (let round = 0, retries = 0; round < 20; round++) {
        attempt = await lane.db.transaction((tx) => claimInTransaction(lane, tx, candidate, start.state));
        if (attempt.kind === "again") continue; // unpayable payments failed and committed: claim again at once
        if (attempt.kind !== "retry") break;
        // Remote work the rail needs before it can claim (a channel's sequence number), with no transaction open.
        if (++retries > 3) {
          attempt = { kind: "busy" };
          break;
        }
        await attempt.outside();
      }
      if (attempt.kind === "claimed") return { kind: "claimed", batch: attempt.batch, paymentIds: attempt.paymentIds, candidate };
      if (attempt.kind === "busy" || attempt.kind === "retry" || attempt.kind === "again") {
        busy = true;
        busyConnections.add(candidate.connectionId);
      } else if (attempt.kind === "nothing-payable") {
        // READY payments whose wallets are not registered yet (or a pause meanwhile): look at the candidates behind this one.
        unpayable = true;
        lane.nothingPayableUntil?.set(keyOf(candidate), Date.now() + NOTHING_PAYABLE_RECHECK_MS);
      }
      // gone: no longer STARTED; the next candidate.
    }
    // Candidates beyond the first few may hide behind unpayable ones (now skipped): read again.
    if (!unpayable || rows.length < CANDIDATES) break;
  }
  return busy ? { kind: "busy" } : { kind: "idle" };
}

async function claimInTransaction(lane: ClaimLane, tx: DbOrTx, candidate: ClaimCandidate, state: unknown): Promise<Attempt> {
  // 1. The disbursement FOR SHARE, still STARTED.
  if ((await shareDisbursements(tx, [candidate.disbursementId], true)).length === 0) return { kind: "gone" };

  // 2. What the rail holds for this claim (a free channel, SKIP LOCKED), before any payment is locked.
  const reserved = lane.step.reserve ? await lane.step.reserve(tx, candidate, state) : { kind: "reserved" as const, reservation: undefined };
  if (reserved.kind === "busy") return { kind: "busy" };
  if (reserved.kind === "skip") return { kind: "nothing-payable" };
  if (reserved.kind === "retry") return { kind: "retry", outside: reserved.outside };

  // 3. The connection's next READY payments, locked, in file order.
  const kinds = lane.step.destinationKinds;
  const rows = [...(await tx.execute<PaymentRow>(readyPaymentsQuery(candidate, lane.step.maxPayments, kinds)))];
  if (rows.length === 0) {
    // Every payable READY payment is held by another claimer right now: come back shortly.
    if ((await tx.execute(readyPaymentsQuery(candidate, 1, kinds, false))).length > 0) return { kind: "busy" };
    return { kind: "nothing-payable" };
  }
  const payments: ClaimablePayment[] = rows.map((r) => ({
    id: r.id,
    amount: r.amount,
    destination: r.kind && r.value !== null ? { kind: r.kind, value: r.value, memo: r.memo } : null,
  }));

  // 4. The rail picks, stores what it will send, and names each payment's reference.
  const prepared: RailPreparation = await lane.step.prepare(tx, { candidate, state, reservation: reserved.reservation, payments });
  if (prepared.kind === "fail") {
    // Payments the rail can never pay fail now, visibly, instead of looping; committed on their own
    // (their totals rows locked first in the trigger's order when there is more than one move).
    const byMessage = new Map<string, string[]>();
    for (const p of prepared.payments) byMessage.set(p.message, [...(byMessage.get(p.message) ?? []), p.id]);
    if (byMessage.size > 1) await lockPaymentTotals(tx, [candidate.disbursementId], ["READY", "FAILED"]);
    for (const [message, ids] of byMessage) {
      await movePaymentStatus(tx, { orgId: candidate.orgId, from: ["READY"], to: "FAILED", message, ids, withoutDisbursementLock: true });
    }
    return { kind: "again" };
  }
  if (prepared.payments.length === 0) return { kind: "busy" };

  // 5. Last, READY → PENDING with each payment's reference: the only statement that waits for other
  // claims and settlements of this disbursement (its totals rows, held from here to the commit).
  const ids = prepared.payments.map((p) => p.id);
  const reference = prepared.payments[0]!.reference;
  const oneReference = !prepared.details && prepared.payments.every((p) => p.reference === reference);
  const t0 = performance.now();
  const moved = await movePaymentStatus(tx, {
    orgId: candidate.orgId,
    from: ["READY"],
    to: "PENDING",
    message: prepared.message,
    ids,
    ...(oneReference
      ? { set: { railReference: reference, ...(prepared.railBatchId ? { railBatchId: prepared.railBatchId } : {}) } }
      : {
          ...(prepared.railBatchId ? { set: { railBatchId: prepared.railBatchId } } : {}),
          railUpdates: prepared.payments.map((p) => ({ id: p.id, details: prepared.details ?? {}, reference: p.reference })),
        }),
    withoutDisbursementLock: true,
  });
  if (lane.counters) lane.counters.claimMoveMs += performance.now() - t0;
  if (moved.length !== ids.length) throw new Error(`claimed ${ids.length} payments but moved ${moved.length} to PENDING`);
  return { kind: "claimed", batch: prepared.batch, paymentIds: ids };
}
