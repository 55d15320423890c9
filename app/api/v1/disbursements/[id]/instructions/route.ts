import { csvLimitsFromEnv } from "@/server/services/disbursements/csv-limits";
import { restHandler } from "@/server/rest/handler";
import { sdpDisbursement } from "@/server/rest/sdp-shape";
import { queryObject, readMultipartFile } from "@/server/rest/request";
import { getInstructionsFile, instructionsFileHeaders } from "@/server/services/disbursements/get-instructions-file";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { instructionsFileQuery } from "@/server/schemas/disbursements.schema";

export const dynamic = "force-dynamic";

/** Multipart `file`: the same import the UI uses; CSV row errors come back as `line N - field` extras. */
export const POST = restHandler("POST /disbursements/{id}/instructions", async ({ ctx, id, request }) => {
  // A file over CSV_MAX_BYTES is refused with 413 before or while the body is read (the service checks the file too).
  const { fileName, content } = await readMultipartFile(request, "file", csvLimitsFromEnv().maxBytes);
  const disbursement = await importInstructions(ctx, { disbursementId: id, fileName, content });
  return { message: "File uploaded successfully", disbursement: sdpDisbursement(disbursement) };
});

/** The stored file: formula-like cells neutralized by default, `?original=true` byte for byte (docs/security.md). */
export const GET = restHandler("GET /disbursements/{id}/instructions", async ({ ctx, id, url }) => {
  const { original: variant } = instructionsFileQuery.parse(queryObject(url));
  const file = await getInstructionsFile(ctx, id, variant);
  return new Response(new Uint8Array(file.content), { status: 200, headers: instructionsFileHeaders(file) });
});
