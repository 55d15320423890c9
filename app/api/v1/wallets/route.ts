import { listWalletsQuery } from "@/server/rest/openapi";
import { restHandler } from "@/server/rest/handler";
import { queryObject } from "@/server/rest/request";
import { listWallets } from "@/server/services/catalog/wallets";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /wallets", async ({ ctx, url }) => listWallets(ctx, listWalletsQuery.parse(queryObject(url))));
