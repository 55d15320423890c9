import { randomInt } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { organizations, receiverWallets } from "@/db/schema";
import { t } from "@/server/domain/registration-strings";
import { keyedHash } from "../crypto/keys";
import { ServiceError } from "../errors";
import { sendMessage } from "../messaging/send-message";
import { loadRegistration, maskContact, OTP_RESEND_MS, OTP_TTL_MS } from "./load-registration";

export const hashOtp = (receiverWalletId: string, code: string) => keyedHash("registration-otp", `${receiverWalletId}:${code}`);

/**
 * Send a fresh 6-digit one-time code to the wallet's contact (EMAIL → email, PHONE_NUMBER → SMS).
 * The code is crypto-random, stored only as a keyed hash, valid for 5 minutes, and resets the
 * attempt counter; a new code may be asked for at most once every 30 seconds.
 */
export async function sendRegistrationOtp(db: DbOrTx, token: string, now = new Date()) {
  const prepared = await db.transaction(async (tx) => {
    const { wallet, receiver, contactType } = await loadRegistration(tx, token, { forUpdate: true, now });
    if (wallet.otpExpiresAt) {
      const sentAt = wallet.otpExpiresAt.getTime() - OTP_TTL_MS;
      const wait = sentAt + OTP_RESEND_MS - now.getTime();
      if (wait > 0) throw new ServiceError("TOO_MANY_REQUESTS", t("otp.tooSoon", { seconds: Math.ceil(wait / 1000) }));
    }
    const destination = contactType === "PHONE_NUMBER" ? receiver.phoneNumber : receiver.email;
    if (!destination) throw new ServiceError("UNPROCESSABLE", t("otp.sendFailed"));
    const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
    await tx
      .update(receiverWallets)
      .set({ otpHash: hashOtp(wallet.id, code), otpExpiresAt: new Date(now.getTime() + OTP_TTL_MS), otpAttempts: 0, otpConfirmedAt: null, updatedAt: now })
      .where(eq(receiverWallets.id, wallet.id));
    const [org] = await tx.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, wallet.orgId));
    return { wallet, receiver, contactType, destination, code, orgName: org?.name ?? "" };
  });
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
  if (result.status !== "SUCCESS") throw new ServiceError("UNPROCESSABLE", t("otp.sendFailed"));
  return { sent: true as const, contactHint: maskContact(prepared.contactType, prepared.destination), expiresInSeconds: OTP_TTL_MS / 1000 };
}
