import { ZodError } from "zod";
import type { Logger } from "@/server/log";
import { PayloadTooLargeError } from "@/server/rest/request";
import { ServiceError, type ServiceErrorCode } from "@/server/services/errors";

/**
 * SDP's error bodies (GUIDE.md §5, seeds/003):
 *   400 {"error":"Bad request","extras":{<field or "line N - field">: <message>}}, or
 *       {"error":"Bad request","extras":{"status":400,"message":<message>}} when no field is at fault
 *   401 {"error":"Not authorized","extras":{"status":401,"message":"Not authorized"}}
 *   403 {"error":"Forbidden"}
 *   404 {"error":"Resource not found","extras":{"status":404,"message":<message>}}
 *   409 {"error":<message>,"extras":{...}}
 */
export type ErrorBody = { error: string; extras?: Record<string, string | number> };

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

export const NOT_AUTHORIZED: ErrorBody = { error: "Not authorized", extras: { status: 401, message: "Not authorized" } };
export const FORBIDDEN: ErrorBody = { error: "Forbidden" };

export function notFoundBody(message = "Resource not found"): ErrorBody {
  return { error: "Resource not found", extras: { status: 404, message } };
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

export function badRequestBody(message: string, extras?: Record<string, string>): ErrorBody {
  return extras && Object.keys(extras).length > 0
    ? { error: "Bad request", extras }
    : { error: "Bad request", extras: { status: 400, message } };
}

/** The status and SDP-shaped body for an error a service or the adapter raised. */
export function errorBody(error: unknown): { status: number; body: ErrorBody } | null {
  if (error instanceof PayloadTooLargeError) return { status: 413, body: { error: error.message, extras: { status: 413, message: error.message } } };
  if (error instanceof ZodError) {
    return { status: 400, body: badRequestBody(error.issues[0]?.message ?? "The request is not valid.", zodFieldExtras(error)) };
  }
  if (!(error instanceof ServiceError)) return null;
  const status = STATUS[error.code];
  switch (error.code) {
    case "BAD_REQUEST":
      return { status, body: badRequestBody(error.message, error.extras) };
    case "UNAUTHORIZED":
      return { status, body: NOT_AUTHORIZED };
    case "FORBIDDEN":
      return { status, body: FORBIDDEN };
    case "NOT_FOUND":
      return { status, body: notFoundBody(error.message) };
    default:
      return { status, body: { error: error.message, extras: error.extras && Object.keys(error.extras).length > 0 ? error.extras : { status, message: error.message } } };
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
  return jsonResponse({ error: "An internal error occurred while processing this request." }, 500);
}
