import { restHandler } from "@/server/rest/handler";
import { sdpDisbursement } from "@/server/rest/sdp-shape";
import { cancelEnvelope } from "@/server/services/disbursements/cancel-envelope";

export const dynamic = "force-dynamic";

/** No body. Cancels a DRAFT or READY disbursement before its schedule date, with its unpaid payments; final. */
export const POST = restHandler("POST /disbursements/{id}/cancel", async ({ ctx, id }) => {
  const disbursement = await cancelEnvelope(ctx, id);
  return { message: "Disbursement cancelled", disbursement: sdpDisbursement(disbursement) };
});
