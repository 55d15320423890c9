import { paymentStatusBody } from "@/server/rest/openapi";
import { restHandler } from "@/server/rest/handler";
import { sdpPayment } from "@/server/rest/sdp-shape";
import { readJsonObject } from "@/server/rest/request";
import { cancelPayment } from "@/server/services/payments/cancel-payment";

export const dynamic = "force-dynamic";

/** `{"status":"CANCELED"}`: manual cancellation of a READY payment. */
export const PATCH = restHandler("PATCH /payments/{id}/status", async ({ ctx, id, request }) => {
  paymentStatusBody.parse(await readJsonObject(request));
  return { message: "Payment canceled", payment: sdpPayment(await cancelPayment(ctx, id)) };
});
