import { sessionOrgContext } from "@/server/auth/session-context";
import { logger } from "@/server/log";
import { NOT_AUTHORIZED, errorResponse, jsonResponse } from "@/server/rest/errors";
import { readMultipartFile } from "@/server/rest/request";
import { getInstructionsFile } from "@/server/services/disbursements/get-instructions-file";
import { importInstructions } from "@/server/services/disbursements/import-instructions";

/**
 * The browser's upload and download of instructions files, authenticated by the session. Same
 * services and SDP-shaped errors as the REST API, so the UI lists CSV errors by line.
 */
export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const ctx = await sessionOrgContext();
  if (!ctx) return jsonResponse(NOT_AUTHORIZED, 401);
  const { id } = await params;
  const log = logger.child({ reqId: request.headers.get("x-request-id") ?? undefined, route: "instructions.upload" });
  try {
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
    const file = await getInstructionsFile(ctx, id);
    return new Response(new Uint8Array(file.content), {
      headers: {
        "content-type": file.contentType,
        "content-disposition": `attachment; filename="${file.fileName.replace(/["\\\r\n]/g, "_")}"`,
      },
    });
  } catch (error) {
    return errorResponse(error, logger.child({ reqId: request.headers.get("x-request-id") ?? undefined }));
  }
}
