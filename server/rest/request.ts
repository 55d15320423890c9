import { MULTIPART_OVERHEAD_BYTES, csvMaxBytes, tooLargeMessage } from "@/server/http/upload-limit";
import { badRequest } from "@/server/services/errors";

/** Largest JSON body the API reads. */
export const MAX_JSON_BYTES = 1024 * 1024;
/**
 * A body or file over the upload limit: 413 with the sizes in words (docs/security.md, "Limits").
 * server/rest/errors.ts maps it for both upload routes.
 */
export class PayloadTooLargeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PayloadTooLargeError";
  }
}

function declaredLength(request: Request): number | null {
  const raw = request.headers.get("content-length");
  const n = raw === null ? NaN : Number(raw);
  return Number.isFinite(n) ? n : null;
}

/** The JSON body (any JSON value; the service validates it), or 400. */
export async function readJson(request: Request): Promise<unknown> {
  const length = declaredLength(request);
  if (length !== null && length > MAX_JSON_BYTES) throw badRequest(`The request body is larger than ${MAX_JSON_BYTES} bytes.`, undefined, "PAYLOAD_TOO_LARGE");
  const text = await request.text();
  if (text.length > MAX_JSON_BYTES) throw badRequest(`The request body is larger than ${MAX_JSON_BYTES} bytes.`, undefined, "PAYLOAD_TOO_LARGE");
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

/** The whole body, refused with 413 as soon as more than `maxBytes` have arrived. */
async function readBodyUpTo(request: Request, maxBytes: number, fileLimit: number): Promise<Uint8Array<ArrayBuffer>> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop reading; the rest is left for the server to drain, so the client still gets the 413
      // (cancelling would reset the connection under a client that is still sending).
      reader.releaseLock();
      throw new PayloadTooLargeError(tooLargeMessage(total, fileLimit, true));
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/**
 * One file from a multipart/form-data body, or 400 naming the field. A file over `maxFileBytes`
 * (CSV_MAX_BYTES by default) is refused with 413: from Content-Length before anything is read when
 * the client declares it, else while the body streams in, and by the file's own size once parsed.
 */
export async function readMultipartFile(
  request: Request,
  field = "file",
  maxFileBytes = csvMaxBytes(),
): Promise<{ fileName: string; content: Buffer; contentType: string; fields: Record<string, string> }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^multipart\/form-data\b/i.test(type)) {
    throw badRequest("Send the file as multipart/form-data.", { [field]: `send multipart/form-data with the file in the "${field}" field` });
  }
  const maxBodyBytes = maxFileBytes + MULTIPART_OVERHEAD_BYTES;
  const length = declaredLength(request);
  if (length !== null && length > maxBodyBytes) throw new PayloadTooLargeError(tooLargeMessage(length, maxFileBytes));
  const body = await readBodyUpTo(request, maxBodyBytes, maxFileBytes);
  let form: FormData;
  try {
    form = await new Response(body, { headers: { "content-type": type } }).formData();
  } catch {
    throw badRequest("The multipart body could not be read.", { [field]: "could not parse multipart form data" });
  }
  const value = form.get(field);
  if (value === null || typeof value === "string") {
    throw badRequest(`Attach the file in the "${field}" field.`, { [field]: `attach the CSV file in the "${field}" field` });
  }
  if (value.size > maxFileBytes) throw new PayloadTooLargeError(tooLargeMessage(value.size, maxFileBytes));
  // Keep only the base name: a client may send a path.
  const fileName = (value.name || "instructions.csv").split(/[\\/]/).pop() || "instructions.csv";
  // The text fields beside the file (e.g. a statement's connection_id), trimmed.
  const fields: Record<string, string> = {};
  for (const [key, v] of form.entries()) if (typeof v === "string") fields[key] = v.trim();
  return { fileName, content: Buffer.from(await value.arrayBuffer()), contentType: value.type || "application/octet-stream", fields };
}

/** Enum query parameters SDP accepts in any case. */
const UPPER_CASE_KEYS = new Set(["status", "type"]);

/**
 * Query parameters as a plain object for a service's list schema: repeated keys become arrays,
 * and the keys in `lists` also split on commas (`status=READY,STARTED`). Unknown keys are left for
 * the schema to drop; values are strings and the schema coerces them.
 */
export function queryObject(url: URL, lists: readonly string[] = ["status"]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    let values = url.searchParams.getAll(key);
    if (lists.includes(key))
      values = values
        .flatMap((v) => v.split(","))
        .map((v) => v.trim())
        .filter(Boolean);
    if (values.length === 0) continue;
    // SDP reads these case-insensitively (`status=ready`, `direction=DESC`, `type=disbursement`).
    if (UPPER_CASE_KEYS.has(key)) values = values.map((v) => v.toUpperCase());
    else if (key === "direction") values = values.map((v) => v.toLowerCase());
    out[key] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/** Moved to server/http so services can read it without importing this adapter. */
export { clientIp } from "@/server/http/client-ip";
