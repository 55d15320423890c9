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
  const view = await getDisbursement(ctx, id);
  const org = await ctx.db.query.organizations.findFirst({ where: eq(organizations.id, ctx.org.id), columns: { approvalRequired: true } });
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
