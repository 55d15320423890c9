import { restHandler } from "@/server/rest/handler";
import { getReceiver } from "@/server/services/receivers/get-receiver";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /receivers/{id}", async ({ ctx, id }) => getReceiver(ctx, id));
