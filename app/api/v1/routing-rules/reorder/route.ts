import { restHandler } from "@/server/rest/handler";
import { readJsonObject } from "@/server/rest/request";
import { reorderRoutingRules } from "@/server/services/routing/reorder-routing-rules";

export const dynamic = "force-dynamic";

export const POST = restHandler("POST /routing-rules/reorder", async ({ ctx, request }) =>
  reorderRoutingRules(ctx, (await readJsonObject(request)) as { ids: string[] }),
);
