import { sessionOrgContext } from "@/server/auth/session-context";
import { refuseCrossOrigin } from "@/server/http/same-origin";
import { logger } from "@/server/log";
import { NOT_AUTHORIZED, errorResponse, jsonResponse } from "@/server/rest/errors";
import { queryObject, readMultipartFile } from "@/server/rest/request";
import { getInstructionsFile, instructionsFileHeaders } from "@/server/services/disbursements/get-instructions-file";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { instructionsFileQuery } from "@/server/schemas/disbursements.schema";

/**
 * The browser's upload and download of instructions files, authenticated by the session. Same
 * services and SDP-shaped errors as the REST API, so the UI lists CSV errors by line.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  // A cookie-authenticated state change: same origin only (docs/security.md, "CSRF").
  const refused = refuseCrossOrigin(request);
  if (refused) return refused;
  const ctx = await sessionOrgContext();
  if (!ctx) return jsonResponse(NOT_AUTHORIZED, 401);
  const { id } = await params;
  const log = logger.child({ reqId: request.headers.get("x-request-id") ?? undefined, route: "instructions.upload" });
  try {
    // CSV_MAX_BYTES, checked from Content-Length before reading and while streaming (413 above it).
    const file = await readMultipartFile(request);
    return jsonResponse(await importInstructions(ctx, { disbursementId: id, fileName: file.fileName, content: file.content }));
  } catch (error) {
    return errorResponse(error, log);
  }
}

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const ctx = await sessionOrgContext();
  if (!ctx) return jsonResponse(NOT_AUTHORIZED, 401);
  const { id } = await params;
  try {
    // Neutralized by default; `?original=true` is the byte-exact file (both need exports:read).
    const { original: variant } = instructionsFileQuery.parse(queryObject(new URL(request.url)));
    const file = await getInstructionsFile(ctx, id, variant);
    return new Response(new Uint8Array(file.content), { headers: instructionsFileHeaders(file) });
  } catch (error) {
    return errorResponse(error, logger.child({ reqId: request.headers.get("x-request-id") ?? undefined }));
  }
}
