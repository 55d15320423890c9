import { and, eq, inArray, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, payments, receivers, receiverWallets, wallets } from "@/db/schema";

/** Columns for payment rows in SDP's response shape. */
export const paymentColumns = {
  p: payments,
  d: { id: disbursements.id, name: disbursements.name, status: disbursements.status },
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

export function toPaymentView({ p, d, a, r, rw, w, tx }: Row) {
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
    disbursement: d,
    asset: a,
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
