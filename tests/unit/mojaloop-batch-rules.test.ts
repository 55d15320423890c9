import { describe, expect, it } from "vitest";
import { isNotFoundCode, partyDecision, partyStatusOfError, quotedAmountMatches, transferExpiry } from "@/server/rails/mojaloop/batch-rules";

/** The Mojaloop rail's pure decisions (server/rails/mojaloop/batch-rules.ts; docs/rails/mojaloop.md "The rail"). */

const party = (over: Partial<Parameters<typeof partyDecision>[0] & object> = {}) => ({
  status: "RESOLVED" as const,
  fspId: "payeefsp",
  name: "Payee One",
  errorCode: null,
  errorMessage: null,
  ...over,
});

describe("party lookups", () => {
  it("a party error is NOT_FOUND for the 32xx family, but our own FSP id unknown (3202) and other families are FAILED", () => {
    expect(["3200", "3201", "3203", "3204"].map(partyStatusOfError)).toEqual(["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"]);
    expect(["3202", "3100", "2001", "5100"].map(partyStatusOfError)).toEqual(["FAILED", "FAILED", "FAILED", "FAILED"]);
  });

  it("pays a resolved payee at its FSP, fails one not found or finally refused (in words), asks again otherwise", () => {
    expect(partyDecision(party())).toEqual({ kind: "pay", fspId: "payeefsp", name: "Payee One" });
    expect(partyDecision(undefined)).toEqual({ kind: "ask" });
    expect(partyDecision(party({ status: "PENDING", fspId: null }))).toEqual({ kind: "ask" });
    expect(partyDecision(party({ status: "NOT_FOUND", fspId: null, errorCode: "3204", errorMessage: null }))).toEqual({
      kind: "fail",
      code: "3204",
      message: expect.stringMatching(/^3204: No account was found for this payee/),
    });
    expect(partyDecision(party({ status: "FAILED", errorCode: "3100", errorMessage: "3100: bad" }))).toEqual({ kind: "fail", code: "3100", message: "3100: bad" });
    // A GET that could not be sent (no FSPIOP code) and transient switch errors are asked again, not failed.
    expect(partyDecision(party({ status: "FAILED", errorCode: "HTTP 503" }))).toEqual({ kind: "ask" });
    expect(partyDecision(party({ status: "FAILED", errorCode: "2003" }))).toEqual({ kind: "ask" });
    expect(partyDecision(party({ status: "FAILED", errorCode: null }))).toEqual({ kind: "ask" });
    // Resolved without an FSP cannot be grouped into a bulk: asked again.
    expect(partyDecision(party({ fspId: null }))).toEqual({ kind: "ask" });
  });
});

describe("quotes and transfers", () => {
  it("only the switch's 'no record of this id' codes allow sending again", () => {
    expect(["3208", "3209", "3210", "3205", "3200"].every(isNotFoundCode)).toBe(true);
    expect(["3204", "5105", "2001", "4001", "3303"].some(isNotFoundCode)).toBe(false);
  });

  it("a transfer expires with its quote, or after the callback timeout (at least 30 s) when that comes first", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    expect(transferExpiry(new Date(now + 300_000), now, 60_000).toISOString()).toBe("2026-12-03T12:01:00.000Z");
    expect(transferExpiry(new Date(now + 300_000), now, 5_000).toISOString()).toBe("2026-12-03T12:00:30.000Z");
    expect(transferExpiry(new Date(now + 10_000), now, 60_000).toISOString()).toBe("2026-12-03T12:00:10.000Z");
  });

  it("a quote must transfer exactly the payment's amount in its currency (FSPIOP form against the stored decimal)", () => {
    expect(quotedAmountMatches({ amount: "10.5", currency: "KES" }, { amount: "10.5000000", currency: "KES" })).toBe(true);
    expect(quotedAmountMatches({ amount: "10.51", currency: "KES" }, { amount: "10.5000000", currency: "KES" })).toBe(false);
    expect(quotedAmountMatches({ amount: "10.5", currency: "UGX" }, { amount: "10.5000000", currency: "KES" })).toBe(false);
  });
});
