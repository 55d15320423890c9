import { buildOpenApiDocument } from "@/server/rest/openapi";

export const dynamic = "force-dynamic";

let cached: string | undefined;

/** The OpenAPI 3.1 document of /api/v1, public like any API reference. */
export function GET() {
  cached ??= JSON.stringify(buildOpenApiDocument());
  return new Response(cached, { headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=300" } });
}
