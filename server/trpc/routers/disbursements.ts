import { z } from "zod";
import { cancelEnvelope } from "@/server/services/disbursements/cancel-envelope";
import { changeDisbursementStatus } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { deleteDisbursement } from "@/server/services/disbursements/delete-disbursement";
import { getDisbursementProgress } from "@/server/services/disbursements/get-disbursement-progress";
import { getDisbursementWithActions } from "@/server/services/disbursements/get-disbursement-with-actions";
import { listDisbursements } from "@/server/services/disbursements/list-disbursements";
import { listDisbursementReceivers } from "@/server/services/receivers/list-disbursement-receivers";
import { excludeUnresolvedMojaloopPayees } from "@/server/services/mojaloop/exclude-unresolved-payees";
import { preflightMojaloopPayees } from "@/server/services/mojaloop/preflight-mojaloop-payees";
import { listShipments } from "@/server/services/shipments/list-shipments";
import { markShipmentUploaded } from "@/server/services/shipments/shipment-file";
import { requirePermission, router } from "../init";
import { changeDisbursementStatusInput, createDisbursementInput, listDisbursementsInput } from "@/server/schemas/disbursements.schema";
import { cursorPageInput } from "@/server/schemas/pagination.schema";

const read = requirePermission("disbursements:read");
const write = requirePermission("disbursements:write");
const start = requirePermission("disbursements:start");
const byId = z.object({ id: z.uuid() });

export const disbursementsRouter = router({
  list: read.input(listDisbursementsInput).query(({ ctx, input }) => listDisbursements(ctx.service, input)),

  /** The disbursement plus the actions this user may take now (the UI shows only these). */
  get: read.input(byId).query(({ ctx, input }) => getDisbursementWithActions(ctx.service, input.id)),

  /** Status and counters only: what the page polls while the disbursement runs (no payment rows read). */
  progress: read.input(byId).query(({ ctx, input }) => getDisbursementProgress(ctx.service, input.id)),

  /** Batches shipped to banks (funds steps and shipment state): docs/rails.md "Dispatcher". */
  shipments: read.input(byId).query(({ ctx, input }) => listShipments(ctx.service, input.id)),

  markShipmentUploaded: start.input(byId).mutation(({ ctx, input }) => markShipmentUploaded(ctx.service, input.id)),

  receivers: read.input(cursorPageInput.extend({ id: z.uuid() })).query(({ ctx, input }) => listDisbursementReceivers(ctx.service, input.id, input)),

  /** Mojaloop party preflight (docs/rails/mojaloop-preflight.md): what the switch said about the payees routed to Mojaloop; reads only (the page polls it). */
  mojaloopPreflight: read.input(byId).query(({ ctx, input }) => preflightMojaloopPayees(ctx.service, input.id)),
  /** Ask the switch (GET /parties) about the payees without a usable answer (`force`: all again), then the preflight. */
  lookUpMojaloopPayees: read
    .input(byId.extend({ force: z.boolean().optional() }))
    .mutation(({ ctx, input }) => preflightMojaloopPayees(ctx.service, input.id, { lookUp: true, force: input.force })),
  /** Before start: cancel the payments whose Mojaloop party lookup ended NOT_FOUND or FAILED (audit row). */
  excludeUnresolvedMojaloopPayees: requirePermission("payments:cancel")
    .input(byId)
    .mutation(({ ctx, input }) => excludeUnresolvedMojaloopPayees(ctx.service, input.id)),

  create: write.input(createDisbursementInput).mutation(({ ctx, input }) => createDisbursement(ctx.service, input)),
  changeStatus: start.input(changeDisbursementStatusInput).mutation(({ ctx, input }) => changeDisbursementStatus(ctx.service, input)),
  delete: write.input(byId).mutation(({ ctx, input }) => deleteDisbursement(ctx.service, input.id)),
  /** Cancel the whole envelope before it starts and before its schedule date; final. */
  cancel: write.input(byId).mutation(({ ctx, input }) => cancelEnvelope(ctx.service, input.id)),
});
