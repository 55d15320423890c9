import { restHandler } from "@/server/rest/handler";
import { queryObject, readMultipartFile } from "@/server/rest/request";
import { bankFileMaxBytes } from "@/server/http/upload-limit";
import { bankFileUploadFields } from "@/server/schemas/bank-files.schema";
import { importBankFile } from "@/server/services/bank-files/import-bank-file";
import { listBankFiles } from "@/server/services/bank-files/list-bank-files";

export const dynamic = "force-dynamic";

/**
 * A bank file posted by an integration or pushed by the bank (multipart `statement_file`, as the
 * OpenG2P example bank posts it). With `connection_id` the bank pushes for its connection (BANK_PUSH).
 */
export const POST = restHandler("POST /statements", async ({ ctx, request }) => {
  // Over BANK_FILE_MAX_BYTES: 413 before or while the body is read (the service checks the file too).
  const { fileName, content, fields } = await readMultipartFile(request, "statement_file", bankFileMaxBytes());
  const { connection_id } = bankFileUploadFields.parse(fields);
  return importBankFile(ctx, { fileName, content, source: connection_id ? "BANK_PUSH" : "API", connectionId: connection_id });
});

export const GET = restHandler("GET /statements", async ({ ctx, url }) => listBankFiles(ctx, queryObject(url) as Parameters<typeof listBankFiles>[1]));
