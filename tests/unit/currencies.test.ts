import { describe, expect, it } from "vitest";
import { CURRENCY_CODES, currencyDecimals } from "@/server/domain/currencies";
import { createAssetInput } from "@/server/schemas/catalog.schema";

describe("ISO 4217 currencies", () => {
  it("knows the minor units of common and exceptional currencies", () => {
    expect(currencyDecimals("KES")).toBe(2);
    expect(currencyDecimals("eur")).toBe(2);
    expect(currencyDecimals("JPY")).toBe(0);
    expect(currencyDecimals("UGX")).toBe(0);
    expect(currencyDecimals("KWD")).toBe(3);
    expect(currencyDecimals("XLM")).toBeUndefined();
    expect(CURRENCY_CODES.every((c) => /^[A-Z]{3}$/.test(c))).toBe(true);
  });

  it("a fiat asset takes its decimals from the table and has no issuer", () => {
    expect(createAssetInput.parse({ kind: "FIAT", code: "kes" })).toEqual({ kind: "FIAT", code: "KES", issuer: "", decimals: 2 });
    expect(createAssetInput.parse({ kind: "FIAT", code: "JPY" }).decimals).toBe(0);
    const unknown = createAssetInput.safeParse({ kind: "FIAT", code: "ABC" });
    expect(unknown.success).toBe(false);
    expect(JSON.stringify(unknown.error?.issues)).toContain("not an ISO 4217 currency code");
    expect(createAssetInput.safeParse({ kind: "FIAT", code: "EUR", issuer: "GABC" }).success).toBe(false);
  });

  it("a Stellar asset keeps 7 decimals and needs an issuer unless it is XLM", () => {
    expect(createAssetInput.parse({ code: "XLM" })).toEqual({ kind: "STELLAR", code: "XLM", issuer: "", decimals: 7 });
    expect(createAssetInput.safeParse({ code: "USDC" }).success).toBe(false);
  });
});
