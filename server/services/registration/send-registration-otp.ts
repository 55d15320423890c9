import { randomInt } from "node:crypto";
import { eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { organizations, receiverWallets } from "@/db/schema";
import { currentOtpDay, OTP_DAILY_MAX_CODES } from "@/server/domain/otp-caps";
import { t } from "@/server/domain/registration-strings";
import { logger } from "@/server/log";
import { keyedHash } from "../crypto/keys";
import { ServiceError } from "../errors";
import { sendMessage } from "../messaging/send-message";
import { loadRegistration, maskContact, OTP_RESEND_MS, OTP_TTL_MS } from "./load-registration";

export const hashOtp = (receiverWalletId: string, code: string) => keyedHash("registration-otp", `${receiverWalletId}:${code}`);

/**
 * Send a fresh 6-digit one-time code to the wallet's contact (EMAIL → email, PHONE_NUMBER → SMS).
 * The code is crypto-random, stored only as a keyed hash, valid for 5 minutes, and resets the
 * per-code attempt counter; a new code may be asked for at most once every 30 seconds, and at most
 * OTP_DAILY_MAX_CODES times a day (server/domain/otp-caps.ts): asking for one more locks the
 * registration until staff unlock it. The lock is committed before the error is raised.
 */
export async function sendRegistrationOtp(db: DbOrTx, token: string, now = new Date()) {
  const outcome = await db.transaction(async (tx) => {
    const { wallet, receiver, contactType } = await loadRegistration(tx, token, { forUpdate: true, now });
    const [org] = await tx.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, wallet.orgId));
    const orgName = org?.name ?? "";
    const locked = () => new ServiceError("TOO_MANY_REQUESTS", t("otp.lockedDaily", { org: orgName || "the organization" }));
    if (wallet.otpLockedAt) return { ok: false as const, error: locked() };
    if (wallet.otpExpiresAt) {
      const sentAt = wallet.otpExpiresAt.getTime() - OTP_TTL_MS;
      const wait = sentAt + OTP_RESEND_MS - now.getTime();
      if (wait > 0) throw new ServiceError("TOO_MANY_REQUESTS", t("otp.tooSoon", { seconds: Math.ceil(wait / 1000) }));
    }
    const day = currentOtpDay(wallet, now);
    if (day.codes >= OTP_DAILY_MAX_CODES) {
      await tx
        .update(receiverWallets)
        .set({
          otpLockedAt: now,
          otpHash: null,
          otpExpiresAt: null,
          otpConfirmedAt: null,
          otpDayStartedAt: day.startedAt,
          otpCodesToday: day.codes,
          otpGuessesToday: day.guesses,
          updatedAt: now,
        })
        .where(eq(receiverWallets.id, wallet.id));
      logger.warn({ event: "registration.otp_locked", receiverWalletId: wallet.id, reason: "codes" }, "registration locked: daily code cap reached");
      return { ok: false as const, error: locked() };
    }
    const destination = contactType === "PHONE_NUMBER" ? receiver.phoneNumber : receiver.email;
    if (!destination) throw new ServiceError("UNPROCESSABLE", t("otp.sendFailed"), undefined, "DELIVERY_FAILED");
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    await tx
      .update(receiverWallets)
      .set({
        otpHash: hashOtp(wallet.id, code),
        otpExpiresAt: new Date(now.getTime() + OTP_TTL_MS),
        otpAttempts: 0,
        otpConfirmedAt: null,
        otpDayStartedAt: day.startedAt,
        otpCodesToday: day.codes + 1,
        otpGuessesToday: day.guesses,
        updatedAt: now,
      })
      .where(eq(receiverWallets.id, wallet.id));
    return { ok: true as const, prepared: { wallet, receiver, contactType, destination, code, orgName } };
  });
  if (!outcome.ok) throw outcome.error;
  const { prepared } = outcome;
  const body = `${prepared.code} is your ${prepared.orgName} verification code. It expires in 5 minutes. Do not share it.`;
  const result = await sendMessage(db, {
    orgId: prepared.wallet.orgId,
    receiverId: prepared.receiver.id,
    receiverWalletId: prepared.wallet.id,
    type: "RECEIVER_OTP",
    channel: prepared.contactType === "PHONE_NUMBER" ? "SMS" : "EMAIL",
    destination: prepared.destination,
    subject: prepared.contactType === "EMAIL" ? `Your ${prepared.orgName} verification code` : null,
    body,
  });
  if (result.status !== "SUCCESS") {
    // A code that never left does not count against the receiver's daily cap.
    await db
      .update(receiverWallets)
      .set({ otpCodesToday: sql`greatest(${receiverWallets.otpCodesToday} - 1, 0)`, updatedAt: new Date() })
      .where(eq(receiverWallets.id, prepared.wallet.id));
    throw new ServiceError("UNPROCESSABLE", t("otp.sendFailed"), undefined, "DELIVERY_FAILED");
  }
  return { sent: true as const, contactHint: maskContact(prepared.contactType, prepared.destination), expiresInSeconds: OTP_TTL_MS / 1000 };
}
