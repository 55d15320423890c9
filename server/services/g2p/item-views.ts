import type { DbOrTx } from "@/db/client";
import type { G2pItemStatus } from "@/server/domain/g2p/codes";

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

/** Items of one sender matching `filter`, in the order they were received. */
export async function loadItemStatuses(db: DbOrTx, orgId: string, senderRowId: string, filter: ItemFilter): Promise<ItemStatusRow[]> {
  void db;
  void orgId;
  void senderRowId;
  void filter;
  throw new Error("loadItemStatuses: not implemented yet");
}
