import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { DisbursementStatus, PaymentStatus, PaymentStatusHistoryEntry, ReceiverWalletStatus } from "@/server/domain/disbursement-types";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { cancellationStatus, replyStatus, shipmentStatus } from "@/server/domain/g2p/envelope-rules";

/**
 * One payment row with exactly the columns its view shows, from one statement joined once
 * (docs/performance/pages.md, "Payment views"): written by hand instead of a query-builder select of
 * six whole tables, whose per-column row mapping cost about 2 ms of CPU per 100-payment page.
 */
type PaymentRow = {
  id: string;
  amount: string;
  status: PaymentStatus;
  status_message: string | null;
  status_history: PaymentStatusHistoryEntry[];
  stellar_transaction_hash: string | null;
  stellar_operation_id: string | null;
  sender_address: string | null;
  external_payment_id: string | null;
  line_number: number | null;
  rail_details: Record<string, unknown> | null;
  failure_code: string | null;
  created_at: string;
  updated_at: string;
  d_id: string;
  d_name: string;
  d_status: DisbursementStatus;
  d_scheduled_at: string | null;
  d_template: string | null;
  d_created_at: string;
  d_updated_at: string;
  a_id: string;
  a_kind: "STELLAR" | "FIAT";
  a_code: string;
  a_issuer: string;
  a_decimals: number;
  a_created_at: string;
  a_updated_at: string;
  a_deleted_at: string | null;
  r_id: string;
  r_external_id: string;
  r_phone_number: string | null;
  r_email: string | null;
  rw_id: string;
  rw_status: ReceiverWalletStatus;
  rw_stellar_address: string | null;
  rw_stellar_memo: string | null;
  rw_destination_kind: string | null;
  rw_destination_value: string | null;
  rw_destination_memo: string | null;
  rw_destination_details: { bankCode?: string; bic?: string; branch?: string; holderName?: string } | null;
  rw_status_history: unknown[];
  rw_last_invitation_at: string | null;
  rw_created_at: string;
  rw_updated_at: string;
  w_id: string | null;
  w_name: string | null;
  w_homepage: string | null;
  w_sep10: string | null;
  w_deep_link: string | null;
  w_enabled: boolean | null;
  w_created_at: string | null;
  w_updated_at: string | null;
  open_hash: string | null;
  g2p_reference_id: string | null;
};

/** Timestamps arrive as PostgreSQL text (db/client.ts leaves them unparsed); as ISO 8601, like the query builder's Date. */
const iso = (text: string) => new Date(text).toISOString();

/**
 * The payments of one organization with these ids, each with its disbursement, asset, receiver,
 * receiver wallet and wallet provider (none for a bank account, docs/rails.md "Destinations"), the
 * open transaction of a PENDING payment (stored before it is submitted: the hash to follow it by)
 * and the G2P Connect item it came from (one item per payment, indexed).
 */
function paymentRows(db: DbOrTx, orgId: string, ids: readonly string[]) {
  return db.execute<PaymentRow>(sql`
    select p.id, p.amount, p.status, p.status_message, p.status_history, p.stellar_transaction_hash, p.stellar_operation_id,
      p.sender_address, p.external_payment_id, p.line_number, p.rail_details, p.failure_code, p.created_at, p.updated_at,
      d.id as d_id, d.name as d_name, d.status as d_status, d.scheduled_at as d_scheduled_at,
      d.receiver_registration_message_template as d_template, d.created_at as d_created_at, d.updated_at as d_updated_at,
      a.id as a_id, a.kind as a_kind, a.code as a_code, a.issuer as a_issuer, a.decimals as a_decimals,
      a.created_at as a_created_at, a.updated_at as a_updated_at, a.deleted_at as a_deleted_at,
      r.id as r_id, r.external_id as r_external_id, r.phone_number as r_phone_number, r.email as r_email,
      rw.id as rw_id, rw.status as rw_status, rw.stellar_address as rw_stellar_address, rw.stellar_memo as rw_stellar_memo,
      rw.destination_kind as rw_destination_kind, rw.destination_value as rw_destination_value,
      rw.destination_memo as rw_destination_memo, rw.destination_details as rw_destination_details,
      rw.status_history as rw_status_history, rw.last_invitation_at as rw_last_invitation_at,
      rw.created_at as rw_created_at, rw.updated_at as rw_updated_at,
      w.id as w_id, w.name as w_name, w.homepage as w_homepage, w.sep10_client_domain as w_sep10,
      w.deep_link_schema as w_deep_link, w.enabled as w_enabled, w.created_at as w_created_at, w.updated_at as w_updated_at,
      case when p.status = 'PENDING' then (
        select t.hash from stellar_transaction_payments stp
        join stellar_transactions t on t.id = stp.transaction_id
        where stp.payment_id = p.id and t.status in ('BUILT', 'SUBMITTED')
        order by t.created_at desc limit 1) end as open_hash,
      (select gi.reference_id from g2p_items gi where gi.payment_id = p.id) as g2p_reference_id
    from payments p
    join disbursements d on d.id = p.disbursement_id
    join assets a on a.id = p.asset_id
    join receivers r on r.id = p.receiver_id
    join receiver_wallets rw on rw.id = p.receiver_wallet_id
    left join wallets w on w.id = rw.wallet_id
    where p.org_id = ${orgId} and p.id = any(${uuidArray(ids)})`);
}

