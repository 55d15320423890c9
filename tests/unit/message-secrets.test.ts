import { describe, expect, it } from "vitest";
import { redactMessageSecrets, transportKeepsSecrets } from "@/server/domain/message-secrets";
import { currentOtpDay, OTP_CAP_WINDOW_MS } from "@/server/domain/otp-caps";

describe("redactMessageSecrets (docs/security.md, receivers' secrets)", () => {
  const token = "0b6f3c2e-8d1a-4c55-9a0e-3f1e2d4c5b6a.AbC_d-EfGh12.1790000000.s1g-N4tuRe_xYz";

  it("masks the code of a one-time code message, nothing else of it", () => {
    expect(redactMessageSecrets("RECEIVER_OTP", "042917 is your Relief Agency verification code. It expires in 5 minutes.")).toBe(
      "•••••• is your Relief Agency verification code. It expires in 5 minutes.",
    );
    // Longer or shorter digit runs are not codes.
    expect(redactMessageSecrets("RECEIVER_OTP", "Ref 1234567 and 12345")).toBe("Ref 1234567 and 12345");
  });

  it("masks registration link tokens (plain or URL-encoded) and set-password tokens in any message", () => {
    expect(redactMessageSecrets("RECEIVER_INVITATION", `Click https://pay.example.org/r/${token} to register.`)).toBe(
      "Click https://pay.example.org/r/[redacted] to register.",
    );
    expect(redactMessageSecrets("RECEIVER_INVITATION", `Open https://pay.example.org/r/${encodeURIComponent(token)}`)).toBe("Open https://pay.example.org/r/[redacted]");
    expect(redactMessageSecrets("PASSWORD_RESET", "Reset: https://pay.example.org/set-password?token=abc.DEF_123&x=1")).toBe(
      "Reset: https://pay.example.org/set-password?token=[redacted]&x=1",
    );
    // Six digits in an invitation are not a code.
    expect(redactMessageSecrets("RECEIVER_INVITATION", "Order 123456")).toBe("Order 123456");
  });

  it("only the outbox transport keeps secrets in the stored copy", () => {
    expect(transportKeepsSecrets("outbox")).toBe(true);
    for (const name of ["smtp", "sms-http", "outbox+smtp", ""]) expect(transportKeepsSecrets(name)).toBe(false);
  });
});

describe("currentOtpDay", () => {
  const start = new Date("2030-01-01T00:00:00Z");
  it("keeps the counters within 24 h of the day's start and starts over after", () => {
    const state = { otpDayStartedAt: start, otpCodesToday: 3, otpGuessesToday: 7 };
    expect(currentOtpDay(state, new Date(start.getTime() + OTP_CAP_WINDOW_MS - 1))).toEqual({ startedAt: start, codes: 3, guesses: 7 });
    const later = new Date(start.getTime() + OTP_CAP_WINDOW_MS);
    expect(currentOtpDay(state, later)).toEqual({ startedAt: later, codes: 0, guesses: 0 });
    expect(currentOtpDay({ otpDayStartedAt: null, otpCodesToday: 0, otpGuessesToday: 0 }, later)).toEqual({ startedAt: later, codes: 0, guesses: 0 });
  });
});
