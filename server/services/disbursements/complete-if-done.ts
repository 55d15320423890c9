import { and, eq, notInArray, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { disbursements, payments } from "@/db/schema";
import { appendStatusHistory } from "./disbursement-view";

/**
 * STARTED → COMPLETED, automatically, once every payment is SUCCESS or CANCELED. Called in the
 * transaction that settled or canceled the last payment. Returns true when it completed.
 */
export async function completeDisbursementIfDone(tx: DbOrTx, orgId: string, disbursementId: string): Promise<boolean> {
  const [open] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(payments)
    .where(and(eq(payments.disbursementId, disbursementId), notInArray(payments.status, ["SUCCESS", "CANCELED"])));
  if ((open?.n ?? 1) > 0) return false;
  const updated = await tx
    .update(disbursements)
    .set({ status: "COMPLETED", statusHistory: appendStatusHistory(disbursements.statusHistory, null, "COMPLETED"), updatedAt: new Date() })
    .where(and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, orgId), eq(disbursements.status, "STARTED")))
    .returning({ id: disbursements.id });
  return updated.length > 0;
}
