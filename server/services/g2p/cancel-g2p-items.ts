import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { disbursements, g2pItems, g2pTransactions, payments } from "@/db/schema";
import { G2P_HEADER_REJECTIONS, G2P_ITEM_REASONS } from "@/server/domain/g2p/codes";
import { envelopeCancellationProblem, paymentCancellationProblem } from "@/server/domain/g2p/envelope-rules";
import type { CancelMessage, ItemProblem } from "@/server/domain/g2p/messages";
import { cancelLockedEnvelope } from "../disbursements/cancel-envelope";
import { markPaymentsCanceled } from "../payments/mark-payments-canceled";
import { G2pRejection, type G2pCall } from "./g2p-call";
import { loadItemStatuses, type ItemStatusRow } from "./item-views";

const ITEM_CANCELLED_MESSAGE = "cancelled by the sender";

/** The refusal code for a cancellation problem: the schedule date passed, or the envelope moved on. */
function refusalCode(scheduledAt: Date | null, now: Date) {
  return scheduledAt && scheduledAt.getTime() <= now.getTime() ? G2P_ITEM_REASONS.scheduleTsInvalid : G2P_HEADER_REJECTIONS.envelopeClosed;
}

/**
 * `/disburse/cancel` (extension, G2P Bridge cancel_disbursement): cancel the whole envelope of a
 * transaction, or some of its items, before the schedule date (and before processing started).
 * Final; cancelling what is already cancelled changes nothing. Throws G2pRejection and writes
 * nothing when any part is refused: `rjct.schedule_ts.invalid` once the schedule date has come,
 * `rjct.transaction_id.not_found` / `rjct.reference_id.not_found` for unknown ids.
 */
export async function cancelG2pItems(tx: DbOrTx, call: G2pCall, message: CancelMessage): Promise<{ items: ItemStatusRow[] }> {
  const { ctx, sender } = call;
  const orgId = ctx.org.id;
  const now = call.now;
  const [txn] = await tx
    .select()
    .from(g2pTransactions)
    .where(and(eq(g2pTransactions.orgId, orgId), eq(g2pTransactions.senderRowId, sender.id), eq(g2pTransactions.transactionId, message.transaction_id)));
  if (!txn) throw new G2pRejection(G2P_ITEM_REASONS.transactionIdNotFound, `transaction_id ${message.transaction_id} was not received from ${sender.senderId}`);
  const [envelope] = await tx.select().from(disbursements).where(eq(disbursements.id, txn.disbursementId)).for("update");
  if (!envelope) throw new Error("g2p transaction without its disbursement");

  const references = message.cancel_request?.reference_id_list;
  if (!references) {
    if (envelope.status !== "CANCELED") {
      const problem = envelopeCancellationProblem(envelope, now);
      if (problem) throw new G2pRejection(refusalCode(envelope.scheduledAt, now), problem);
      await cancelLockedEnvelope(tx, orgId, envelope.id, null, now);
    }
    return { items: await loadItemStatuses(tx, orgId, sender.id, { kind: "transaction", transactionId: txn.transactionId }) };
  }

  const unique = [...new Set(references)];
  const rows = await tx
    .select({ referenceId: g2pItems.referenceId, paymentId: payments.id, status: payments.status })
    .from(g2pItems)
    .innerJoin(payments, eq(payments.id, g2pItems.paymentId))
    .where(and(eq(g2pItems.g2pTransactionId, txn.id), sql`${g2pItems.referenceId} = any(${sql.param(unique)}::text[])`))
    .for("update", { of: payments });
  const byRef = new Map(rows.map((r) => [r.referenceId, r] as const));
  const problems: ItemProblem[] = [];
  const toCancel: string[] = [];
  unique.forEach((referenceId, index) => {
    const row = byRef.get(referenceId);
    if (!row)
      return void problems.push({
        referenceId,
        index,
        code: G2P_ITEM_REASONS.referenceIdNotFound,
        message: `reference_id is not part of transaction ${txn.transactionId}`,
      });
    if (row.status === "CANCELED") return; // final; asking again changes nothing
    const problem = paymentCancellationProblem(envelope, row.status, now);
    if (problem) return void problems.push({ referenceId, index, code: refusalCode(envelope.scheduledAt, now), message: problem });
    toCancel.push(row.paymentId);
  });
  if (problems.length > 0) {
    const text = problems
      .slice(0, 20)
      .map((p) => `${p.referenceId}: ${p.code}: ${p.message}`)
      .join("; ");
    throw new G2pRejection(problems[0]!.code, text, problems);
  }
  if (toCancel.length > 0) await markPaymentsCanceled(tx, orgId, { ids: toCancel }, ["DRAFT", "READY"], ITEM_CANCELLED_MESSAGE, now);
  return { items: await loadItemStatuses(tx, orgId, sender.id, { kind: "references", referenceIds: unique }) };
}
