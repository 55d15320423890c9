import { restHandler } from "@/server/rest/handler";
import { queryObject } from "@/server/rest/request";
import { listReceivers } from "@/server/services/receivers/list-receivers";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /receivers", async ({ ctx, url }) => listReceivers(ctx, queryObject(url) as Parameters<typeof listReceivers>[1]));
