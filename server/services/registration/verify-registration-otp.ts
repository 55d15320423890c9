import { timingSafeEqual } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { receiverWallets } from "@/db/schema";
import { t } from "@/server/domain/registration-strings";
import { badRequest, ServiceError } from "../errors";
import { loadRegistration, OTP_MAX_ATTEMPTS } from "./load-registration";
import { hashOtp } from "./send-registration-otp";

/**
 * Check the one-time code: at most 5 attempts per code (then even the right code fails until a new
 * code is sent), expired codes fail, comparison is constant-time. Success sets otp_confirmed_at.
 * Failed attempts are committed before the error is raised.
 */
export async function verifyRegistrationOtp(db: DbOrTx, input: { token: string; code: string }, now = new Date()) {
  const code = String(input.code ?? "").trim();
  if (!/^\d{6}$/.test(code)) throw badRequest(t("otp.format"), { code: t("otp.format") });
  const outcome = await db.transaction(async (tx) => {
    const { wallet } = await loadRegistration(tx, input.token, { forUpdate: true, now });
    if (wallet.otpConfirmedAt) return { ok: true as const };
    if (!wallet.otpHash || !wallet.otpExpiresAt) return { ok: false as const, error: new ServiceError("BAD_REQUEST", t("otp.none")) };
    if (wallet.otpAttempts >= OTP_MAX_ATTEMPTS) return { ok: false as const, error: new ServiceError("TOO_MANY_REQUESTS", t("otp.locked")) };
    if (wallet.otpExpiresAt <= now) return { ok: false as const, error: new ServiceError("BAD_REQUEST", t("otp.expired")) };
    const expected = Buffer.from(wallet.otpHash, "hex");
    const given = Buffer.from(hashOtp(wallet.id, code), "hex");
    const matches = expected.length === given.length && timingSafeEqual(expected, given);
    if (!matches) {
      const attempts = wallet.otpAttempts + 1;
      await tx.update(receiverWallets).set({ otpAttempts: attempts, updatedAt: now }).where(eq(receiverWallets.id, wallet.id));
      const remaining = OTP_MAX_ATTEMPTS - attempts;
      return {
        ok: false as const,
        error: remaining > 0 ? new ServiceError("BAD_REQUEST", t("otp.wrong", { remaining }), { code: t("otp.wrong", { remaining }) }) : new ServiceError("TOO_MANY_REQUESTS", t("otp.locked")),
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
