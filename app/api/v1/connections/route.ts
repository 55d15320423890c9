import { restHandler } from "@/server/rest/handler";
import { readJsonObject } from "@/server/rest/request";
import { createConnection } from "@/server/services/connections/create-connection";
import { listConnections } from "@/server/services/connections/list-connections";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /connections", async ({ ctx }) => listConnections(ctx));

// The body goes to the service unvalidated: it parses its own input (per-rail settings included).
export const POST = restHandler("POST /connections", async ({ ctx, request }) =>
  createConnection(ctx, (await readJsonObject(request)) as Parameters<typeof createConnection>[1]),
);
