import { restHandler } from "@/server/rest/handler";
import { readJsonObject } from "@/server/rest/request";
import { deleteRoutingRule } from "@/server/services/routing/delete-routing-rule";
import { getRoutingRule } from "@/server/services/routing/list-routing-rules";
import { updateRoutingRule } from "@/server/services/routing/update-routing-rule";
import type { UpdateRoutingRuleInput } from "@/server/schemas/routing.schema";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /routing-rules/{id}", async ({ ctx, id }) => getRoutingRule(ctx, id));

export const PATCH = restHandler("PATCH /routing-rules/{id}", async ({ ctx, id, request }) =>
  updateRoutingRule(ctx, { ...((await readJsonObject(request)) as Omit<UpdateRoutingRuleInput, "id">), id }),
);

export const DELETE = restHandler("DELETE /routing-rules/{id}", async ({ ctx, id }) => {
  await deleteRoutingRule(ctx, { id });
  return new Response(null, { status: 204 });
});
