import { restHandler } from "@/server/rest/handler";
import { sdpAsset } from "@/server/rest/sdp-shape";
import { readJsonObject } from "@/server/rest/request";
import { createAsset, listAssets } from "@/server/services/catalog/assets";

export const dynamic = "force-dynamic";

export const GET = restHandler("GET /assets", async ({ ctx }) => (await listAssets(ctx)).map(sdpAsset));

/** SDP's `{code, issuer}` (a Stellar asset; `kind: "FIAT"` for a currency): 201 with the asset, 409 if it exists. */
export const POST = restHandler("POST /assets", async ({ ctx, request }) =>
  sdpAsset(await createAsset(ctx, (await readJsonObject(request)) as Parameters<typeof createAsset>[1])),
);
