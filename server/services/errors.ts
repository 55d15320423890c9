import type { ErrorReason } from "@/server/domain/error-codes";

export type { ErrorReason } from "@/server/domain/error-codes";

/**
 * Errors that services raise for the caller to show. Adapters (tRPC, REST) map `code`
 * to their own status; `reason` is the stable domain code clients branch on
 * (server/domain/error-codes.ts, docs/errors.md); `extras` carries per-field messages in SDP's error shape.
 */
export type ServiceErrorCode = "BAD_REQUEST" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND" | "CONFLICT" | "UNPROCESSABLE" | "TOO_MANY_REQUESTS";

/** The reason of an error whose thrower named none. */
export const DEFAULT_REASON: Record<ServiceErrorCode, ErrorReason> = {
  BAD_REQUEST: "VALIDATION_FAILED",
  UNAUTHORIZED: "UNAUTHENTICATED",
  FORBIDDEN: "FORBIDDEN_ROLE",
  NOT_FOUND: "NOT_FOUND",
  CONFLICT: "CONFLICT",
  UNPROCESSABLE: "UNPROCESSABLE",
  TOO_MANY_REQUESTS: "RATE_LIMITED",
};

export class ServiceError extends Error {
  readonly reason: ErrorReason;
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly extras?: Record<string, string>,
    reason?: ErrorReason,
  ) {
    super(message);
    this.name = "ServiceError";
    this.reason = reason ?? DEFAULT_REASON[code];
  }
}

export const badRequest = (message: string, extras?: Record<string, string>, reason: ErrorReason = "VALIDATION_FAILED") =>
  new ServiceError("BAD_REQUEST", message, extras, reason);
export const forbidden = (message = "You do not have permission to do this.", reason: ErrorReason = "FORBIDDEN_ROLE") =>
  new ServiceError("FORBIDDEN", message, undefined, reason);
export const notFound = (what: string, reason: ErrorReason = "NOT_FOUND") => new ServiceError("NOT_FOUND", `${what} was not found.`, undefined, reason);
export const conflict = (message: string, extras?: Record<string, string>, reason: ErrorReason = "CONFLICT") => new ServiceError("CONFLICT", message, extras, reason);
