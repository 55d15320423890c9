import { restHandler } from "@/server/rest/handler";
import { readJsonObject } from "@/server/rest/request";
import { sdpWallet } from "@/server/rest/sdp-shape";
import { deleteWallet, updateWallet } from "@/server/services/catalog/wallets";

export const dynamic = "force-dynamic";

/** SDP's `{enabled}` (and `assets_ids` / `asset_ids`): the wallet as it now is. */
export const PATCH = restHandler("PATCH /wallets/{id}", async ({ ctx, id, request }) => {
  const { assets_ids, ...body } = await readJsonObject(request);
  const input = { ...body, asset_ids: body.asset_ids ?? assets_ids, id } as Parameters<typeof updateWallet>[1];
  return sdpWallet(await updateWallet(ctx, input));
});

/** SDP's soft delete: 204 without a body; 404 when unknown or already deleted; 400 naming what still uses it. */
export const DELETE = restHandler("DELETE /wallets/{id}", async ({ ctx, id }) => {
  await deleteWallet(ctx, { id });
  return new Response(null, { status: 204 });
});
