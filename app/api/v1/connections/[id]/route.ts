import { restHandler } from "@/server/rest/handler";
import { readJsonObject } from "@/server/rest/request";
import { updateConnectionFromRest } from "@/server/rest/connections";
import { deleteConnection } from "@/server/services/connections/delete-connection";
import { getConnection } from "@/server/services/connections/list-connections";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /connections/{id}", async ({ ctx, id }) => getConnection(ctx, { id }));

export const PATCH = restHandler("PATCH /connections/{id}", async ({ ctx, id, request }) => updateConnectionFromRest(ctx, id, await readJsonObject(request)));

export const DELETE = restHandler("DELETE /connections/{id}", async ({ ctx, id }) => {
  await deleteConnection(ctx, { id });
  return new Response(null, { status: 204 });
});
