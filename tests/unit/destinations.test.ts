import { Keypair } from "@stellar/stellar-sdk";
import { describe, expect, it } from "vitest";
import {
  IBAN_LENGTHS,
  checkAccountNumber,
  checkBankCode,
  checkBankPayee,
  checkBic,
  checkDestination,
  checkEmail,
  checkHolderName,
  checkIban,
  checkMsisdn,
  checkRegion,
  formatPayeeFa,
  maskAccount,
  parsePayeeFa,
} from "@/server/domain/destinations";

/** Published example IBANs (national banks' and the SWIFT registry's samples), as people print them. */
const VALID_IBANS: [string, string][] = [
  ["DE89 3704 0044 0532 0130 00", "DE89370400440532013000"],
  ["gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"],
  ["FR14 2004 1010 0505 0001 3M02 606", "FR1420041010050500013M02606"],
  ["NL91ABNA0417164300", "NL91ABNA0417164300"],
  ["BE68 5390 0754 7034", "BE68539007547034"],
  ["CH93 0076 2011 6238 5295 7", "CH9300762011623852957"],
  ["ES91 2100 0418 4502 0005 1332", "ES9121000418450200051332"],
  ["IT60 X054 2811 1010 0000 0123 456", "IT60X0542811101000000123456"],
  ["NO93 8601 1117 947", "NO9386011117947"],
  ["MT84 MALT 0110 0001 2345 MTLC AST0 01S", "MT84MALT011000012345MTLCAST001S"],
  ["SA03 8000 0000 6080 1016 7519", "SA0380000000608010167519"],
  ["PK36 SCBL 0000 0011 2345 6702", "PK36SCBL0000001123456702"],
];

describe("IBAN (country length table and ISO 7064 mod-97 checksum)", () => {
  it.each(VALID_IBANS)("accepts %s as %s", (raw, canonical) => {
    expect(checkIban(raw)).toEqual({ ok: true, value: canonical });
    expect(canonical).toHaveLength(IBAN_LENGTHS[canonical.slice(0, 2)]!);
  });

  it("refuses a mistyped character, naming the field", () => {
    expect(checkIban("DE89 3704 0044 0532 0130 01", "bankAccount")).toEqual({ ok: false, message: "bankAccount: IBAN checksum fails (a character is mistyped)" });
    // Two digits swapped: the checksum catches it too.
    expect(checkIban("GB82WEST12345698765423").ok).toBe(false);
    expect(checkIban("FR1420041010050500013M02607").ok).toBe(false);
  });

  it("refuses a wrong length for the country", () => {
    expect(checkIban("DE8937040044053201300", "bankAccount")).toEqual({
      ok: false,
      message: "bankAccount is not a valid IBAN: a DE IBAN has 22 characters, this one has 21",
    });
    expect(checkIban("NO938601111794").ok).toBe(false);
  });

  it("refuses an unknown country, foreign characters and a missing check", () => {
    expect(checkIban("US1234567890123456")).toMatchObject({ ok: false, message: expect.stringContaining("US is not a country that uses IBANs") });
    expect(checkIban("DE89_3704_0044_0532_0130_00")).toMatchObject({ ok: false, message: expect.stringContaining("only letters and digits") });
    expect(checkIban("")).toMatchObject({ ok: false, message: "IBAN cannot be empty" });
    expect(checkIban("DEXX370400440532013000")).toMatchObject({ ok: false, message: expect.stringContaining("country code and two check digits") });
  });
});

