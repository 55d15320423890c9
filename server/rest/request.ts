import { badRequest } from "@/server/services/errors";

/** Largest JSON body the API reads. */
export const MAX_JSON_BYTES = 1024 * 1024;
/**
 * Default cap on a multipart body read into memory, a guard in front of the service's own file
 * limits. Checked against Content-Length before the body is read.
 */
export const MAX_MULTIPART_BYTES = 64 * 1024 * 1024;

function declaredLength(request: Request): number | null {
  const raw = request.headers.get("content-length");
  const n = raw === null ? NaN : Number(raw);
  return Number.isFinite(n) ? n : null;
}

/** The JSON body (any JSON value; the service validates it), or 400. */
export async function readJson(request: Request): Promise<unknown> {
  const length = declaredLength(request);
  if (length !== null && length > MAX_JSON_BYTES) throw badRequest(`The request body is larger than ${MAX_JSON_BYTES} bytes.`);
  const text = await request.text();
  if (text.length > MAX_JSON_BYTES) throw badRequest(`The request body is larger than ${MAX_JSON_BYTES} bytes.`);
  if (text.trim() === "") throw badRequest("The request body is empty; send a JSON object.");
  try {
    return JSON.parse(text);
  } catch {
    throw badRequest("The request body is not valid JSON.");
  }
}

/** A JSON object body (arrays and scalars are refused with 400). */
export async function readJsonObject(request: Request): Promise<Record<string, unknown>> {
  const body = await readJson(request);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("The request body must be a JSON object.");
  return body as Record<string, unknown>;
}

/** One file from a multipart/form-data body, or 400 naming the field. */
export async function readMultipartFile(
  request: Request,
  field = "file",
  maxBytes = MAX_MULTIPART_BYTES,
): Promise<{ fileName: string; content: Buffer; contentType: string }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(type)) {
    throw badRequest("Send the file as multipart/form-data.", { [field]: `send multipart/form-data with the file in the "${field}" field` });
  }
  const length = declaredLength(request);
  if (length !== null && length > maxBytes) {
    throw badRequest("The upload is too large.", { [field]: `the upload is larger than the limit of ${maxBytes} bytes` });
  }
  let form: FormData;
  try {
    form = await request.formData();
  } catch {
    throw badRequest("The multipart body could not be read.", { [field]: "could not parse multipart form data" });
  }
  const value = form.get(field);
  if (value === null || typeof value === "string") {
    throw badRequest(`Attach the file in the "${field}" field.`, { [field]: `attach the CSV file in the "${field}" field` });
  }
  // Keep only the base name: a client may send a path.
  const fileName = (value.name || "instructions.csv").split(/[\\/]/).pop() || "instructions.csv";
  return { fileName, content: Buffer.from(await value.arrayBuffer()), contentType: value.type || "application/octet-stream" };
}

/**
 * Query parameters as a plain object for a service's list schema: repeated keys become arrays,
 * and the keys in `lists` also split on commas (`status=READY,STARTED`). Unknown keys are left for
 * the schema to drop; values are strings and the schema coerces them.
 */
export function queryObject(url: URL, lists: readonly string[] = ["status"]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    let values = url.searchParams.getAll(key);
    if (lists.includes(key)) values = values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
    if (values.length === 0) continue;
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/**
 * The client address for allowed-IP checks: the right-most X-Forwarded-For entry, which is the
 * address the nearest proxy saw (Next.js itself fills the header from the socket when it is absent).
 * Behind a proxy this is reliable; exposed directly, a client can send its own header, so deploy
 * behind a reverse proxy that appends to X-Forwarded-For if allowed IPs matter.
 */
export function clientIp(request: Request): string | null {
  const forwarded = request.headers.get("x-forwarded-for");
  const last = forwarded?.split(",").map((s) => s.trim()).filter(Boolean).pop();
  return last || request.headers.get("x-real-ip")?.trim() || null;
}