export function toPaymentView(p: PaymentRow) {
  // G2P Bridge tracking, derived from the payment's own status and history.
  const shipment = shipmentStatus(p.status_history);
  const reply = replyStatus(p.status, p.status_history, p.status_message);
  const cancellation = cancellationStatus(p.status, p.status_history);
  return {
    id: p.id,
    amount: p.amount,
    status: p.status,
    status_message: p.status_message,
    status_history: p.status_history,
    // SDP sets it once the payment is submitted: the settled hash, else the open transaction's.
    stellar_transaction_id: p.stellar_transaction_hash ?? (p.status === "PENDING" ? p.open_hash : null),
    stellar_operation_id: p.stellar_operation_id,
    sender_address: p.sender_address,
    external_payment_id: p.external_payment_id,
    line_number: p.line_number,
    created_at: iso(p.created_at),
    updated_at: iso(p.updated_at),
    disbursement: {
      id: p.d_id,
      name: p.d_name,
      status: p.d_status,
      scheduled_at: p.d_scheduled_at === null ? null : iso(p.d_scheduled_at),
      receiver_registration_message_template: p.d_template,
      created_at: iso(p.d_created_at),
      updated_at: iso(p.d_updated_at),
    },
    asset: {
      id: p.a_id,
      kind: p.a_kind,
      code: p.a_code,
      issuer: p.a_issuer,
      decimals: p.a_decimals,
      created_at: iso(p.a_created_at),
      updated_at: iso(p.a_updated_at),
      // History keeps a soft-deleted asset: SDP's deleted_at says so.
      deleted_at: p.a_deleted_at === null ? null : iso(p.a_deleted_at),
    },
    shipment_to_bank_status: shipment.status,
    shipment_to_bank_time_stamp: shipment.at,
    reply_status_from_bank: reply.status,
    reply_from_bank_time_stamp: reply.at,
    // A rail's own code (a bank's ISO reason, AC04) when it gave one, else the code leading the message.
    failure_error_code: reply.status === "FAILURE" && p.failure_code ? p.failure_code : reply.failureErrorCode,
    failure_error_message: reply.failureErrorMessage,
    cancellation_status: cancellation.status,
    cancellation_time_stamp: cancellation.at,
    reference_id: p.g2p_reference_id,
    bank_reply: bankReply(p.rail_details),
    receiver_wallet: {
      id: p.rw_id,
      status: p.rw_status,
      // SDP's field names, from the generated columns; `destination` is the rail-neutral form.
      stellar_address: p.rw_stellar_address,
      stellar_memo: p.rw_stellar_memo,
      destination: destinationView({
        destinationKind: p.rw_destination_kind,
        destinationValue: p.rw_destination_value,
        destinationMemo: p.rw_destination_memo,
        destinationDetails: p.rw_destination_details,
      }),
      wallet:
        p.w_id === null
          ? null
          : {
              id: p.w_id,
              name: p.w_name!,
              homepage: p.w_homepage ?? "",
              sep_10_client_domain: p.w_sep10 ?? "",
              deep_link_schema: p.w_deep_link ?? "",
              enabled: p.w_enabled ?? false,
              created_at: iso(p.w_created_at!),
              updated_at: iso(p.w_updated_at!),
            },
      receiver: { id: p.r_id, external_id: p.r_external_id, phone_number: p.r_phone_number, email: p.r_email },
      status_history: p.rw_status_history,
      created_at: iso(p.rw_created_at),
      updated_at: iso(p.rw_updated_at),
      invitation_sent_at: p.rw_last_invitation_at === null ? null : iso(p.rw_last_invitation_at),
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
  const rows = await paymentRows(db, orgId, ids);
  const byId = new Map(rows.map((row) => [row.id, toPaymentView(row)]));
  return ids.map((id) => byId.get(id)).filter((v): v is PaymentView => v !== undefined);
}
