import type { DbOrTx } from "@/db/client";
import type { PaymentStatus } from "@/server/domain/disbursement-types";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";

/**
 * Move the organization's payments (by ids, or all of a disbursement) that are in `from` to CANCELED
 * with `message`, through the one payment-status writer. The caller has checked that cancelling them
 * is allowed and runs this in its transaction. Returns the ids it cancelled.
 */
export async function markPaymentsCanceled(
  tx: DbOrTx,
  orgId: string,
  which: { ids: readonly string[] } | { disbursementId: string },
  from: readonly PaymentStatus[],
  message: string,
  now = new Date(),
): Promise<string[]> {
  const moved = await movePaymentStatus(tx, { orgId, ...which, from, to: "CANCELED", message, now });
  return moved.map((m) => m.id);
}
