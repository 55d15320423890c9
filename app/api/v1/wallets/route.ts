import { listWalletsQuery } from "@/server/rest/openapi";
import { restHandler } from "@/server/rest/handler";
import { sdpWallet } from "@/server/rest/sdp-shape";
import { queryObject } from "@/server/rest/request";
import { readJsonObject } from "@/server/rest/request";
import { createWallet, listWallets } from "@/server/services/catalog/wallets";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /wallets", async ({ ctx, url }) => (await listWallets(ctx, listWalletsQuery.parse(queryObject(url)))).map(sdpWallet));

/** SDP's body names the assets `assets_ids`; ours `asset_ids`: either is read. 201 with the wallet. */
export const POST = restHandler("POST /wallets", async ({ ctx, request }) => {
  const { assets_ids, ...body } = await readJsonObject(request);
  const input = { ...body, asset_ids: body.asset_ids ?? assets_ids } as Parameters<typeof createWallet>[1];
  return sdpWallet(await createWallet(ctx, input));
});
