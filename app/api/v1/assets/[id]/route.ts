import { restHandler } from "@/server/rest/handler";
import { sdpAsset } from "@/server/rest/sdp-shape";
import { deleteAsset } from "@/server/services/catalog/assets";

export const dynamic = "force-dynamic";

/**
 * SDP's soft delete: 200 with the asset (its `deleted_at` set); 204 without a body when it was
 * already deleted (as SDP); 404 when unknown; 400 naming what still uses it.
 */
export const DELETE = restHandler("DELETE /assets/{id}", async ({ ctx, id }) => {
  const { asset, already_deleted } = await deleteAsset(ctx, { id });
  if (already_deleted) return new Response(null, { status: 204 });
  return sdpAsset(asset);
});
