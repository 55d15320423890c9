import { eq } from "drizzle-orm";
import { organizations } from "@/db/schema";
import { disbursementActions } from "@/server/domain/disbursement-actions";
import type { OrgContext } from "../context";
import { envelopeStateOf } from "./disbursement-view";
import { getDisbursement } from "./get-disbursement";

/**
 * The disbursement plus the actions this user may take now (the UI shows only these; every
 * action's verb re-checks). Reads the organization's approval setting for the two-person rule.
 */
export async function getDisbursementWithActions(ctx: OrgContext, id: string) {
  // Side by side: the view and the organization's setting do not depend on each other.
  const [view, [org]] = await Promise.all([
    getDisbursement(ctx, id),
    ctx.db.select({ approvalRequired: organizations.approvalRequired }).from(organizations).where(eq(organizations.id, ctx.org.id)).limit(1),
  ]);
  const actions = disbursementActions({
    status: view.status,
    statusHistory: view.status_history,
    role: ctx.role,
    userId: ctx.actor.userId,
    approvalRequired: org?.approvalRequired ?? false,
    envelope: envelopeStateOf(view),
    fromG2p: view.g2p !== null,
  });
  return { ...view, actions };
}
