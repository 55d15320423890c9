import { describe, expect, it } from "vitest";
import { formatCount, groupThousands, plural, pluralWord } from "@/lib/format";

describe("lib/format", () => {
  it("groups thousands without touching the digits", () => {
    expect(formatCount(0)).toBe("0");
    expect(formatCount(999)).toBe("999");
    expect(formatCount(20000)).toBe("20,000");
    expect(formatCount(1234567)).toBe("1,234,567");
    expect(groupThousands("1234567.5000001")).toBe("1,234,567.5000001");
  });

  it("uses the singular for exactly one and the plural otherwise", () => {
    expect(plural(1, "payment")).toBe("1 payment");
    expect(plural(0, "payment")).toBe("0 payments");
    expect(plural(3, "payment")).toBe("3 payments");
    expect(plural(20000, "payment")).toBe("20,000 payments");
    expect(plural(1, "row does", "rows do")).toBe("1 row does");
    expect(plural(2, "row does", "rows do")).toBe("2 rows do");
    expect(pluralWord(1, "requires", "require")).toBe("requires");
    expect(pluralWord(2, "receiver")).toBe("receivers");
  });
});
