import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { DisbursementStatus, PaymentStatus, PaymentStatusHistoryEntry } from "@/server/domain/disbursement-types";
import type { G2pItemStatus } from "@/server/domain/g2p/codes";
import { cancellationStatus, replyStatus, shipmentStatus } from "@/server/domain/g2p/envelope-rules";
import { g2pItemReason, g2pItemStatus } from "@/server/domain/g2p/item-status";
import { SPEC_DISBURSE_REASON_CODES, specReason } from "@/server/domain/g2p/codes";
import { currencyOfAsset, isIsoCurrencyCode } from "@/server/domain/g2p/currency";

/**
 * One item as G2P Connect reports it (`disbursements_status[]`), plus the G2P Bridge tracking
 * fields of its payment (shipment, reply, cancellation) as extensions.
 */
export type G2pDisbursementStatus = {
  reference_id: string;
  timestamp: string;
  status: G2pItemStatus;
  status_reason_code?: string;
  status_reason_message?: string;
  instruction?: string;
  amount: string;
  payer_fa?: string;
  payer_name?: string;
  payee_fa: string;
  payee_name?: string;
  currency_code?: string;
  /** Extension: the Stellar asset paid (currency_code is ISO 4217 only). */
  asset_code?: string;
  locale?: string;
  shipment_to_bank_status: "PENDING" | "PROCESSED";
  shipment_to_bank_time_stamp?: string;
  reply_status_from_bank?: "SUCCESS" | "FAILURE";
  reply_from_bank_time_stamp?: string;
  failure_error_code?: string;
  failure_error_message?: string;
  cancellation_status: "NOT_CANCELLED" | "CANCELLED";
  cancellation_time_stamp?: string;
};

export type ItemFilter =
  | { kind: "transaction"; transactionId: string }
  | { kind: "references"; referenceIds: string[] }
  | { kind: "payee_fa"; value: string }
  | { kind: "payer_fa"; value: string };

export type ItemStatusRow = G2pDisbursementStatus & { transaction_id: string; item_id: string };

type Row = {
  item_id: string;
  reference_id: string;
  request: Record<string, unknown>;
  transaction_id: string;
  payment_status: PaymentStatus;
  status_message: string | null;
  status_history: PaymentStatusHistoryEntry[];
  updated_at: string;
  disbursement_status: DisbursementStatus;
  asset_code: string;
};

const text = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** The sender's currency_code when it is an ISO code, else the asset's ISO currency, else none. */
function wireCurrency(requested: string | undefined, assetCode: string): string | undefined {
  if (requested !== undefined && isIsoCurrencyCode(requested)) return requested;
  return currencyOfAsset(assetCode) ?? undefined;
}

/** A locale is echoed only when it is the spec's LanguageCode (ISO 639-3, three lower-case letters). */
const wireLocale = (v: string | undefined) => (v !== undefined && /^[a-z]{3}$/.test(v) ? v : undefined);

/** Drop undefined members so answers and callbacks carry only the fields that have values. */
function compact<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

export function toItemStatus(r: Row): ItemStatusRow {
  const history = r.status_history ?? [];
  const status = g2pItemStatus(r.payment_status, r.disbursement_status);
  const ours = g2pItemReason(r.payment_status, r.status_message);
  const reason = specReason(ours.code, ours.message, SPEC_DISBURSE_REASON_CODES);
  const shipment = shipmentStatus(history);
  const reply = replyStatus(r.payment_status, history, r.status_message);
  const cancellation = cancellationStatus(r.payment_status, history);
  const latest = history.at(-1)?.timestamp ?? new Date(r.updated_at).toISOString();
  return compact({
    item_id: r.item_id,
    transaction_id: r.transaction_id,
    reference_id: r.reference_id,
    timestamp: latest,
    status,
    status_reason_code: reason.status_reason_code,
    status_reason_message: reason.status_reason_message?.slice(0, 999),
    instruction: text(r.request.instruction),
    amount: String(r.request.amount),
    payer_fa: text(r.request.payer_fa),
    payer_name: text(r.request.payer_name),
    payee_fa: String(r.request.payee_fa),
    payee_name: text(r.request.payee_name),
    currency_code: wireCurrency(text(r.request.currency_code), r.asset_code),
    asset_code: r.asset_code,
    locale: wireLocale(text(r.request.locale)),
    shipment_to_bank_status: shipment.status,
    shipment_to_bank_time_stamp: shipment.at ?? undefined,
    reply_status_from_bank: reply.status ?? undefined,
    reply_from_bank_time_stamp: reply.at ?? undefined,
    failure_error_code: reply.failureErrorCode ?? undefined,
    failure_error_message: reply.failureErrorMessage ?? undefined,
    cancellation_status: cancellation.status,
    cancellation_time_stamp: cancellation.at ?? undefined,
  });
}

/** Items of one sender matching `filter`, in the order they were received. */
export async function loadItemStatuses(db: DbOrTx, orgId: string, senderRowId: string, filter: ItemFilter): Promise<ItemStatusRow[]> {
  let where;
  switch (filter.kind) {
    case "transaction":
      where = sql`t.transaction_id = ${filter.transactionId}`;
      break;
    case "references":
      if (filter.referenceIds.length === 0) return [];
      where = sql`i.reference_id = any(${sql.param(filter.referenceIds)}::text[])`;
      break;
    case "payee_fa":
      where = sql`lower(i.request->>'payee_fa') = lower(${filter.value})`;
      break;
    case "payer_fa":
      where = sql`lower(i.request->>'payer_fa') = lower(${filter.value})`;
      break;
  }
  const rows = await db.execute<Row>(sql`
    select i.id as item_id, i.reference_id, i.request, t.transaction_id,
      p.status as payment_status, p.status_message, p.status_history, p.updated_at,
      d.status as disbursement_status, a.code as asset_code
    from g2p_items i
    join g2p_transactions t on t.id = i.g2p_transaction_id
    join payments p on p.id = i.payment_id
    join disbursements d on d.id = p.disbursement_id
    join assets a on a.id = p.asset_id
    where i.org_id = ${orgId} and i.sender_row_id = ${senderRowId} and ${where}
    order by i.received_at, p.line_number, i.id`);
  return [...rows].map(toItemStatus);
}
