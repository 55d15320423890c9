import { VERIFICATION_FIELDS } from "@/server/domain/disbursement-types";
import { restHandler } from "@/server/rest/handler";

export const dynamic = "force-dynamic";

/** SDP's list of the values a disbursement's `verification_field` takes. */
export const GET = restHandler("GET /receivers/verification-types", async () => [...VERIFICATION_FIELDS]);
