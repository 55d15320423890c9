import { describe, expect, it } from "vitest";
import { displayAmount, formatAmount, formatStroops, groupThousands, parseAmount, toStroops } from "@/server/domain/money";

describe("parseAmount", () => {
  it.each([
    ["1", 10_000_000n],
    ["0.0000001", 1n],
    ["12.5", 125_000_000n],
    [" 100.1234567 ", 1_001_234_567n],
    ["922337203685.4775807", 9_223_372_036_854_775_807n],
  ])("accepts %j", (raw, stroops) => {
    expect(parseAmount(raw)).toEqual({ ok: true, stroops });
  });

  it.each([
    ["0", /greater than 0/],
    ["0.0000000", /greater than 0/],
    ["-1", /positive number/],
    ["1.12345678", /7 decimal places/],
    ["922337203685.4775808", /too large/],
    ["1e3", /positive number/],
    ["1,5", /positive number/],
    ["", /positive number/],
    ["abc", /positive number/],
    [".5", /positive number/],
  ])("refuses %j", (raw, message) => {
    const result = parseAmount(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });
});

describe("exact conversions", () => {
  it("round-trips stroops and decimal strings without floating point", () => {
    expect(formatStroops(1n)).toBe("0.0000001");
    expect(formatStroops(-25_000_000n)).toBe("-2.5000000");
    expect(toStroops("0.1")).toBe(1_000_000n);
    expect(toStroops("0.2")).toBe(2_000_000n);
    // 0.1 + 0.2 is exactly 0.3 here, unlike with JavaScript numbers.
    expect(formatStroops(toStroops("0.1") + toStroops("0.2"))).toBe("0.3000000");
    expect(toStroops("-3.25")).toBe(-32_500_000n);
    expect(toStroops(null)).toBe(0n);
    expect(toStroops("9223372036854.7758070")).toBe(92_233_720_368_547_758_070n);
  });

  it("sums a million 0.0000001 payments exactly", () => {
    let total = 0n;
    for (let i = 0; i < 1_000_000; i++) total += toStroops("0.0000001");
    expect(formatStroops(total)).toBe("0.1000000");
  });

  it("formats for display", () => {
    expect(displayAmount("12.5000000")).toBe("12.5");
    expect(displayAmount("3.0000000")).toBe("3");
    expect(displayAmount("0.0000000")).toBe("0");
    expect(displayAmount(undefined)).toBe("0");
    expect(groupThousands("1234567.5")).toBe("1,234,567.5");
    expect(groupThousands("999")).toBe("999");
  });
});

describe("amounts in a currency's decimals", () => {
  it.each([
    ["12.50", 2, 125_000_000n],
    ["12", 0, 120_000_000n],
    ["1.234", 3, 12_340_000n],
  ])("accepts %j at %i decimals", (raw, decimals, stroops) => {
    expect(parseAmount(raw, decimals)).toEqual({ ok: true, stroops });
  });

  it.each([
    ["12.505", 2, /at most 2 decimal places/],
    ["1.5", 0, /no decimal places/],
    ["0.00", 2, /greater than 0/],
  ])("refuses %j at %i decimals", (raw, decimals, message) => {
    const result = parseAmount(raw, decimals);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(message);
  });

  it("shows exactly the currency's decimals, and all of them when more are stored", () => {
    expect(formatAmount(125_000_000n, 2)).toBe("12.50");
    expect(formatAmount(120_000_000n, 0)).toBe("12");
    expect(formatAmount(125_050_000n, 2)).toBe("12.505");
    expect(displayAmount("1200.5000000", 2)).toBe("1200.50");
    expect(displayAmount("1200.5000000")).toBe("1200.5");
    expect(displayAmount(null, 2)).toBe("0.00");
  });
});
