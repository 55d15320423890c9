import { Keypair, MuxedAccount, Account } from "@stellar/stellar-sdk";
import { describe, expect, it } from "vitest";
import { REGISTRATION_STRINGS, t } from "@/server/domain/registration-strings";
import { maskContact } from "@/server/services/registration/load-registration";
import { isValidMemo, isValidStellarAddress } from "@/server/services/registration/register-receiver-wallet";

describe("registration helpers", () => {
  it("masks contacts to a hint", () => {
    expect(maskContact("PHONE_NUMBER", "+447911123456")).toBe("+44•••••3456");
    expect(maskContact("EMAIL", "alice@example.org")).toBe("a•••@example.org");
    expect(maskContact("PHONE_NUMBER", null)).toBe("");
  });

  it("accepts G and M addresses, refuses others", () => {
    const g = Keypair.random().publicKey();
    const m = new MuxedAccount(new Account(g, "0"), "42").accountId();
    expect(isValidStellarAddress(g)).toBe(true);
    expect(isValidStellarAddress(m)).toBe(true);
    expect(isValidStellarAddress(g.toLowerCase())).toBe(false);
    expect(isValidStellarAddress(Keypair.random().secret())).toBe(false);
    expect(isValidStellarAddress("GABC")).toBe(false);
  });

  it("memos: text up to 28 bytes or a 64-bit id", () => {
    expect(isValidMemo("x".repeat(28))).toBe(true);
    expect(isValidMemo("x".repeat(29))).toBe(false);
    expect(isValidMemo("é".repeat(15))).toBe(false);
    expect(isValidMemo("18446744073709551615")).toBe(true);
    expect(isValidMemo("18446744073709551616")).toBe(false);
  });

  it("fills placeholders and keeps every string in one table", () => {
    expect(t("otp.wrong", { remaining: 3 })).toBe("That code is not right. 3 attempts left.");
    for (const value of Object.values(REGISTRATION_STRINGS.en)) expect(value.length).toBeGreaterThan(0);
  });
});
