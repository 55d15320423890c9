import { and, eq, sql, type SQL } from "drizzle-orm";
import type { Db, DbOrTx } from "@/db/client";
import { g2pSenders, g2pTransactions, type G2pTransaction } from "@/db/schema";
import { DISBURSEMENT_STATUSES, PAYMENT_STATUSES } from "@/server/domain/disbursement-types";
import type { G2pItemStatus } from "@/server/domain/g2p/codes";
import { g2pItemStatus } from "@/server/domain/g2p/item-status";
import { logger } from "@/server/log";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { enqueueCallback } from "./enqueue-callback";
import { completedCount, disburseHeaderStatus, wireItem } from "./g2p-answers";
import { loadItemStatuses } from "./item-views";

/**
 * Unsolicited `/on-disburse` callbacks: whenever an item's G2P status (derived from its payment and
 * envelope) differs from the one last reported to its sender, report it. Items are grouped by G2P
 * transaction, at most `chunk` per callback; each callback is enqueued and the items marked
 * reported in one transaction, with the items locked `FOR UPDATE SKIP LOCKED` so several workers
 * never report the same change twice.
 */

/**
 * `g2pItemStatus(payment.status, disbursement.status)` as a SQL CASE, generated from the TS function
 * over every status pair so the two cannot drift apart. `payment` and `disbursement` are the
 * status columns to read.
 */
export function g2pItemStatusSql(payment: SQL, disbursement: SQL): SQL {
  const branches: SQL[] = [];
  for (const p of PAYMENT_STATUSES) {
    const byDisbursement = DISBURSEMENT_STATUSES.map((d) => [d, g2pItemStatus(p, d)] as const);
    const distinct = new Set(byDisbursement.map(([, s]) => s));
    if (distinct.size === 1) {
      branches.push(sql`when ${payment} = ${sql.raw(`'${p}'`)} then ${sql.raw(`'${byDisbursement[0]![1]}'`)}`);
      continue;
    }
    for (const [d, s] of byDisbursement) {
      branches.push(sql`when ${payment} = ${sql.raw(`'${p}'`)} and ${disbursement} = ${sql.raw(`'${d}'`)} then ${sql.raw(`'${s}'`)}`);
    }
  }
  return sql`(case ${sql.join(branches, sql` `)} end)`;
}

const CURRENT = g2pItemStatusSql(sql`p.status::text`, sql`d.status::text`);
// `succ` is final (a paid payment never changes again): once reported, an item is never looked at again.
const CHANGED = sql`(gi.reported_status is null or gi.reported_status <> 'succ') and gi.reported_status is distinct from ${CURRENT}`;

export type ReportResult = { callbacks: number; items: number };

export async function reportItemChanges(
  db: Db,
  options: { limit?: number; chunk?: number; orgIds?: string[] | null; log?: Pick<typeof logger, "info" | "warn"> } = {},
): Promise<ReportResult> {
  const limit = Math.max(1, options.limit ?? 10_000);
  const chunk = Math.max(1, options.chunk ?? 1_000);
  const log = options.log ?? logger;
  const orgFilter = options.orgIds?.length
    ? sql`and gi.org_id in (${sql.join(
        options.orgIds.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})`
    : sql``;

  // Which transactions have something to report (read without locks; each group re-checks under lock).
  const groups = (await db.execute(sql`
    select distinct gi.g2p_transaction_id as id
    from g2p_items gi
    join payments p on p.id = gi.payment_id
    join disbursements d on d.id = p.disbursement_id
    where ${CHANGED} ${orgFilter}
    limit 200`)) as unknown as { id: string }[];

  const result: ReportResult = { callbacks: 0, items: 0 };
  for (const group of groups) {
    while (result.items < limit) {
      const n = await reportChunk(db, group.id, Math.min(chunk, limit - result.items), log);
      if (n === 0) break;
      result.callbacks++;
      result.items += n;
      log.info({ event: "g2p.items.reported", g2p_transaction_row_id: group.id, items: n }, "item status changes enqueued for the sender");
      if (n < chunk) break;
    }
    if (result.items >= limit) break;
  }
  return result;
}