describe("bank accounts, bank codes and BICs", () => {
  it("account numbers: letters and digits, separators dropped, 4 to 34", () => {
    expect(checkAccountNumber(" 0123-4567 89 ")).toEqual({ ok: true, value: "0123456789" });
    expect(checkAccountNumber("123")).toMatchObject({ ok: false });
    expect(checkAccountNumber("1".repeat(35))).toMatchObject({ ok: false });
    expect(checkAccountNumber("12#45", "bankAccount")).toEqual({ ok: false, message: "bankAccount may hold only letters and digits" });
  });

  it("bank codes: 2 to 20 letters or digits, upper-cased", () => {
    expect(checkBankCode("kcb-01")).toEqual({ ok: true, value: "KCB01" });
    expect(checkBankCode("1")).toMatchObject({ ok: false });
    expect(checkBankCode("", "bankCode")).toEqual({ ok: false, message: "bankCode cannot be empty" });
  });

  it("BIC: 8 or 11 characters", () => {
    expect(checkBic("deutdeff")).toEqual({ ok: true, value: "DEUTDEFF" });
    expect(checkBic("DEUTDEFF500")).toEqual({ ok: true, value: "DEUTDEFF500" });
    expect(checkBic("DEUTDEF").ok).toBe(false);
    expect(checkBic("DEUTDEFF50").ok).toBe(false);
    expect(checkBic("1EUTDEFF").ok).toBe(false);
  });

  it("a bank payee is an IBAN (bank code optional) or an account number with its bank code", () => {
    expect(checkBankPayee("de89 3704 0044 0532 0130 00", "")).toEqual({ ok: true, destination: { kind: "IBAN", value: "DE89370400440532013000", details: {} } });
    expect(checkBankPayee("0123456789", "01")).toEqual({ ok: true, destination: { kind: "BANK_ACCOUNT", value: "0123456789", details: { bankCode: "01" } } });
    expect(checkBankPayee("0123456789", "")).toEqual({ ok: false, field: "bankCode", message: "bankCode is required when bankAccount is not an IBAN" });
    expect(checkBankPayee("DE89370400440532013001", "")).toEqual({
      ok: false,
      field: "bankAccount",
      message: "bankAccount: IBAN checksum fails (a character is mistyped)",
    });
  });

  it("holder names: collapsed white space, at most 140 characters", () => {
    expect(checkHolderName("  Ana   María  Díaz ")).toEqual({ ok: true, value: "Ana María Díaz" });
    expect(checkHolderName("").ok).toBe(false);
    expect(checkHolderName("x".repeat(141)).ok).toBe(false);
  });

  it("masks accounts in lists", () => {
    expect(maskAccount("DE89370400440532013000")).toBe("•••• 3000");
    expect(maskAccount("123")).toBe("•••• 123");
  });
});

describe("MSISDN, e-mail, Stellar address and region", () => {
  it("phones in E.164, valid by libphonenumber-js", () => {
    expect(checkMsisdn("+254 712 345 678")).toEqual({ ok: true, value: "+254712345678" });
    expect(checkMsisdn("+1 555 0100").ok).toBe(false);
    expect(checkMsisdn("0712345678").ok).toBe(false);
  });

  it("e-mail lower-cased", () => {
    expect(checkEmail(" Ana@Example.COM ")).toEqual({ ok: true, value: "ana@example.com" });
    expect(checkEmail("ana@").ok).toBe(false);
  });

  it("checkDestination dispatches by kind", () => {
    const g = Keypair.random().publicKey();
    expect(checkDestination("STELLAR_ADDRESS", g.toLowerCase())).toEqual({ ok: true, value: g });
    expect(checkDestination("STELLAR_ADDRESS", "GNOPE").ok).toBe(false);
    expect(checkDestination("IBAN", "NL91 ABNA 0417 1643 00")).toEqual({ ok: true, value: "NL91ABNA0417164300" });
    expect(checkDestination("BANK_ACCOUNT", "12 34 56")).toEqual({ ok: true, value: "123456" });
    expect(checkDestination("MSISDN", "+254712345678").ok).toBe(true);
    expect(checkDestination("EMAIL", "x@y.org").ok).toBe(true);
  });

  it("region: trimmed text up to 64 characters, empty is none", () => {
    expect(checkRegion(" North  Rift ")).toEqual({ ok: true, value: "North Rift" });
    expect(checkRegion("")).toEqual({ ok: true, value: null });
    expect(checkRegion(undefined)).toEqual({ ok: true, value: null });
    expect(checkRegion(7)).toEqual({ ok: true, value: "7" });
    expect(checkRegion({ a: 1 }, "meta.region")).toEqual({ ok: false, message: "meta.region must be text" });
    expect(checkRegion("r".repeat(65)).ok).toBe(false);
  });
});

