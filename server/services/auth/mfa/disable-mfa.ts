import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { mfaRecoveryCodes, users } from "@/db/schema";
import { verifyPassword } from "../password";
import { ServiceError } from "../../errors";
import { checkSecondFactor, enabledSecret, recordMfaAttempt, recordMfaAudit, throttleError, withMfaLock } from "./mfa-guard";

/**
 * Turn MFA off: needs the current password AND a valid code (TOTP or a recovery code), so a
 * borrowed session alone cannot remove the second factor. Allowed even when an organization
 * requires MFA: the member is then sent back to enrolment before anything else (docs/security.md).
 * A wrong password counts against the same per-account budget as a wrong code.
 */
export async function disableMfa(db: DbOrTx, input: { userId: string; password: string; code: string; ip?: string }) {
  const ip = input.ip ?? "profile";
  return withMfaLock(db, input.userId, async (tx, user) => {
    const secret = enabledSecret(user);
    if (!secret) return { ok: false, error: new ServiceError("CONFLICT", "Two-factor authentication is already off.", undefined, "INVALID_STATE") };
    const throttled = await throttleError(tx, user.email);
    if (throttled) return { ok: false, error: throttled };
    if (!user.passwordHash || !(await verifyPassword(input.password, user.passwordHash))) {
      await recordMfaAttempt(tx, user.email, ip, false);
      return { ok: false, error: new ServiceError("BAD_REQUEST", "Your current password is not right.", { password: "Wrong password." }, "INVALID_CREDENTIALS") };
    }
    const check = await checkSecondFactor(tx, user.id, secret, input.code);
    await recordMfaAttempt(tx, user.email, ip, check.ok);
    if (!check.ok) return { ok: false, error: new ServiceError("BAD_REQUEST", check.message, { code: check.message }, "INVALID_CODE") };
    await tx
      .update(users)
      .set({ mfaSecretEncrypted: null, mfaPendingSecretEncrypted: null, mfaEnabledAt: null, mfaLastUsedStep: null, updatedAt: new Date() })
      .where(eq(users.id, user.id));
    await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
    await recordMfaAudit(tx, user.id, "user.mfa_disabled", { proof: check.method });
    return { ok: true, value: { disabled: true } };
  });
}
