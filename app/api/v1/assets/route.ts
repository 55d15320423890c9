import { restHandler } from "@/server/rest/handler";
import { listAssets } from "@/server/services/catalog/assets";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /assets", async ({ ctx }) => listAssets(ctx));