describe("G2P Connect payee_fa", () => {
  it("keeps the existing forms", () => {
    const g = Keypair.random().publicKey();
    expect(parsePayeeFa(`stellar:${g}@wallet`)).toEqual({ ok: true, payee: { kind: "stellar", address: g } });
    expect(parsePayeeFa("mobile:+254712345678@mpesa")).toEqual({ ok: true, payee: { kind: "phone", phone: "+254712345678" } });
    expect(parsePayeeFa("email:Ana@Example.com@gmail")).toEqual({ ok: true, payee: { kind: "email", email: "ana@example.com" } });
    expect(parsePayeeFa("token:123")).toMatchObject({ ok: false, message: expect.stringContaining("account:<number>@<bank code> or iban:<IBAN>") });
  });

  it("reads account:<number>@<bank code> and iban:<IBAN>[@BIC]", () => {
    expect(parsePayeeFa("account:0123-456789@kcb01")).toEqual({
      ok: true,
      payee: { kind: "bank", destination: { kind: "BANK_ACCOUNT", value: "0123456789", details: { bankCode: "KCB01" } } },
    });
    expect(parsePayeeFa("IBAN:de89 3704 0044 0532 0130 00")).toEqual({
      ok: true,
      payee: { kind: "bank", destination: { kind: "IBAN", value: "DE89370400440532013000", details: {} } },
    });
    expect(parsePayeeFa("iban:DE89370400440532013000@DEUTDEFF")).toEqual({
      ok: true,
      payee: { kind: "bank", destination: { kind: "IBAN", value: "DE89370400440532013000", details: { bic: "DEUTDEFF" } } },
    });
  });

  it("refuses bad bank payees with the reason", () => {
    expect(parsePayeeFa("iban:DE89370400440532013001")).toEqual({ ok: false, message: "payee_fa: IBAN checksum fails (a character is mistyped)" });
    expect(parsePayeeFa("account:0123456789")).toMatchObject({ ok: false, message: expect.stringContaining("needs the bank code") });
    expect(parsePayeeFa("account:12@KCB")).toMatchObject({ ok: false, message: expect.stringContaining("account number") });
    expect(parsePayeeFa("iban:DE89370400440532013000@NOTABIC")).toMatchObject({ ok: false, message: expect.stringContaining("BIC") });
  });

  it("msisdn:+…@mojaloop is a phone paid through a Mojaloop switch; a bare msisdn: stays an invitation-flow phone", () => {
    const direct = { ok: true, payee: { kind: "msisdn", destination: { kind: "MSISDN", value: "+254712345678" } } };
    expect(parsePayeeFa("msisdn:+254712345678@mojaloop")).toEqual(direct);
    expect(parsePayeeFa("MSISDN:+254 712-345678@Mojaloop")).toEqual(direct);
    expect(parsePayeeFa("mobile:+254712345678@mojaloop")).toEqual(direct);
    expect(parsePayeeFa("msisdn:+254712345678")).toEqual({ ok: true, payee: { kind: "phone", phone: "+254712345678" } });
    expect(parsePayeeFa("msisdn:+254712345678@mpesa")).toEqual({ ok: true, payee: { kind: "phone", phone: "+254712345678" } });
    expect(parsePayeeFa("msisdn:254712345678@mojaloop")).toMatchObject({ ok: false, message: expect.stringContaining("international format") });
    expect(parsePayeeFa("token:1")).toMatchObject({ ok: false, message: expect.stringContaining("msisdn:+<country code><number>@mojaloop") });
    const parsed = parsePayeeFa("msisdn:+254712345678@MOJALOOP");
    expect(parsed.ok && formatPayeeFa(parsed.payee)).toBe("msisdn:+254712345678@mojaloop");
  });

  it("formats back to the canonical form", () => {
    const bank = parsePayeeFa("account:0123456789@kcb01");
    const iban = parsePayeeFa("iban:de89 3704 0044 0532 0130 00");
    expect(bank.ok && formatPayeeFa(bank.payee)).toBe("account:0123456789@KCB01");
    expect(iban.ok && formatPayeeFa(iban.payee)).toBe("iban:DE89370400440532013000");
  });
});
