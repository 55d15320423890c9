import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, payments, receivers, receiverWallets, wallets } from "@/db/schema";
import { cancellationStatus, replyStatus, shipmentStatus } from "@/server/domain/g2p/envelope-rules";

/** Columns for payment rows in SDP's response shape. */
export const paymentColumns = {
  p: payments,
  d: { id: disbursements.id, name: disbursements.name, status: disbursements.status, scheduledAt: disbursements.scheduledAt },
  a: { id: assets.id, kind: assets.kind, code: assets.code, issuer: assets.issuer, decimals: assets.decimals },
  r: { id: receivers.id, externalId: receivers.externalId, phoneNumber: receivers.phoneNumber, email: receivers.email },
  rw: {
    id: receiverWallets.id,
    status: receiverWallets.status,
    stellarAddress: receiverWallets.stellarAddress,
    stellarMemo: receiverWallets.stellarMemo,
    destinationKind: receiverWallets.destinationKind,
    destinationValue: receiverWallets.destinationValue,
    destinationMemo: receiverWallets.destinationMemo,
    destinationDetails: receiverWallets.destinationDetails,
  },
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
    .leftJoin(wallets, eq(wallets.id, receiverWallets.walletId)); // none for a bank account (docs/rails.md "Destinations")
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
    // A rail's own code (a bank's ISO reason, AC04) when it gave one, else the code leading the message.
    failure_error_code: reply.status === "FAILURE" && p.failureCode ? p.failureCode : reply.failureErrorCode,
    failure_error_message: reply.failureErrorMessage,
    cancellation_status: cancellation.status,
    cancellation_time_stamp: cancellation.at,
    reference_id: g2p.referenceId,
    bank_reply: bankReply(p.railDetails),
    receiver_wallet: {
      id: rw.id,
      status: rw.status,
      // SDP's field names, from the generated columns; `destination` is the rail-neutral form.
      stellar_address: rw.stellarAddress,
      stellar_memo: rw.stellarMemo,
      destination: destinationView(rw),
      wallet: w,
      receiver: { id: r.id, external_id: r.externalId, phone_number: r.phoneNumber, email: r.email },
    },
  };
}

export type PaymentView = ReturnType<typeof toPaymentView>;

/** A receiver wallet's destination as the REST shapes show it: kind, canonical value, memo and bank details; null before one is known. */
export function destinationView(rw: {
  destinationKind: string | null;
  destinationValue: string | null;
  destinationMemo: string | null;
  destinationDetails: { bankCode?: string; bic?: string; branch?: string; holderName?: string } | null;
}) {
  if (!rw.destinationKind || rw.destinationValue === null) return null;
  const d = rw.destinationDetails ?? {};
  return {
    kind: rw.destinationKind,
    value: rw.destinationValue,
    memo: rw.destinationMemo,
    bank_code: d.bankCode ?? null,
    bic: d.bic ?? null,
    branch: d.branch ?? null,
    holder_name: d.holderName ?? null,
  };
}

/** What the bank last said about the payment (pain.002 or statement, written by reconciliation; docs/rails.md), if anything. */
export function bankReply(details: Record<string, unknown> | null): {
  status: string;
  reason_code: string | null;
  bank_reference: string | null;
  booking_date: string | null;
  bank_file_id: string | null;
  at: string | null;
} | null {
  const text = (v: unknown) => (typeof v === "string" && v !== "" ? v : null);
  const status = text(details?.replyStatus);
  if (!details || !status) return null;
  return {
    status,
    reason_code: text(details.replyReason),
    bank_reference: text(details.bankReference),
    booking_date: text(details.bookingDate),
    bank_file_id: text(details.bankFileId),
    at: text(details.replyAt),
  };
}

export async function loadPaymentViews(db: DbOrTx, orgId: string, ids: string[]) {
  if (ids.length === 0) return [];
  const rows = await paymentBaseQuery(db).where(and(eq(payments.orgId, orgId), inArray(payments.id, ids)));
  const byId = new Map(rows.map((row) => [row.p.id, toPaymentView(row)]));
  return ids.map((id) => byId.get(id)).filter((v): v is PaymentView => v !== undefined);
}
