import { and, eq, inArray, sql, type AnyColumn } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, g2pSenders, g2pTransactions, wallets } from "@/db/schema";
import { PAYMENT_STATUSES, type PaymentStatus, type StatusHistoryEntry } from "@/server/domain/disbursement-types";
import { envelopeStartProblem, type EnvelopeState } from "@/server/domain/g2p/envelope-rules";
import { formatStroops, toStroops } from "@/server/domain/money";
import { emptyStatusTotals, readDisbursementTotals, type StatusTotals } from "@/server/payments/payment-totals";

/**
 * SDP's totals of one disbursement, from the maintained per-status totals (db/schema/payment-totals.ts).
 * "Sent" counts SUCCESS; "remaining" counts what can still be paid (DRAFT, READY, PENDING, PAUSED);
 * money stays exact (stroops) to the end; the average rounds half away from zero as NUMERIC does.
 */
export function sdpTotals(t: StatusTotals) {
  const count = (statuses: PaymentStatus[]) => statuses.reduce((n, s) => n + t[s].count, 0);
  const totalPayments = count([...PAYMENT_STATUSES]);
  const totalStroops = PAYMENT_STATUSES.reduce((sum, s) => sum + toStroops(t[s].amount), 0n);
  const n = BigInt(totalPayments);
  const average = n === 0n ? 0n : (totalStroops * 2n + n) / (2n * n);
  return {
    total_payments: totalPayments,
    total_payments_sent: t.SUCCESS.count,
    total_payments_failed: t.FAILED.count,
    total_payments_canceled: t.CANCELED.count,
    total_payments_remaining: count(["DRAFT", "READY", "PENDING", "PAUSED"]),
    amount_disbursed: formatStroops(toStroops(t.SUCCESS.amount)),
    total_amount: formatStroops(totalStroops),
    average_amount: formatStroops(average),
  };
}

/**
 * The envelope (G2P Bridge): what the disbursement declares against what it received. "Received"
 * counts every payment it holds, cancelled ones included (cancelling does not reopen room).
 */
export type EnvelopeView = {
  declared_count: number | null;
  declared_total: string | null;
  scheduled_at: string | null;
  received_count: number;
  received_total: string;
  cancelled_count: number;
  cancellation_status: "NOT_CANCELLED" | "CANCELLED";
  cancellation_time_stamp: string | null;
  auto_start: boolean;
  /** Why the envelope cannot start now (incomplete or not yet due), while it has not started. */
  start_blocked_reason: string | null;
};

/** Where a disbursement came from when a G2P Connect sender made it (null otherwise). */
export type G2pOriginView = { sender_id: string; sender_name: string; transaction_id: string };

export type DisbursementView = {
  id: string;
  name: string;
  receiver_registration_message_template: string | null;
  registration_contact_type: string;
  verification_field: string | null;
  status: (typeof disbursements.$inferSelect)["status"];
  status_history: StatusHistoryEntry[];
  file_name: string | null;
  created_at: string;
  updated_at: string;
  created_by: string | null;
  /** Null for a BANK_ACCOUNT disbursement: bank accounts are paid without a wallet provider (docs/rails.md "Destinations"). */
  wallet: {
    id: string;
    name: string;
    homepage: string;
    sep_10_client_domain: string;
    deep_link_schema: string;
    enabled: boolean;
    created_at: string;
    updated_at: string;
  } | null;
  /** `kind` and `decimals` (docs/rails.md "Rail-neutral data"): amounts are shown in the asset's decimals. */
  asset: { id: string; kind: "STELLAR" | "FIAT"; code: string; issuer: string; decimals: number; created_at: string; updated_at: string; deleted_at: string | null };
  envelope: EnvelopeView;
  g2p: G2pOriginView | null;
} & ReturnType<typeof sdpTotals>;

/** The pure rules' input, from a view (its totals are the received ones). */
export function envelopeStateOf(view: Pick<DisbursementView, "status" | "envelope">): EnvelopeState {
  const e = view.envelope;
  return {
    status: view.status,
    declaredCount: e.declared_count,
    declaredTotalStroops: e.declared_total === null ? null : toStroops(e.declared_total),
    scheduledAt: e.scheduled_at === null ? null : new Date(e.scheduled_at),
    receivedCount: e.received_count,
    receivedTotalStroops: toStroops(e.received_total),
  };
}

