import { and, eq } from "drizzle-orm";
import { disbursements, g2pTransactions } from "@/db/schema";
import { DELETABLE_DISBURSEMENT_STATUSES } from "@/server/domain/state-machines";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";

/** Delete a DRAFT or READY disbursement with its draft payments and stored file. */
export async function deleteDisbursement(ctx: OrgContext, id: string) {
  assertCan(ctx, "disbursements:write");
  return ctx.db.transaction(async (tx) => {
    const [d] = await tx
      .select({ id: disbursements.id, status: disbursements.status, name: disbursements.name })
      .from(disbursements)
      .where(and(eq(disbursements.id, id), eq(disbursements.orgId, ctx.org.id)))
      .for("update");
    if (!d) throw notFound("The disbursement");
    if (!DELETABLE_DISBURSEMENT_STATUSES.includes(d.status)) {
      throw badRequest(`Only DRAFT or READY disbursements can be deleted; this one is ${d.status}.`, undefined, "INVALID_STATE");
    }
    // A G2P envelope answers to its sender (statuses, callbacks): it is cancelled, never erased.
    const [fromG2p] = await tx.select({ id: g2pTransactions.id }).from(g2pTransactions).where(eq(g2pTransactions.disbursementId, d.id));
    if (fromG2p) throw badRequest("This disbursement came from a G2P Connect sender; cancel it instead of deleting it.", undefined, "G2P_MANAGED");
    // Payments and the file go with it (ON DELETE CASCADE).
    await tx.delete(disbursements).where(eq(disbursements.id, d.id));
    await recordAuditEvent(tx, { orgId: ctx.org.id, actorUserId: ctx.actor.userId, action: "disbursement.deleted", targetId: d.id, details: { name: d.name } });
    return { id: d.id };
  });
}
