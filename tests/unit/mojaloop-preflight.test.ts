import { describe, expect, it } from "vitest";
import { lookupTimedOut, payeeProblem, type PartyRowFacts } from "@/server/domain/mojaloop-preflight";
import { describeFspiopError } from "@/server/rails/mojaloop/fspiop-errors";

const now = new Date("2026-12-03T12:00:00Z");
const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);
const row = (over: Partial<PartyRowFacts>): PartyRowFacts => ({ status: null, errorCode: null, errorMessage: null, requestedAt: null, ...over });
const options = { hasPhone: true, callbackTimeoutSeconds: 60, now, describeCode: describeFspiopError };

describe("Mojaloop preflight words", () => {
  it("a PENDING lookup times out only after the connection's callback timeout", () => {
    expect(lookupTimedOut(row({ status: "PENDING", requestedAt: secondsAgo(60) }), 60, now)).toBe(false);
    expect(lookupTimedOut(row({ status: "PENDING", requestedAt: secondsAgo(61) }), 60, now)).toBe(true);
    // Answered lookups never time out, however old.
    expect(lookupTimedOut(row({ status: "RESOLVED", requestedAt: secondsAgo(3600) }), 60, now)).toBe(false);
  });

  it("says why a payee is unresolved; nothing while resolved or still waiting", () => {
    expect(payeeProblem(row({ status: "RESOLVED" }), options)).toBeNull();
    expect(payeeProblem(row({ status: "PENDING", requestedAt: secondsAgo(5) }), options)).toBeNull();
    expect(payeeProblem(row({ status: "PENDING", requestedAt: secondsAgo(90) }), options)).toBe("The switch has not answered within 60 s; look up again.");
    expect(payeeProblem(row({}), options)).toBe("Not looked up yet.");
    expect(payeeProblem(row({ status: "RESOLVED" }), { ...options, hasPhone: false })).toBe("The payee has no phone number to look up.");
    // The stored words first; a bare code in words through the FSPIOP table.
    expect(payeeProblem(row({ status: "FAILED", errorCode: "2003", errorMessage: "The switch was down." }), options)).toBe("The switch was down.");
    expect(payeeProblem(row({ status: "NOT_FOUND", errorCode: "3204" }), options)).toBe(describeFspiopError("3204"));
    expect(payeeProblem(row({ status: "NOT_FOUND", errorCode: "3204" }), options)).toMatch(/^3204: /);
    expect(payeeProblem(row({ status: "FAILED" }), options)).toBe("The lookup failed.");
  });
});
