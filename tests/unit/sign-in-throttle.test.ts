import { describe, expect, it } from "vitest";
import { accountDelaySeconds, DEFAULT_THROTTLE_POLICY, waitInWords } from "@/server/domain/sign-in-throttle";

describe("sign-in throttle policy", () => {
  it("delays an account's attempts 1, 2, 4 … seconds past the threshold, capped", () => {
    const p = DEFAULT_THROTTLE_POLICY;
    expect([0, 9, 10, 11, 12, 14, 15, 40].map((n) => accountDelaySeconds(n, p))).toEqual([0, 0, 1, 2, 4, 16, 30, 30]);
  });

  it("says how long to wait in words", () => {
    expect(waitInWords(1)).toBe("1 second");
    expect(waitInWords(59.2)).toBe("60 seconds");
    expect(waitInWords(600)).toBe("10 minutes");
  });
});