/** What the envelope holds, counted in SQL under the caller's lock (cancelled payments included). */
export async function loadEnvelopeState(
  tx: DbOrTx,
  orgId: string,
  d: Pick<typeof disbursements.$inferSelect, "id" | "status" | "declaredCount" | "declaredTotal" | "scheduledAt">,
): Promise<EnvelopeState> {
  const totals = sdpTotals((await readDisbursementTotals(tx, orgId, [d.id])).get(d.id)!);
  return {
    status: d.status,
    declaredCount: d.declaredCount,
    declaredTotalStroops: d.declaredTotal === null ? null : toStroops(d.declaredTotal),
    scheduledAt: d.scheduledAt,
    receivedCount: totals.total_payments,
    receivedTotalStroops: toStroops(totals.total_amount),
  };
}

/** Load disbursements of one organization in SDP's response shape, totals included. */
export async function loadDisbursementViews(db: DbOrTx, orgId: string, ids: string[]): Promise<DisbursementView[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      d: disbursements,
      w: wallets,
      a: assets,
      g2p: { senderId: g2pSenders.senderId, senderName: g2pSenders.name, transactionId: g2pTransactions.transactionId },
    })
    .from(disbursements)
    .leftJoin(wallets, eq(wallets.id, disbursements.walletId))
    .innerJoin(assets, eq(assets.id, disbursements.assetId))
    .leftJoin(g2pTransactions, and(eq(g2pTransactions.disbursementId, disbursements.id), eq(g2pTransactions.orgId, orgId)))
    .leftJoin(g2pSenders, eq(g2pSenders.id, g2pTransactions.senderRowId))
    .where(and(eq(disbursements.orgId, orgId), inArray(disbursements.id, ids)));
  const totals = await readDisbursementTotals(db, orgId, ids);
  const now = new Date();
  const byId = new Map(
    rows.map(({ d, w, a, g2p }) => {
      const t = sdpTotals(totals.get(d.id) ?? emptyStatusTotals());
      const envelope: EnvelopeView = {
        declared_count: d.declaredCount,
        declared_total: d.declaredTotal,
        scheduled_at: d.scheduledAt?.toISOString() ?? null,
        received_count: t.total_payments,
        received_total: t.total_amount,
        cancelled_count: t.total_payments_canceled,
        cancellation_status: d.status === "CANCELED" ? "CANCELLED" : "NOT_CANCELLED",
        cancellation_time_stamp: d.cancelledAt?.toISOString() ?? null,
        auto_start: d.autoStart,
        start_blocked_reason: null,
      };
      if (d.status === "DRAFT" || d.status === "READY") envelope.start_blocked_reason = envelopeStartProblem(envelopeStateOf({ status: d.status, envelope }), now);
      const view: DisbursementView = {
        id: d.id,
        name: d.name,
        receiver_registration_message_template: d.receiverRegistrationMessageTemplate,
        registration_contact_type: d.registrationContactType,
        verification_field: d.verificationField,
        status: d.status,
        status_history: d.statusHistory,
        file_name: d.fileName,
        created_at: d.createdAt.toISOString(),
        updated_at: d.updatedAt.toISOString(),
        created_by: d.createdBy,
        wallet: w
          ? {
              id: w.id,
              name: w.name,
              homepage: w.homepage,
              sep_10_client_domain: w.sep10ClientDomain,
              deep_link_schema: w.deepLinkSchema,
              enabled: w.enabled,
              created_at: w.createdAt.toISOString(),
              updated_at: w.updatedAt.toISOString(),
            }
          : null,
        asset: {
          id: a.id,
          kind: a.kind,
          code: a.code,
          issuer: a.issuer,
          decimals: a.decimals,
          created_at: a.createdAt.toISOString(),
          updated_at: a.updatedAt.toISOString(),
          // History keeps a soft-deleted asset: SDP's deleted_at says so.
          deleted_at: a.deletedAt ? a.deletedAt.toISOString() : null,
        },
        ...t,
        envelope,
        g2p: g2p?.senderId && g2p.transactionId ? { sender_id: g2p.senderId, sender_name: g2p.senderName ?? g2p.senderId, transaction_id: g2p.transactionId } : null,
      };
      return [d.id, view] as const;
    }),
  );
  return ids.map((id) => byId.get(id)).filter((v): v is DisbursementView => v !== undefined);
}

/** SQL fragment appending one `{user_id, status, timestamp}` entry to a status_history column. */
export function appendStatusHistory(column: AnyColumn, userId: string | null, status: string) {
  const entry: StatusHistoryEntry = { user_id: userId, status, timestamp: new Date().toISOString() };
  return sql`${column} || ${JSON.stringify([entry])}::jsonb`;
}
