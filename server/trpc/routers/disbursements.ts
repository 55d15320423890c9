import { eq } from "drizzle-orm";
import { z } from "zod";
import { organizations } from "@/db/schema";
import { disbursementActions } from "@/server/domain/disbursement-actions";
import { cancelEnvelope } from "@/server/services/disbursements/cancel-envelope";
import { changeDisbursementStatus, changeDisbursementStatusInput } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement, createDisbursementInput } from "@/server/services/disbursements/create-disbursement";
import { deleteDisbursement } from "@/server/services/disbursements/delete-disbursement";
import { envelopeStateOf } from "@/server/services/disbursements/disbursement-view";
import { getDisbursement } from "@/server/services/disbursements/get-disbursement";
import { listDisbursements, listDisbursementsInput } from "@/server/services/disbursements/list-disbursements";
import { pageInput } from "@/server/services/pagination";
import { listDisbursementReceivers } from "@/server/services/receivers/list-disbursement-receivers";
import { requirePermission, router } from "../init";

const read = requirePermission("disbursements:read");
const write = requirePermission("disbursements:write");
const start = requirePermission("disbursements:start");
const byId = z.object({ id: z.uuid() });

export const disbursementsRouter = router({
  list: read.input(listDisbursementsInput).query(({ ctx, input }) => listDisbursements(ctx.service, input)),

  /** The disbursement plus the actions this user may take now (the UI shows only these). */
  get: read.input(byId).query(async ({ ctx, input }) => {
    const view = await getDisbursement(ctx.service, input.id);
    const org = await ctx.db.query.organizations.findFirst({ where: eq(organizations.id, ctx.org.id), columns: { approvalRequired: true } });
    const actions = disbursementActions({
      status: view.status,
      statusHistory: view.status_history,
      role: ctx.role,
      userId: ctx.userId,
      approvalRequired: org?.approvalRequired ?? false,
      envelope: envelopeStateOf(view),
      fromG2p: view.g2p !== null,
    });
    return { ...view, actions };
  }),

  receivers: read
    .input(pageInput.extend({ id: z.uuid() }))
    .query(({ ctx, input }) => listDisbursementReceivers(ctx.service, input.id, input)),

  create: write.input(createDisbursementInput).mutation(({ ctx, input }) => createDisbursement(ctx.service, input)),
  changeStatus: start.input(changeDisbursementStatusInput).mutation(({ ctx, input }) => changeDisbursementStatus(ctx.service, input)),
  delete: write.input(byId).mutation(({ ctx, input }) => deleteDisbursement(ctx.service, input.id)),
  /** Cancel the whole envelope before it starts and before its schedule date; final. */
  cancel: write.input(byId).mutation(({ ctx, input }) => cancelEnvelope(ctx.service, input.id)),
});
