import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, payments, receivers, receiverWallets, wallets } from "@/db/schema";
import { cancellationStatus, replyStatus, shipmentStatus } from "@/server/domain/g2p/envelope-rules";

/** Columns for payment rows in SDP's response shape. */
export const paymentColumns = {
  p: payments,
  d: { id: disbursements.id, name: disbursements.name, status: disbursements.status, scheduledAt: disbursements.scheduledAt },
  a: { id: assets.id, code: assets.code, issuer: assets.issuer },
  r: { id: receivers.id, externalId: receivers.externalId, phoneNumber: receivers.phoneNumber, email: receivers.email },
  rw: { id: receiverWallets.id, status: receiverWallets.status, stellarAddress: receiverWallets.stellarAddress, stellarMemo: receiverWallets.stellarMemo },
  w: { id: wallets.id, name: wallets.name },
  /** A PENDING payment's transaction (stored before it is submitted): the hash to follow it by. */
  tx: {
    openHash: sql<string | null>`(
      select t.hash from stellar_transaction_payments stp
      join stellar_transactions t on t.id = stp.transaction_id
      where stp.payment_id = ${payments.id} and t.status in ('BUILT', 'SUBMITTED')
      order by t.created_at desc limit 1)`,
  },
  /** The G2P Connect item it came from, if a sender made it (one item per payment, indexed). */
  g2p: { referenceId: sql<string | null>`(select gi.reference_id from g2p_items gi where gi.payment_id = ${payments.id})` },
};

export function paymentBaseQuery(db: DbOrTx) {
  return db
    .select(paymentColumns)
    .from(payments)
    .innerJoin(disbursements, eq(disbursements.id, payments.disbursementId))
    .innerJoin(assets, eq(assets.id, payments.assetId))
    .innerJoin(receivers, eq(receivers.id, payments.receiverId))
    .innerJoin(receiverWallets, eq(receiverWallets.id, payments.receiverWalletId))
    .innerJoin(wallets, eq(wallets.id, receiverWallets.walletId));
}

type Row = Awaited<ReturnType<ReturnType<typeof paymentBaseQuery>["execute"]>>[number];

export function toPaymentView({ p, d, a, r, rw, w, tx, g2p }: Row) {
  // G2P Bridge tracking, derived from the payment's own status and history.
  const shipment = shipmentStatus(p.statusHistory);
  const reply = replyStatus(p.status, p.statusHistory, p.statusMessage);
  const cancellation = cancellationStatus(p.status, p.statusHistory);
  return {
    id: p.id,
    amount: p.amount,
    status: p.status,
    status_message: p.statusMessage,
    status_history: p.statusHistory,
    // SDP sets it once the payment is submitted: the settled hash, else the open transaction's.
    stellar_transaction_id: p.stellarTransactionHash ?? (p.status === "PENDING" ? tx.openHash : null),
    stellar_operation_id: p.stellarOperationId,
    sender_address: p.senderAddress,
    external_payment_id: p.externalPaymentId,
    line_number: p.lineNumber,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
    disbursement: { id: d.id, name: d.name, status: d.status, scheduled_at: d.scheduledAt?.toISOString() ?? null },
    asset: a,
    shipment_to_bank_status: shipment.status,
    shipment_to_bank_time_stamp: shipment.at,
    reply_status_from_bank: reply.status,
    reply_from_bank_time_stamp: reply.at,
    failure_error_code: reply.failureErrorCode,
    failure_error_message: reply.failureErrorMessage,
    cancellation_status: cancellation.status,
    cancellation_time_stamp: cancellation.at,
    reference_id: g2p.referenceId,
    receiver_wallet: {
      id: rw.id,
      status: rw.status,
      stellar_address: rw.stellarAddress,
      stellar_memo: rw.stellarMemo,
      wallet: w,
      receiver: { id: r.id, external_id: r.externalId, phone_number: r.phoneNumber, email: r.email },
    },
  };
}

export type PaymentView = ReturnType<typeof toPaymentView>;

export async function loadPaymentViews(db: DbOrTx, orgId: string, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await paymentBaseQuery(db).where(and(eq(payments.orgId, orgId), inArray(payments.id, ids)));
  const byId = new Map(rows.map((row) => [row.p.id, toPaymentView(row)]));
  return ids.map((id) => byId.get(id)).filter((v): v is PaymentView => v !== undefined);
}
