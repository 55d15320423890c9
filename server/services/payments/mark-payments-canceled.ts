import { and, eq, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { payments } from "@/db/schema";
import type { PaymentStatusHistoryEntry } from "@/server/domain/disbursement-types";

/**
 * Move the organization's payments matching `where` to CANCELED with `message`, appending the
 * history entry in the same statement. The caller has checked that cancelling them is allowed and
 * runs this in its transaction. Returns the ids it cancelled.
 */
export async function markPaymentsCanceled(tx: DbOrTx, orgId: string, where: SQL | undefined, message: string, now = new Date()): Promise<string[]> {
  const entry: PaymentStatusHistoryEntry[] = [{ status: "CANCELED", status_message: message, timestamp: now.toISOString() }];
  const rows = await tx
    .update(payments)
    .set({
      status: "CANCELED",
      statusMessage: message,
      statusHistory: sql`${payments.statusHistory} || ${JSON.stringify(entry)}::jsonb`,
      updatedAt: now,
    })
    .where(and(eq(payments.orgId, orgId), where))
    .returning({ id: payments.id });
  return rows.map((r) => r.id);
}
