import { describe, expect, it } from "vitest";
import { matchTotp, newTotpSecretBase32, otpauthUri, parseSecondFactorCode, recoveryCodeFromBytes, totpCode, totpStep } from "@/server/services/auth/mfa/totp";

// RFC 6238 Appendix B: the SHA-1 key is the ASCII string "12345678901234567890". The RFC lists
// 8-digit codes; a 6-digit code is the same truncation modulo 10^6, i.e. the last six digits.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [seconds: number, eightDigits: string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
  [20000000000, "65353130"],
];

describe("TOTP (RFC 6238, SHA-1, 30 s, 6 digits)", () => {
  it.each(RFC_VECTORS)("at T=%i s the code is the last six digits of %s", (seconds, eight) => {
    expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(eight.slice(-6));
  });

  it("accepts the previous, current and next step and reports which step matched", () => {
    const now = 1111111111 * 1000;
    const step = totpStep(now);
    expect(step).toBe(Math.floor(1111111111 / 30));
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now), now)).toBe(step);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 30_000), now)).toBe(step - 1);
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 30_000), now)).toBe(step + 1);
  });

  it("refuses codes two steps away, wrong codes and codes of the wrong shape", () => {
    const now = 1234567890 * 1000;
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now - 60_000), now)).toBeNull();
    expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + 60_000), now)).toBeNull();
    const right = totpCode(RFC_SECRET, now);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, "0");
    expect(matchTotp(RFC_SECRET, wrong, now)).toBeNull();
    expect(matchTotp(RFC_SECRET, "89005924", now)).toBeNull(); // the 8-digit form
    expect(matchTotp(RFC_SECRET, "", now)).toBeNull();
  });

  it("makes 160-bit secrets and an otpauth URI authenticator apps read", () => {
    const secret = newTotpSecretBase32();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(newTotpSecretBase32()).not.toBe(secret);
    const uri = new URL(otpauthUri(secret, "ana@example.org", "Disbursements"));
    expect(uri.protocol).toBe("otpauth:");
    expect(uri.host).toBe("totp");
    expect(decodeURIComponent(uri.pathname)).toBe("/Disbursements:ana@example.org");
    expect(Object.fromEntries(uri.searchParams)).toMatchObject({ secret, issuer: "Disbursements", algorithm: "SHA1", digits: "6", period: "30" });
  });
});

describe("second-factor input", () => {
  it("tells a TOTP code from a recovery code, ignoring spaces, dashes and case", () => {
    expect(parseSecondFactorCode(" 123 456 ")).toEqual({ kind: "totp", code: "123456" });
    expect(parseSecondFactorCode("K7M2P-QX9TA")).toEqual({ kind: "recovery", code: "k7m2pqx9ta" });
    expect(parseSecondFactorCode("12345")).toBeNull();
    expect(parseSecondFactorCode("1234567")).toBeNull();
    // 0, o, 1, l and i are not in the recovery alphabet (look-alikes).
    expect(parseSecondFactorCode("k7m2p-qx9t0")).toBeNull();
  });

  it("formats recovery codes as xxxxx-xxxxx from the look-alike-free alphabet", () => {
    const code = recoveryCodeFromBytes(new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7, 8, 30, 99, 99]));
    expect(code).toBe("abcde-fghj9");
    expect(parseSecondFactorCode(code)?.kind).toBe("recovery");
    expect(() => recoveryCodeFromBytes(new Uint8Array(9))).toThrow();
  });
});
