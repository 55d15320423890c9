import { csvLimitsFromEnv } from "@/server/domain/csv-instructions";
import { restHandler } from "@/server/rest/handler";
import { readMultipartFile } from "@/server/rest/request";
import { getInstructionsFile } from "@/server/services/disbursements/get-instructions-file";
import { importInstructions } from "@/server/services/disbursements/import-instructions";

export const dynamic = "force-dynamic";

const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/** Multipart `file`: the same import the UI uses; CSV row errors come back as `line N - field` extras. */
export const POST = restHandler("POST /disbursements/{id}/instructions", async ({ ctx, id, request }) => {
  // Refuse an oversized body before buffering it (the service checks the file itself too).
  const { fileName, content } = await readMultipartFile(request, "file", csvLimitsFromEnv().maxBytes + MULTIPART_OVERHEAD_BYTES);
  const disbursement = await importInstructions(ctx, { disbursementId: id, fileName, content });
  return { message: "File uploaded successfully", disbursement };
});

/** The stored file, byte for byte. */
export const GET = restHandler("GET /disbursements/{id}/instructions", async ({ ctx, id }) => {
  const file = await getInstructionsFile(ctx, id);
  const name = /\.csv$/i.test(file.fileName) ? file.fileName : `${file.fileName}.csv`;
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return new Response(new Uint8Array(file.content), {
    status: 200,
    headers: {
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      "cache-control": "no-store",
    },
  });
});
