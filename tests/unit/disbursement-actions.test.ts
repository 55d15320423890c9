import { describe, expect, it } from "vitest";
import { authoredDraftOrReady, disbursementActions } from "@/server/domain/disbursement-actions";
import type { StatusHistoryEntry } from "@/server/domain/disbursement-types";

const history = (...entries: [string, string][]): StatusHistoryEntry[] =>
  entries.map(([user_id, status]) => ({ user_id, status, timestamp: "2026-01-01T00:00:00Z" }));

describe("two-person rule", () => {
  const h = history(["alice", "DRAFT"], ["bob", "READY"]);
  it("flags the creator and the uploader, nobody else", () => {
    expect(authoredDraftOrReady(h, "alice")).toBe(true);
    expect(authoredDraftOrReady(h, "bob")).toBe(true);
    expect(authoredDraftOrReady(h, "carol")).toBe(false);
    expect(authoredDraftOrReady(history(["carol", "STARTED"]), "carol")).toBe(false);
  });

  it("blocks the author from starting only when approval is required", () => {
    const base = { status: "READY" as const, statusHistory: h, role: "owner" as const };
    expect(disbursementActions({ ...base, userId: "alice", approvalRequired: true })).toEqual({
      allowed: ["upload", "delete"],
      startBlockedReason: expect.stringMatching(/Approval is required/),
    });
    expect(disbursementActions({ ...base, userId: "alice", approvalRequired: false }).allowed).toContain("start");
    expect(disbursementActions({ ...base, userId: "carol", approvalRequired: true }).allowed).toContain("start");
  });
});

describe("actions by status and role", () => {
  const run = (status: Parameters<typeof disbursementActions>[0]["status"], role: Parameters<typeof disbursementActions>[0]["role"]) =>
    disbursementActions({ status, role, statusHistory: [], userId: "u", approvalRequired: false }).allowed;

  it("follows the transition table", () => {
    expect(run("DRAFT", "owner")).toEqual(["upload", "delete"]);
    expect(run("READY", "owner")).toEqual(["upload", "start", "delete"]);
    expect(run("STARTED", "owner")).toEqual(["pause"]);
    expect(run("PAUSED", "owner")).toEqual(["resume"]);
    expect(run("COMPLETED", "owner")).toEqual([]);
  });

  it("follows the permission matrix", () => {
    expect(run("READY", "initiator")).toEqual(["upload", "delete"]);
    expect(run("READY", "approver")).toEqual(["start"]);
    expect(run("STARTED", "approver")).toEqual(["pause"]);
    expect(run("READY", "business")).toEqual([]);
    expect(run("READY", "developer")).toEqual([]);
    expect(run("READY", "financial_controller")).toEqual(["upload", "start", "delete"]);
  });
});
