import { isErrorReason, type ErrorReason } from "@/server/domain/error-codes";

/** Per-field messages from a tRPC error (zod issues or a service's extras). */
export function fieldErrorsOf(error: unknown): Record<string, string | undefined> {
  const data = (error as { data?: { fieldErrors?: Record<string, string[] | undefined> | null } } | null)?.data;
  const out: Record<string, string | undefined> = {};
  for (const [field, messages] of Object.entries(data?.fieldErrors ?? {})) out[field] = messages?.[0];
  return out;
}

export function messageOf(error: unknown): string | null {
  if (!error) return null;
  return (error as { message?: string }).message || "Something went wrong. Try again.";
}

/**
 * The stable domain reason of a tRPC error (server/domain/error-codes.ts, docs/errors.md), or
 * null. Branch on this, never on a message or on which extras keys are present.
 */
export function reasonOf(error: unknown): ErrorReason | null {
  const reason = (error as { data?: { reason?: unknown } | null } | null)?.data?.reason;
  return isErrorReason(reason) ? reason : null;
}

export function hasReason(error: unknown, ...reasons: ErrorReason[]): boolean {
  const reason = reasonOf(error);
  return reason !== null && reasons.includes(reason);
}
