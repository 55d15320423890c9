import type { DisbursementStatus, PaymentStatus } from "../disbursement-types";
import { G2P_ITEM_REASONS, type G2pItemStatus } from "./codes";
import { failureCode, failureText } from "./envelope-rules";

/**
 * A G2P item's status (docs/g2p-connect.md#disburse) from its payment: `rcvd` while the envelope waits
 * (not started), `pdng` once processing started and until the rail answers, `succ` when paid, `rjct` when
 * it failed or was cancelled (a failed payment that staff retry goes back to `pdng`).
 */
export function g2pItemStatus(payment: PaymentStatus, disbursement: DisbursementStatus): G2pItemStatus {
  switch (payment) {
    case "SUCCESS":
      return "succ";
    case "FAILED":
    case "CANCELED":
      return "rjct";
    case "PENDING":
      return "pdng";
    case "READY":
    case "PAUSED":
      return disbursement === "DRAFT" || disbursement === "READY" ? "rcvd" : "pdng";
    case "DRAFT":
      return "rcvd";
  }
}

/** Reason code and message that go with a status (null for rcvd/pdng/succ). */
export function g2pItemReason(payment: PaymentStatus, statusMessage: string | null): { code: string | null; message: string | null } {
  if (payment === "CANCELED") return { code: G2P_ITEM_REASONS.cancelled, message: statusMessage ?? "cancelled" };
  if (payment !== "FAILED") return { code: null, message: null };
  const stellar = failureCode(statusMessage);
  const code =
    stellar === "op_no_destination" || stellar === "op_no_trust" || stellar === "op_not_authorized" || stellar === "op_line_full" || stellar === "contract_address"
      ? G2P_ITEM_REASONS.payeeFaInvalid
      : G2P_ITEM_REASONS.paymentFailed;
  return { code, message: [stellar, failureText(statusMessage)].filter(Boolean).join(": ") || null };
}
