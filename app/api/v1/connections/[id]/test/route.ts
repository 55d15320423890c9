import { restHandler } from "@/server/rest/handler";
import { testConnection } from "@/server/services/connections/test-connection";

export const dynamic = "force-dynamic";

export const POST = restHandler("POST /connections/{id}/test", async ({ ctx, id }) => testConnection(ctx, { id }));
