/**
 * Errors that services raise for the caller to show. Adapters (tRPC, REST) map `code`
 * to their own status; `extras` carries per-field messages in SDP's error shape.
 */
export type ServiceErrorCode =
  | "BAD_REQUEST"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "CONFLICT"
  | "UNPROCESSABLE"
  | "TOO_MANY_REQUESTS";

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly extras?: Record<string, string>,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}

export const badRequest = (message: string, extras?: Record<string, string>) =>
  new ServiceError("BAD_REQUEST", message, extras);
export const forbidden = (message = "You do not have permission to do this.") => new ServiceError("FORBIDDEN", message);
export const notFound = (what: string) => new ServiceError("NOT_FOUND", `${what} was not found.`);
export const conflict = (message: string, extras?: Record<string, string>) =>
  new ServiceError("CONFLICT", message, extras);