/** Report up to `max` changed items of one G2P transaction in one callback; returns how many. */
async function reportChunk(db: Db, g2pTransactionRowId: string, max: number, log: Pick<typeof logger, "info" | "warn">): Promise<number> {
  return db.transaction(async (tx) => {
    const locked = (await tx.execute(sql`
      select gi.id, gi.reference_id, ${CURRENT} as status
      from g2p_items gi
      join payments p on p.id = gi.payment_id
      join disbursements d on d.id = p.disbursement_id
      where gi.g2p_transaction_id = ${g2pTransactionRowId}::uuid and ${CHANGED}
      order by gi.received_at, gi.id
      limit ${max}
      for update of gi skip locked`)) as unknown as { id: string; reference_id: string; status: G2pItemStatus }[];
    if (locked.length === 0) return 0;

    const [txn] = await tx.select().from(g2pTransactions).where(eq(g2pTransactions.id, g2pTransactionRowId));
    if (!txn) return 0;
    const [sender] = await tx
      .select()
      .from(g2pSenders)
      .where(and(eq(g2pSenders.id, txn.senderRowId), eq(g2pSenders.orgId, txn.orgId)));
    if (!sender) return 0;
    const expected = new Map(locked.map((r) => [r.id, r.status]));
    const views = (await loadItemStatuses(tx, txn.orgId, txn.senderRowId, { kind: "references", referenceIds: locked.map((r) => r.reference_id) })).filter((v) =>
      expected.has(v.item_id),
    );
    if (views.length === 0) return 0;
    const drift = views.filter((v) => expected.get(v.item_id) !== v.status);
    if (drift.length > 0) {
      // Either the payment moved on since the lock (it is reported again next run) or the item view
      // and g2pItemStatusSql disagree: worth seeing in the logs.
      log.warn({ event: "g2p.items.status_drift", items: drift.length, example: drift[0]!.reference_id }, "item view status differs from the SQL status");
    }

    const statuses = views.map((v) => v.status);
    const encrypt = sender.encryptionPublicKey !== null && (await openedEncrypted(tx, txn));
    await enqueueCallback(tx, {
      orgId: txn.orgId,
      sender,
      endpoint: "/on-disburse",
      action: "on-disburse",
      callbackBase: txn.callbackBase,
      correlationId: null,
      transactionId: txn.transactionId,
      message: { transaction_id: txn.transactionId, disbursements_status: views.map((v) => wireItem(v)) },
      status: disburseHeaderStatus(statuses),
      totalCount: views.length,
      completedCount: completedCount(statuses),
      encrypt,
    });

    // Record what was reported (the statuses in the callback, read in this transaction).
    const byStatus = new Map<string, string[]>();
    for (const v of views) {
      const ids = byStatus.get(v.status);
      if (ids) ids.push(v.item_id);
      else byStatus.set(v.status, [v.item_id]);
    }
    // One uuid[] parameter per status, not an IN list with a parameter per item (docs/performance.md).
    for (const [status, ids] of byStatus) {
      await tx.execute(sql`update g2p_items set reported_status = ${status}, reported_at = now() where org_id = ${txn.orgId} and id = any(${uuidArray(ids)})`);
    }
    return views.length;
  });
}

/**
 * Whether the request that opened a transaction came encrypted (docs/g2p-connect.md#encrypted-messages):
 * then its status updates are encrypted to the sender too. That request was logged in the same
 * database transaction as the g2p_transactions row, so the newest accepted request of the transaction
 * at or before the row's created_at (microseconds: compared in SQL) is it, read through
 * g2p_messages_org_created_idx from there back.
 */
async function openedEncrypted(tx: DbOrTx, txn: G2pTransaction): Promise<boolean> {
  const [row] = (await tx.execute(sql`
    select (m.body->'header'->>'is_msg_encrypted') = 'true' as encrypted
    from g2p_messages m
    where m.org_id = ${txn.orgId} and m.created_at <= (select t.created_at from g2p_transactions t where t.id = ${txn.id}::uuid)
      and m.direction = 'inbound' and m.status = 'ACK' and m.sender_row_id = ${txn.senderRowId} and m.transaction_id = ${txn.transactionId}
    order by m.created_at desc
    limit 1`)) as unknown as { encrypted: boolean | null }[];
  return row?.encrypted === true;
}
