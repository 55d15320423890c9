import { sessionOrgContext } from "@/server/auth/session-context";
import { refuseCrossOrigin } from "@/server/http/same-origin";
import { bankFileMaxBytes } from "@/server/http/upload-limit";
import { logger } from "@/server/log";
import { NOT_AUTHORIZED, errorResponse, jsonResponse } from "@/server/rest/errors";
import { readMultipartFile } from "@/server/rest/request";
import { bankFileUploadFields } from "@/server/schemas/bank-files.schema";
import { importBankFile } from "@/server/services/bank-files/import-bank-file";

/**
 * The browser's upload of a bank file (the Reconciliation page), authenticated by the session:
 * multipart `file` and optional `connection_id`; the same service and error shapes as
 * `POST /api/v1/statements`, so a bad file's line and field reach the page.
 */
export async function POST(request: Request) {
  // A cookie-authenticated state change: same origin only (docs/security.md, "CSRF").
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  const ctx = await sessionOrgContext();
  if (!ctx) return jsonResponse(NOT_AUTHORIZED, 401);
  const log = logger.child({ reqId: request.headers.get("x-request-id") ?? undefined, route: "bank-files.upload" });
  try {
    // BANK_FILE_MAX_BYTES, checked from Content-Length before reading and while streaming (413 above it).
    const { fileName, content, fields } = await readMultipartFile(request, "file", bankFileMaxBytes());
    const { connection_id } = bankFileUploadFields.parse(fields);
    return jsonResponse(await importBankFile(ctx, { fileName, content, source: "UPLOAD", connectionId: connection_id }));
  } catch (error) {
    return errorResponse(error, log);
  }
}
