import { describe, expect, it } from "vitest";
import { authoredDraftOrReady, disbursementActions } from "@/server/domain/disbursement-actions";
import type { StatusHistoryEntry } from "@/server/domain/disbursement-types";
import type { EnvelopeState } from "@/server/domain/g2p/envelope-rules";

const history = (...entries: [string, string][]): StatusHistoryEntry[] => entries.map(([user_id, status]) => ({ user_id, status, timestamp: "2026-01-01T00:00:00Z" }));

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
      allowed: ["upload", "cancel", "delete"],
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
    // A draft is deleted, not cancelled: one way to get rid of it (issue 16, walk-through).
    expect(run("DRAFT", "owner")).toEqual(["upload", "delete"]);
    expect(run("READY", "owner")).toEqual(["upload", "start", "cancel", "delete"]);
    expect(run("STARTED", "owner")).toEqual(["pause"]);
    expect(run("PAUSED", "owner")).toEqual(["resume"]);
    expect(run("COMPLETED", "owner")).toEqual([]);
    expect(run("CANCELED", "owner")).toEqual([]);
  });

  it("follows the permission matrix", () => {
    expect(run("READY", "initiator")).toEqual(["upload", "cancel", "delete"]);
    expect(run("READY", "approver")).toEqual(["start"]);
    expect(run("STARTED", "approver")).toEqual(["pause"]);
    expect(run("READY", "business")).toEqual([]);
    expect(run("READY", "developer")).toEqual([]);
    expect(run("READY", "financial_controller")).toEqual(["upload", "start", "cancel", "delete"]);
  });
});

describe("envelope rules", () => {
  const NOW = new Date("2030-06-01T12:00:00Z");
  const envelope = (over: Partial<EnvelopeState> = {}): EnvelopeState => ({
    status: "READY",
    declaredCount: 2,
    declaredTotalStroops: 300_000_000n,
    scheduledAt: null,
    receivedCount: 2,
    receivedTotalStroops: 300_000_000n,
    ...over,
  });
  const actions = (over: Partial<EnvelopeState>, extra: { fromG2p?: boolean; approvalRequired?: boolean; role?: "owner" | "approver" | "business" } = {}) =>
    disbursementActions({
      status: over.status ?? "READY",
      statusHistory: history(["alice", "DRAFT"]),
      role: extra.role ?? "owner",
      userId: "alice",
      approvalRequired: extra.approvalRequired ?? false,
      envelope: envelope(over),
      fromG2p: extra.fromG2p,
      now: NOW,
    });

  it("offers Start only when complete and due, and says why not", () => {
    expect(actions({}).allowed).toContain("start");
    expect(actions({ receivedCount: 1, receivedTotalStroops: 100_000_000n })).toEqual({
      allowed: ["upload", "cancel", "delete"],
      startBlockedReason: "The envelope has received 1 of the 2 payments it declares.",
    });
    expect(actions({ receivedTotalStroops: 299_999_999n }).startBlockedReason).toMatch(/received 29\.9999999 of the 30\.0000000/);
    const future = actions({ scheduledAt: new Date("2030-06-02T00:00:00Z") });
    expect(future.allowed).not.toContain("start");
    expect(future.startBlockedReason).toMatch(/scheduled for 2030-06-02T00:00:00\.000Z/);
    expect(actions({ scheduledAt: NOW }).allowed).toContain("start");
  });

  it("names the envelope before the two-person rule, and only to roles that may start", () => {
    expect(actions({ receivedCount: 1 }, { approvalRequired: true }).startBlockedReason).toMatch(/received 1 of the 2/);
    expect(actions({}, { approvalRequired: true }).startBlockedReason).toMatch(/Approval is required/);
    expect(actions({ receivedCount: 1 }, { role: "business" })).toEqual({ allowed: [], startBlockedReason: null });
  });

  it("offers Cancel before the schedule date only, to roles that write", () => {
    expect(actions({ scheduledAt: new Date("2030-06-01T12:00:01Z") }).allowed).toContain("cancel");
    expect(actions({ scheduledAt: NOW }).allowed).not.toContain("cancel");
    expect(actions({ status: "DRAFT", scheduledAt: new Date("2030-07-01T00:00:00Z") }).allowed).toEqual(["upload", "cancel", "delete"]);
    expect(actions({ status: "STARTED" }).allowed).toEqual(["pause"]);
    expect(actions({ status: "CANCELED" }).allowed).toEqual([]);
    expect(actions({}, { role: "approver" }).allowed).toEqual(["start"]);
  });

  it("offers neither upload nor delete on a G2P envelope (the sender's items; cancelled, not erased)", () => {
    expect(actions({}, { fromG2p: true }).allowed).toEqual(["start", "cancel"]);
  });
});
