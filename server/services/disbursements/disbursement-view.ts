import { and, eq, inArray, sql, type AnyColumn } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, payments, wallets } from "@/db/schema";
import type { StatusHistoryEntry } from "@/server/domain/disbursement-types";

/**
 * Totals computed in SQL, per disbursement (SDP's shape). "Sent" counts SUCCESS; "remaining"
 * counts what can still be paid (DRAFT, READY, PENDING, PAUSED); money stays NUMERIC to the end.
 */
export function totalsQuery(db: DbOrTx, orgId: string, disbursementIds: string[]) {
  return db
    .select({
      disbursementId: payments.disbursementId,
      totalPayments: sql<number>`count(*)::int`,
      totalPaymentsSent: sql<number>`count(*) filter (where ${payments.status} = 'SUCCESS')::int`,
      totalPaymentsFailed: sql<number>`count(*) filter (where ${payments.status} = 'FAILED')::int`,
      totalPaymentsCanceled: sql<number>`count(*) filter (where ${payments.status} = 'CANCELED')::int`,
      totalPaymentsRemaining: sql<number>`count(*) filter (where ${payments.status} in ('DRAFT','READY','PENDING','PAUSED'))::int`,
      amountDisbursed: sql<string>`coalesce(sum(${payments.amount}) filter (where ${payments.status} = 'SUCCESS'), 0)::numeric(19,7)::text`,
      totalAmount: sql<string>`coalesce(sum(${payments.amount}), 0)::numeric(19,7)::text`,
      averageAmount: sql<string>`coalesce(avg(${payments.amount}), 0)::numeric(19,7)::text`,
    })
    .from(payments)
    .where(and(eq(payments.orgId, orgId), inArray(payments.disbursementId, disbursementIds)))
    .groupBy(payments.disbursementId);
}

const EMPTY_TOTALS = {
  total_payments: 0,
  total_payments_sent: 0,
  total_payments_failed: 0,
  total_payments_canceled: 0,
  total_payments_remaining: 0,
  amount_disbursed: "0.0000000",
  total_amount: "0.0000000",
  average_amount: "0.0000000",
};

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
  wallet: { id: string; name: string; homepage: string; sep_10_client_domain: string; deep_link_schema: string; enabled: boolean; created_at: string; updated_at: string };
  asset: { id: string; code: string; issuer: string; created_at: string; updated_at: string };
} & typeof EMPTY_TOTALS;

/** Load disbursements of one organization in SDP's response shape, totals included. */
export async function loadDisbursementViews(db: DbOrTx, orgId: string, ids: string[]): Promise<DisbursementView[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select({ d: disbursements, w: wallets, a: assets })
    .from(disbursements)
    .innerJoin(wallets, eq(wallets.id, disbursements.walletId))
    .innerJoin(assets, eq(assets.id, disbursements.assetId))
    .where(and(eq(disbursements.orgId, orgId), inArray(disbursements.id, ids)));
  const totals = new Map((await totalsQuery(db, orgId, ids)).map((t) => [t.disbursementId, t]));
  const byId = new Map(
    rows.map(({ d, w, a }) => {
      const t = totals.get(d.id);
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
        wallet: {
          id: w.id,
          name: w.name,
          homepage: w.homepage,
          sep_10_client_domain: w.sep10ClientDomain,
          deep_link_schema: w.deepLinkSchema,
          enabled: w.enabled,
          created_at: w.createdAt.toISOString(),
          updated_at: w.updatedAt.toISOString(),
        },
        asset: { id: a.id, code: a.code, issuer: a.issuer, created_at: a.createdAt.toISOString(), updated_at: a.updatedAt.toISOString() },
        ...(t
          ? {
              total_payments: t.totalPayments,
              total_payments_sent: t.totalPaymentsSent,
              total_payments_failed: t.totalPaymentsFailed,
              total_payments_canceled: t.totalPaymentsCanceled,
              total_payments_remaining: t.totalPaymentsRemaining,
              amount_disbursed: t.amountDisbursed,
              total_amount: t.totalAmount,
              average_amount: t.averageAmount,
            }
          : EMPTY_TOTALS),
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
