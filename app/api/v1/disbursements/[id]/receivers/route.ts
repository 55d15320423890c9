import { restHandler } from "@/server/rest/handler";
import { queryObject } from "@/server/rest/request";
import { listDisbursementReceivers } from "@/server/services/receivers/list-disbursement-receivers";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /disbursements/{id}/receivers", async ({ ctx, id, url }) =>
  listDisbursementReceivers(ctx, id, queryObject(url) as Parameters<typeof listDisbursementReceivers>[2]),
);
