/**
 * The G2P item status table (server/domain/g2p/item-status.ts) pinned pair by pair, and the SQL
 * CASE generated from it (server/services/g2p/report-item-changes.ts) checked to say the same for
 * every pair, so the status reporter and the item views can never disagree. Also the callback
 * delivery rules (what counts as an acknowledgement, the backoff).
 */
import { sql } from "drizzle-orm";
import { PgDialect } from "drizzle-orm/pg-core";
import { describe, expect, it } from "vitest";
import { DISBURSEMENT_STATUSES, PAYMENT_STATUSES, type DisbursementStatus, type PaymentStatus } from "@/server/domain/disbursement-types";
import { g2pItemStatus } from "@/server/domain/g2p/item-status";
import { judgeCallbackAnswer, retryDelayMs } from "@/server/services/g2p/deliver-callbacks";
import { g2pItemStatusSql } from "@/server/services/g2p/report-item-changes";

// Rows: payment status; columns: DRAFT, READY, STARTED, PAUSED, COMPLETED, CANCELED (disbursement).
const TABLE: Record<PaymentStatus, string> = {
  DRAFT: "rcvd rcvd rcvd rcvd rcvd rcvd",
  READY: "rcvd rcvd pdng pdng pdng pdng",
  PENDING: "pdng pdng pdng pdng pdng pdng",
  PAUSED: "rcvd rcvd pdng pdng pdng pdng",
  SUCCESS: "succ succ succ succ succ succ",
  FAILED: "rjct rjct rjct rjct rjct rjct",
  CANCELED: "rjct rjct rjct rjct rjct rjct",
};

const pairs = PAYMENT_STATUSES.flatMap((p) => DISBURSEMENT_STATUSES.map((d) => [p, d] as [PaymentStatus, DisbursementStatus]));

/** Evaluate the generated CASE for one pair by reading its WHEN branches (first match wins). */
function evaluateCase(text: string, p: string, d: string): string | null {
  const body = text.replace(/^\(case /, "").replace(/ end\)$/, "");
  for (const branch of body.split(/(?=when )/)) {
    const m = /^when P = '(\w+)'(?: and D = '(\w+)')? then '(\w+)'\s*$/.exec(branch.trim());
    if (!m) throw new Error(`unexpected branch: ${branch}`);
    if (m[1] === p && (m[2] === undefined || m[2] === d)) return m[3]!;
  }
  return null;
}

describe("G2P item status", () => {
  it("derives rcvd / pdng / succ / rjct from payment and envelope status as pinned", () => {
    expect(DISBURSEMENT_STATUSES).toEqual(["DRAFT", "READY", "STARTED", "PAUSED", "COMPLETED", "CANCELED"]);
    for (const [p, d] of pairs) {
      const expected = TABLE[p].split(" ")[DISBURSEMENT_STATUSES.indexOf(d)];
      expect(g2pItemStatus(p, d), `${p} in a ${d} disbursement`).toBe(expected);
    }
  });

  it("the SQL CASE gives the same status for every pair and binds no parameters", () => {
    const query = new PgDialect().sqlToQuery(g2pItemStatusSql(sql.raw("P"), sql.raw("D")));
    expect(query.params).toEqual([]);
    for (const [p, d] of pairs) expect(evaluateCase(query.sql, p, d), `${p}/${d}`).toBe(g2pItemStatus(p, d));
  });
});

describe("callback delivery rules", () => {
  it("acknowledged only by a 2xx with an empty body or ack_status ACK", () => {
    expect(judgeCallbackAnswer(200, "")).toEqual({ ok: true, httpStatus: 200 });
    expect(judgeCallbackAnswer(204, "  ")).toEqual({ ok: true, httpStatus: 204 });
    expect(judgeCallbackAnswer(200, JSON.stringify({ message: { ack_status: "ACK" } }))).toEqual({ ok: true, httpStatus: 200 });
    expect(judgeCallbackAnswer(200, JSON.stringify({ message: { ack_status: "NACK", error: { code: "rjct.x", message: "no" } } }))).toMatchObject({
      ok: false,
      code: "rjct.x",
    });
    expect(judgeCallbackAnswer(200, JSON.stringify({ message: { ack_status: "ERR" } }))).toMatchObject({ ok: false, code: "ack_err" });
    expect(judgeCallbackAnswer(200, "ok")).toMatchObject({ ok: false, code: "answer_invalid" });
    expect(judgeCallbackAnswer(200, "null")).toMatchObject({ ok: false, code: "ack_none" });
    expect(judgeCallbackAnswer(500, JSON.stringify({ message: { ack_status: "ACK" } }))).toMatchObject({ ok: false, code: "http_500", httpStatus: 500 });
    expect(judgeCallbackAnswer(302, "")).toMatchObject({ ok: false, code: "http_302" });
  });

  it("backs off 1 s, 2 s, 4 s … up to 5 minutes", () => {
    const config = { backoffMs: 1_000, backoffMaxMs: 300_000 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, config))).toEqual([1_000, 2_000, 4_000, 8_000, 16_000]);
    expect(retryDelayMs(9, config)).toBe(256_000);
    expect(retryDelayMs(10, config)).toBe(300_000);
    expect(retryDelayMs(1_000, config)).toBe(300_000);
  });
});
