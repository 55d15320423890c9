import { restHandler } from "@/server/rest/handler";

import { queryObject, readJsonObject } from "@/server/rest/request";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { sdpDisbursement, sdpList } from "@/server/rest/sdp-shape";
import { listDisbursements } from "@/server/services/disbursements/list-disbursements";
import { type CreateDisbursementInput } from "@/server/schemas/disbursements.schema";

export const dynamic = "force-dynamic";

// Query strings and bodies go to the services unvalidated: each service parses its own input, and
// its zod issues become 400 field extras.
export const POST = restHandler("POST /disbursements", async ({ ctx, request }) =>
  sdpDisbursement(await createDisbursement(ctx, (await readJsonObject(request)) as CreateDisbursementInput)),
);

export const GET = restHandler("GET /disbursements", async ({ ctx, url }) =>
  sdpList(await listDisbursements(ctx, queryObject(url) as Parameters<typeof listDisbursements>[1]), sdpDisbursement),
);
