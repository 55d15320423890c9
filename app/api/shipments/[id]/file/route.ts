import { sessionOrgContext } from "@/server/auth/session-context";
import { logger } from "@/server/log";
import { NOT_AUTHORIZED, errorResponse, jsonResponse } from "@/server/rest/errors";
import { getShipmentFile } from "@/server/services/shipments/shipment-file";

/** The browser's download of a shipment file (a pain.001 for the bank's portal), authenticated by the session. */
export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  const ctx = await sessionOrgContext();
  if (!ctx) return jsonResponse(NOT_AUTHORIZED, 401);
  const { id } = await params;
  try {
    const file = await getShipmentFile(ctx, id);
    return new Response(file.content, {
      headers: {
        "content-type": `${file.contentType}; charset=utf-8`,
        "content-disposition": `attachment; filename="${file.fileName.replace(/[^A-Za-z0-9._-]/g, "_")}"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    return errorResponse(error, logger.child({ reqId: request.headers.get("x-request-id") ?? undefined, route: "shipments.file" }));
  }
}
