import { restHandler } from "@/server/rest/handler";
import { readJsonObject } from "@/server/rest/request";
import { createRoutingRule } from "@/server/services/routing/create-routing-rule";
import { listRoutingRules } from "@/server/services/routing/list-routing-rules";
import type { CreateRoutingRuleInput } from "@/server/schemas/routing.schema";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /routing-rules", async ({ ctx }) => listRoutingRules(ctx));

export const POST = restHandler("POST /routing-rules", async ({ ctx, request }) => createRoutingRule(ctx, (await readJsonObject(request)) as CreateRoutingRuleInput));
