import { timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { organizations, receiverWallets } from "@/db/schema";
import { currentOtpDay, OTP_DAILY_MAX_GUESSES } from "@/server/domain/otp-caps";
import { t } from "@/server/domain/registration-strings";
import { logger } from "@/server/log";
import { badRequest, ServiceError } from "../errors";
import { loadRegistration, OTP_MAX_ATTEMPTS } from "./load-registration";
import { hashOtp } from "./send-registration-otp";

/**
 * Check the one-time code: at most 5 attempts per code (then even the right code fails until a new
 * code is sent), expired codes fail, comparison is constant-time. Success sets otp_confirmed_at.
 * Wrong guesses also count against the wallet's daily cap (server/domain/otp-caps.ts): the last
 * allowed one locks the registration (otp_locked_at), and a locked registration refuses every code
 * until staff unlock it. Failed attempts are committed before the error is raised.
 */
export async function verifyRegistrationOtp(db: DbOrTx, input: { token: string; code: string }, now = new Date()) {
  const code = String(input.code ?? "").trim();
  if (!/^\d{6}$/.test(code)) throw badRequest(t("otp.format"), { code: t("otp.format") });
  const outcome = await db.transaction(async (tx) => {
    const { wallet } = await loadRegistration(tx, input.token, { forUpdate: true, now });
    if (wallet.otpConfirmedAt) return { ok: true as const };
    const locked = async () => {
      const [org] = await tx.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, wallet.orgId));
      return new ServiceError("TOO_MANY_REQUESTS", t("otp.lockedDaily", { org: org?.name || "the organization" }));
    };
    if (wallet.otpLockedAt) return { ok: false as const, error: await locked() };
    if (!wallet.otpHash || !wallet.otpExpiresAt) return { ok: false as const, error: new ServiceError("BAD_REQUEST", t("otp.none"), undefined, "INVALID_CODE") };
    if (wallet.otpAttempts >= OTP_MAX_ATTEMPTS) return { ok: false as const, error: new ServiceError("TOO_MANY_REQUESTS", t("otp.locked")) };
    if (wallet.otpExpiresAt <= now) return { ok: false as const, error: new ServiceError("BAD_REQUEST", t("otp.expired"), undefined, "INVALID_CODE") };
    const expected = Buffer.from(wallet.otpHash, "hex");
    const given = Buffer.from(hashOtp(wallet.id, code), "hex");
    const matches = expected.length === given.length && timingSafeEqual(expected, given);
    if (!matches) {
      const attempts = wallet.otpAttempts + 1;
      const day = currentOtpDay(wallet, now);
      const guesses = day.guesses + 1;
      const lockNow = guesses >= OTP_DAILY_MAX_GUESSES;
      await tx
        .update(receiverWallets)
        .set({
          otpAttempts: attempts,
          otpDayStartedAt: day.startedAt,
          otpCodesToday: day.codes,
          otpGuessesToday: guesses,
          ...(lockNow ? { otpLockedAt: now, otpHash: null, otpExpiresAt: null } : {}),
          updatedAt: now,
        })
        .where(eq(receiverWallets.id, wallet.id));
      if (lockNow) {
        logger.warn({ event: "registration.otp_locked", receiverWalletId: wallet.id, reason: "guesses" }, "registration locked: daily guess cap reached");
        return { ok: false as const, error: await locked() };
      }
      // The per-code limit or the day's, whichever comes first.
      const remaining = Math.min(OTP_MAX_ATTEMPTS - attempts, OTP_DAILY_MAX_GUESSES - guesses);
      return {
        ok: false as const,
        error:
          remaining > 0
            ? new ServiceError("BAD_REQUEST", t("otp.wrong", { remaining }), { code: t("otp.wrong", { remaining }) }, "INVALID_CODE")
            : new ServiceError("TOO_MANY_REQUESTS", t("otp.locked")),
      };
    }
    await tx
      .update(receiverWallets)
      .set({ otpConfirmedAt: now, otpHash: null, otpExpiresAt: null, otpAttempts: 0, updatedAt: now })
      .where(eq(receiverWallets.id, wallet.id));
    return { ok: true as const };
  });
  if (!outcome.ok) throw outcome.error;
  return { confirmed: true as const };
}
