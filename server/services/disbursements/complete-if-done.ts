import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { disbursements } from "@/db/schema";
import { readDisbursementTotals } from "@/server/payments/payment-totals";
import { appendStatusHistory } from "./disbursement-view";

/**
 * STARTED → COMPLETED, automatically, once every payment is SUCCESS or CANCELED. Called in the
 * transaction that settled or canceled the last payment, after the payment-status writer locked the
 * disbursement row, so the maintained totals it reads include every committed move. Returns true
 * when it completed.
 */
export async function completeDisbursementIfDone(tx: DbOrTx, orgId: string, disbursementId: string): Promise<boolean> {
  const totals = (await readDisbursementTotals(tx, orgId, [disbursementId])).get(disbursementId)!;
  const open = totals.DRAFT.count + totals.READY.count + totals.PENDING.count + totals.PAUSED.count + totals.FAILED.count;
  if (open > 0) return false;
  const updated = await tx
    .update(disbursements)
    .set({ status: "COMPLETED", statusHistory: appendStatusHistory(disbursements.statusHistory, null, "COMPLETED"), updatedAt: new Date() })
    .where(and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, orgId), eq(disbursements.status, "STARTED")))
    .returning({ id: disbursements.id });
  return updated.length > 0;
}
