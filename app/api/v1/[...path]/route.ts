import { jsonResponse, notFoundBody } from "@/server/rest/errors";

export const dynamic = "force-dynamic";

/**
 * Any path under /api/v1 that no route serves: SDP's JSON 404, never the HTML not-found page (an SDP
 * client parses every answer as JSON). Specific routes always win over this catch-all.
 */
async function notFound(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  return jsonResponse(notFoundBody(`No API route ${request.method} ${pathname}.`), 404);
}

export const GET = notFound;
export const HEAD = notFound;
export const POST = notFound;
export const PUT = notFound;
export const PATCH = notFound;
export const DELETE = notFound;
export const OPTIONS = notFound;
