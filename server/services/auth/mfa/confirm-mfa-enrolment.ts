import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { mfaRecoveryCodes, users } from "@/db/schema";
import { decryptSecret } from "../../crypto/secret-box";
import { ServiceError } from "../../errors";
import { checkSecondFactor, MFA_SECRET_PURPOSE, newRecoveryCodes, recordMfaAttempt, recordMfaAudit, throttleError, withMfaLock } from "./mfa-guard";

/**
 * Finish enrolment with a code from the pending secret: MFA is on from now, and ten recovery codes
 * are returned once (only their SHA-256 is stored). Wrong codes count against the MFA throttle.
 */
export async function confirmMfaEnrolment(db: DbOrTx, input: { userId: string; code: string; ip?: string }) {
  const ip = input.ip ?? "profile";
  return withMfaLock(db, input.userId, async (tx, user) => {
    if (user.mfaEnabledAt) return { ok: false, error: new ServiceError("CONFLICT", "Two-factor authentication is already on.", undefined, "INVALID_STATE") };
    if (!user.mfaPendingSecretEncrypted) {
      return {
        ok: false,
        error: new ServiceError("BAD_REQUEST", "Start the set-up first: no authenticator app is waiting to be confirmed.", undefined, "INVALID_STATE"),
      };
    }
    const throttled = await throttleError(tx, user.email);
    if (throttled) return { ok: false, error: throttled };
    const secret = decryptSecret(user.mfaPendingSecretEncrypted, MFA_SECRET_PURPOSE);
    // Recovery codes do not exist yet; the step of the confirming code counts as used.
    const check = await checkSecondFactor(tx, user.id, secret, input.code, { allowRecovery: false });
    await recordMfaAttempt(tx, user.email, ip, check.ok);
    if (!check.ok) {
      return {
        ok: false,
        error: new ServiceError(
          "BAD_REQUEST",
          "That code does not match. Enter the 6-digit code your app shows now.",
          { code: "That code does not match." },
          "INVALID_CODE",
        ),
      };
    }
    await tx
      .update(users)
      .set({ mfaSecretEncrypted: user.mfaPendingSecretEncrypted, mfaPendingSecretEncrypted: null, mfaEnabledAt: new Date(), updatedAt: new Date() })
      .where(eq(users.id, user.id));
    await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
    const { codes, rows } = newRecoveryCodes(user.id);
    await tx.insert(mfaRecoveryCodes).values(rows);
    await recordMfaAudit(tx, user.id, "user.mfa_enabled", { method: "totp" });
    return { ok: true, value: { recoveryCodes: codes } };
  });
}
