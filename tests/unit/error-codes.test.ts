import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ZodError } from "zod";
import { parseUploadError } from "@/components/disbursements/csv";
import { hasReason, reasonOf } from "@/components/trpc/errors";
import { ERROR_REASON_NAMES, ERROR_REASONS, isErrorReason } from "@/server/domain/error-codes";
import { errorBody } from "@/server/rest/errors";
import { badRequest, conflict, DEFAULT_REASON, forbidden, notFound, ServiceError, type ServiceErrorCode } from "@/server/services/errors";

/** The REST status each ServiceError code maps to (server/rest/errors.ts). */
const STATUS_OF: Record<ServiceErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  UNPROCESSABLE: 422,
  TOO_MANY_REQUESTS: 429,
};

describe("domain error reasons", () => {
  it("every reason has a one-line meaning and at least one HTTP status", () => {
    expect(ERROR_REASON_NAMES.length).toBeGreaterThanOrEqual(12);
    for (const name of ERROR_REASON_NAMES) {
      const { meaning, status } = ERROR_REASONS[name];
      expect(name).toMatch(/^[A-Z][A-Z0-9_]*[A-Z]$/);
      expect(meaning.trim().length, name).toBeGreaterThan(20);
      expect(meaning, name).not.toContain("\n");
      expect(status.length, name).toBeGreaterThan(0);
    }
    for (const required of [
      "INSUFFICIENT_BALANCE",
      "APPROVAL_REQUIRED",
      "INVALID_TRANSITION",
      "ENVELOPE_INCOMPLETE",
      "ENVELOPE_NOT_DUE",
      "VALIDATION_FAILED",
      "NOT_FOUND",
      "ALREADY_EXISTS",
      "CONFLICT",
      "FORBIDDEN_ROLE",
      "RATE_LIMITED",
      "MFA_REQUIRED",
    ]) {
      expect(isErrorReason(required), required).toBe(true);
    }
    expect(isErrorReason("BAD_REQUEST")).toBe(false);
    expect(isErrorReason("toString")).toBe(false);
  });

  it("every ServiceError code has a default reason whose statuses include the code's own", () => {
    for (const [code, reason] of Object.entries(DEFAULT_REASON) as [ServiceErrorCode, keyof typeof ERROR_REASONS][]) {
      expect(ERROR_REASONS[reason].status as readonly number[], code).toContain(STATUS_OF[code]);
      expect(new ServiceError(code, "x").reason).toBe(reason);
    }
  });

  it("the helpers set a sensible default reason, and keep an explicit one", () => {
    expect(badRequest("x").reason).toBe("VALIDATION_FAILED");
    expect(badRequest("x", { a: "b" }).reason).toBe("VALIDATION_FAILED");
    expect(conflict("x").reason).toBe("CONFLICT");
    expect(forbidden().reason).toBe("FORBIDDEN_ROLE");
    expect(notFound("The thing")).toMatchObject({ code: "NOT_FOUND", reason: "NOT_FOUND", message: "The thing was not found." });
    expect(conflict("short", { shortfall: "1" }, "INSUFFICIENT_BALANCE")).toMatchObject({ code: "CONFLICT", reason: "INSUFFICIENT_BALANCE", extras: { shortfall: "1" } });
    expect(forbidden("two people", "APPROVAL_REQUIRED")).toMatchObject({ code: "FORBIDDEN", reason: "APPROVAL_REQUIRED" });
    expect(badRequest("no", undefined, "INVALID_TRANSITION")).toMatchObject({ code: "BAD_REQUEST", reason: "INVALID_TRANSITION" });
  });

  it("REST bodies keep SDP's shape and name the reason at the top level", () => {
    expect(errorBody(forbidden("two people", "APPROVAL_REQUIRED"))).toEqual({ status: 403, body: { error: "Forbidden", reason: "APPROVAL_REQUIRED" } });
    expect(errorBody(conflict("Insufficient balance", { shortfall: "1" }, "INSUFFICIENT_BALANCE"))).toEqual({
      status: 409,
      body: { error: "Insufficient balance", extras: { shortfall: "1" }, reason: "INSUFFICIENT_BALANCE" },
    });
    expect(errorBody(badRequest("Bad transition", undefined, "INVALID_TRANSITION"))).toEqual({
      status: 400,
      body: { error: "Bad request", extras: { status: 400, message: "Bad transition" }, reason: "INVALID_TRANSITION" },
    });
    expect(errorBody(new ZodError([]))?.body.reason).toBe("VALIDATION_FAILED");
    expect(errorBody(new ServiceError("UNAUTHORIZED", "no"))?.body).toEqual({
      error: "Not authorized",
      extras: { status: 401, message: "Not authorized" },
      reason: "UNAUTHENTICATED",
    });
  });

  it("docs/errors.md lists every reason with its statuses", () => {
    const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
    for (const name of ERROR_REASON_NAMES) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, `docs/errors.md has no row for ${name}`).toBeDefined();
      for (const status of ERROR_REASONS[name].status) expect(row, name).toContain(String(status));
    }
  });

  it("the browser helpers read the reason of a tRPC error and of an upload answer, ignoring unknown values", () => {
    const error = { message: "short", data: { code: "CONFLICT", reason: "INSUFFICIENT_BALANCE", fieldErrors: { shortfall: ["1"] } } };
    expect(reasonOf(error)).toBe("INSUFFICIENT_BALANCE");
    expect(hasReason(error, "APPROVAL_REQUIRED", "INSUFFICIENT_BALANCE")).toBe(true);
    expect(hasReason(error, "APPROVAL_REQUIRED")).toBe(false);
    // The extras key alone no longer decides: only the reason does.
    expect(hasReason({ data: { code: "CONFLICT", fieldErrors: { shortfall: ["1"] } } }, "INSUFFICIENT_BALANCE")).toBe(false);
    expect(reasonOf({ data: { reason: "SOMETHING_NEW" } })).toBeNull();
    expect(reasonOf(null)).toBeNull();

    const envelope = "The file has 4 payments; this disbursement declares 3 at most.";
    const refused = parseUploadError(400, { error: "Bad request", extras: { envelope, declared_count: "3", file_count: "4" }, reason: "ENVELOPE_INCOMPLETE" });
    expect(refused).toMatchObject({ message: envelope, reason: "ENVELOPE_INCOMPLETE", other: [] });
    const rows = parseUploadError(400, { error: "could not parse csv file", extras: { "line 2 - amount": "invalid amount" }, reason: "VALIDATION_FAILED" });
    expect(rows).toMatchObject({ message: "could not parse csv file", reason: "VALIDATION_FAILED", lines: [{ line: 2, field: "amount", message: "invalid amount" }] });
    expect(parseUploadError(500, { error: "An internal error occurred while processing this request.", reason: "NOPE" }).reason).toBeNull();
  });
});
