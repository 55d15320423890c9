import { restHandler } from "@/server/rest/handler";
import { previewDisbursementRouting } from "@/server/services/routing/preview-disbursement-routing";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /disbursements/{id}/routing", async ({ ctx, id }) => previewDisbursementRouting(ctx, { disbursement_id: id }));
