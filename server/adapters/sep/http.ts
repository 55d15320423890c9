import { logger } from "@/server/log";
import { SepError } from "@/server/services/sep/errors";

/** Wallets call SEP endpoints from anywhere (browsers included): CORS is open, as SEP-1/10/24 require. */
export const CORS_HEADERS: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "Authorization, Content-Type",
  "access-control-allow-methods": "GET, POST, OPTIONS",
};

export function sepJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...CORS_HEADERS },
  });
}

export function sepPreflight(): Response {
  return new Response(null, { status: 204, headers: CORS_HEADERS });
}

/** SEP errors answer `{error}` with their status; anything else is logged and answers 500. */
export function sepErrorResponse(error: unknown, what: string): Response {
  if (error instanceof SepError) return sepJson({ ...error.fields, error: error.message }, error.status);
  logger.error({ err: error }, `${what} failed`);
  return sepJson({ error: "An internal error occurred while processing this request." }, 500);
}

/** Fields of a JSON, urlencoded or multipart body as strings (SEP-10 and SEP-24 accept all three). */
export async function readFields(request: Request): Promise<Record<string, string>> {
  const type = request.headers.get("content-type") ?? "";
  const fields: Record<string, string> = {};
  try {
    if (type.includes("application/json")) {
      const body = (await request.json()) as unknown;
      if (!body || typeof body !== "object" || Array.isArray(body)) throw new SepError(400, "the body must be a JSON object");
      for (const [k, v] of Object.entries(body)) if (typeof v === "string" || typeof v === "number") fields[k] = String(v);
    } else if (type.includes("application/x-www-form-urlencoded") || type.includes("multipart/form-data")) {
      const form = await request.formData();
      for (const [k, v] of form.entries()) if (typeof v === "string") fields[k] = v;
    } else {
      throw new SepError(400, "send the fields as JSON or form data");
    }
  } catch (error) {
    if (error instanceof SepError) throw error;
    throw new SepError(400, "the request body could not be read");
  }
  return fields;
}
