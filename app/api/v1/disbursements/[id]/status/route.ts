import { disbursementStatusBody } from "@/server/rest/openapi";
import { restHandler } from "@/server/rest/handler";
import { sdpDisbursement } from "@/server/rest/sdp-shape";
import { readJsonObject } from "@/server/rest/request";
import { changeDisbursementStatus } from "@/server/services/disbursements/change-disbursement-status";

export const dynamic = "force-dynamic";

/** `{"status":"STARTED"|"PAUSED"}`; SDP answers `{"message":"Disbursement started"}` (the disbursement is added). */
export const PATCH = restHandler("PATCH /disbursements/{id}/status", async ({ ctx, id, request }) => {
  const body = disbursementStatusBody.parse(await readJsonObject(request));
  const disbursement = await changeDisbursementStatus(ctx, { id, status: body.status });
  return { message: body.status === "STARTED" ? "Disbursement started" : "Disbursement paused", disbursement: sdpDisbursement(disbursement) };
});
