import { restHandler } from "@/server/rest/handler";
import { deleteDisbursement } from "@/server/services/disbursements/delete-disbursement";
import { getDisbursement } from "@/server/services/disbursements/get-disbursement";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /disbursements/{id}", async ({ ctx, id }) => getDisbursement(ctx, id));

export const DELETE = restHandler("DELETE /disbursements/{id}", async ({ ctx, id }) => {
  await deleteDisbursement(ctx, id);
  return new Response(null, { status: 204 });
});
