import { ZodError } from "zod";
import type { Logger } from "@/server/log";
import { PayloadTooLargeError } from "@/server/rest/request";
import type { ErrorReason } from "@/server/domain/error-codes";
import { ServiceError, type ServiceErrorCode } from "@/server/services/errors";

/**
 * SDP's error bodies (docs/domain.md#rest-error-bodies):
 *   400 {"error":"Bad request","extras":{<field or "line N - field">: <message>}}, or
 *       {"error":"Bad request","extras":{"status":400,"message":<message>}} when no field is at fault
 *   401 {"error":"Not authorized","extras":{"status":401,"message":"Not authorized"}}
 *   403 {"error":"Forbidden"}
 *   404 {"error":"Resource not found","extras":{"status":404,"message":<message>}}
 *   409 {"error":<message>,"extras":{...}}
 * Each body also names its domain reason at the top level, `"reason":"INSUFFICIENT_BALANCE"`
 * (docs/errors.md): SDP clients read only `error` and `extras` and ignore other keys, whereas a
 * key inside `extras` would be listed as a field error by clients that show extras per field.
 */
export type ErrorBody = { error: string; extras?: Record<string, string | number>; reason?: ErrorReason };

const STATUS: Record<ServiceErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  TOO_MANY_REQUESTS: 429,
};

const HEADERS = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

export function jsonResponse(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...HEADERS, ...headers } });
}

export const NOT_AUTHORIZED: ErrorBody = { error: "Not authorized", extras: { status: 401, message: "Not authorized" }, reason: "UNAUTHENTICATED" };
export const FORBIDDEN: ErrorBody = { error: "Forbidden", reason: "FORBIDDEN_ROLE" };

export function notFoundBody(message = "Resource not found", reason: ErrorReason = "NOT_FOUND"): ErrorBody {
  return { error: "Resource not found", extras: { status: 404, message }, reason };
}

/** Zod issues as `{field: message}` (the first message per field); root issues yield none. */
export function zodFieldExtras(error: ZodError): Record<string, string> {
  const extras: Record<string, string> = {};
  for (const issue of error.issues) {
    const key = issue.path.map(String).join(".");
    if (key && !(key in extras)) extras[key] = issue.message;
  }
  return extras;
}

export function badRequestBody(message: string, extras?: Record<string, string>, reason: ErrorReason = "VALIDATION_FAILED"): ErrorBody {
  return extras && Object.keys(extras).length > 0 ? { error: "Bad request", extras, reason } : { error: "Bad request", extras: { status: 400, message }, reason };
}

/** The status and SDP-shaped body for an error a service or the adapter raised. */
export function errorBody(error: unknown): { status: number; body: ErrorBody } | null {
  if (error instanceof PayloadTooLargeError) {
    return { status: 413, body: { error: error.message, extras: { status: 413, message: error.message }, reason: "PAYLOAD_TOO_LARGE" } };
  }
  if (error instanceof ZodError) {
    return { status: 400, body: badRequestBody(error.issues[0]?.message ?? "The request is not valid.", zodFieldExtras(error)) };
  }
  if (!(error instanceof ServiceError)) return null;
  const status = STATUS[error.code];
  const reason = error.reason;
  switch (error.code) {
    case "BAD_REQUEST":
      return { status, body: badRequestBody(error.message, error.extras, reason) };
    case "UNAUTHORIZED":
      return { status, body: { ...NOT_AUTHORIZED, reason } };
    case "FORBIDDEN":
      return { status, body: { ...FORBIDDEN, reason } };
    case "NOT_FOUND":
      return { status, body: notFoundBody(error.message, reason) };
    default: {
      const extras = error.extras && Object.keys(error.extras).length > 0 ? error.extras : { status, message: error.message };
      return { status, body: { error: error.message, extras, reason } };
    }
  }
}

/** Map any thrown error to a response; unexpected ones are logged and answer 500 without details. */
export function errorResponse(error: unknown, log: Logger): Response {
  const mapped = errorBody(error);
  if (mapped) {
    if (mapped.status === 403 && error instanceof ServiceError) log.info({ reason: error.message }, "rest forbidden");
    return jsonResponse(mapped.body, mapped.status);
  }
  log.error({ err: error }, "rest handler failed");
  return jsonResponse({ error: "An internal error occurred while processing this request.", reason: "INTERNAL" } satisfies ErrorBody, 500);
}
