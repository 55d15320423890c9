import { restHandler } from "@/server/rest/handler";
import { queryObject } from "@/server/rest/request";
import { sdpDisbursementReceiver, sdpList } from "@/server/rest/sdp-shape";
import { listDisbursementReceivers } from "@/server/services/receivers/list-disbursement-receivers";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /disbursements/{id}/receivers", async ({ ctx, id, url }) =>
  sdpList(await listDisbursementReceivers(ctx, id, queryObject(url) as Parameters<typeof listDisbursementReceivers>[2]), sdpDisbursementReceiver),
);
