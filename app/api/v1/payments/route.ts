import { restHandler } from "@/server/rest/handler";
import { queryObject } from "@/server/rest/request";
import { sdpList, sdpPayment } from "@/server/rest/sdp-shape";
import { listPayments } from "@/server/services/payments/list-payments";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /payments", async ({ ctx, url }) =>
  sdpList(await listPayments(ctx, queryObject(url) as Parameters<typeof listPayments>[1]), sdpPayment),
);
