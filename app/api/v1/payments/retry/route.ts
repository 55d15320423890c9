import { restHandler } from "@/server/rest/handler";
import { sdpPayment } from "@/server/rest/sdp-shape";
import { readJsonObject } from "@/server/rest/request";
import { retryPayments } from "@/server/services/payments/retry-payments";

export const dynamic = "force-dynamic";

/** `{"payment_ids":[...]}`: FAILED → READY, all or nothing. */
export const PATCH = restHandler("PATCH /payments/retry", async ({ ctx, request }) => {
  const result = await retryPayments(ctx, (await readJsonObject(request)) as Parameters<typeof retryPayments>[1]);
  return { ...result, payments: result.payments.map(sdpPayment) };
});
