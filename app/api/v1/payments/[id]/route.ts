import { restHandler } from "@/server/rest/handler";
import { getPayment } from "@/server/services/payments/get-payment";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /payments/{id}", async ({ ctx, id }) => getPayment(ctx, id));
