import { restHandler } from "@/server/rest/handler";
import { sdpPayment } from "@/server/rest/sdp-shape";
import { getPayment } from "@/server/services/payments/get-payment";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /payments/{id}", async ({ ctx, id }) => sdpPayment(await getPayment(ctx, id)));
