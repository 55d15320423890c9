import { restHandler } from "@/server/rest/handler";
import { deleteDisbursement } from "@/server/services/disbursements/delete-disbursement";
import { sdpDisbursement } from "@/server/rest/sdp-shape";
import { getDisbursement } from "@/server/services/disbursements/get-disbursement";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /disbursements/{id}", async ({ ctx, id }) => sdpDisbursement(await getDisbursement(ctx, id)));

export const DELETE = restHandler("DELETE /disbursements/{id}", async ({ ctx, id }) => {
  await deleteDisbursement(ctx, id);
  return new Response(null, { status: 204 });
});
