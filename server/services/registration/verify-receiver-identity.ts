import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { organizations, receiverVerifications } from "@/db/schema";
import { t } from "@/server/domain/registration-strings";
import { verificationValueMatches } from "../receivers/verification-hash";
import { badRequest, ServiceError } from "../errors";
import { loadRegistration, VERIFICATION_MAX_ATTEMPTS } from "./load-registration";

/**
 * Compare the receiver's verification value (date of birth, year-month, PIN or national ID) with
 * the stored keyed hash. Needs a confirmed OTP. Five wrong values lock verification (failed_at)
 * with a clear message; success sets confirmed_at. Failed attempts are committed before the error.
 */
export async function verifyReceiverIdentity(db: DbOrTx, input: { token: string; value: string }, now = new Date()) {
  const value = String(input.value ?? "").trim();
  const outcome = await db.transaction(async (tx) => {
    const { wallet, receiver, verificationField } = await loadRegistration(tx, input.token, { forUpdate: true, now });
    if (!wallet.otpConfirmedAt) return { ok: false as const, error: new ServiceError("BAD_REQUEST", t("otp.confirmFirst"), undefined, "INVALID_STATE") };
    if (!verificationField) return { ok: true as const };
    const [org] = await tx.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, wallet.orgId));
    const locked = () => new ServiceError("TOO_MANY_REQUESTS", t("verify.locked", { org: org?.name ?? "the organization" }));
    const [v] = await tx
      .select()
      .from(receiverVerifications)
      .where(and(eq(receiverVerifications.receiverId, receiver.id), eq(receiverVerifications.verificationField, verificationField)))
      .for("update");
    if (!v) return { ok: false as const, error: locked() };
    if (v.confirmedAt) return { ok: true as const };
    if (v.failedAt || v.attempts >= VERIFICATION_MAX_ATTEMPTS) return { ok: false as const, error: locked() };
    if (!value) {
      const message = t("verify.required", { field: t(`verify.${verificationField}`).toLowerCase() });
      return { ok: false as const, error: badRequest(message, { value: message }) };
    }
    const where = and(eq(receiverVerifications.receiverId, receiver.id), eq(receiverVerifications.verificationField, verificationField));
    if (!verificationValueMatches(verificationField, value, v.hashedValue)) {
      const attempts = v.attempts + 1;
      const lockedNow = attempts >= VERIFICATION_MAX_ATTEMPTS;
      await tx
        .update(receiverVerifications)
        .set({ attempts, failedAt: lockedNow ? now : null, updatedAt: now })
        .where(where);
      const message = t("verify.wrong", { remaining: VERIFICATION_MAX_ATTEMPTS - attempts });
      return { ok: false as const, error: lockedNow ? locked() : badRequest(message, { value: message }) };
    }
    await tx.update(receiverVerifications).set({ confirmedAt: now, updatedAt: now }).where(where);
    return { ok: true as const };
  });
  if (!outcome.ok) throw outcome.error;
  return { verified: true as const };
}
