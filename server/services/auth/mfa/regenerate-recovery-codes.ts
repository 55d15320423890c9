import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { mfaRecoveryCodes } from "@/db/schema";
import { ServiceError } from "../../errors";
import { checkSecondFactor, enabledSecret, newRecoveryCodes, recordMfaAttempt, recordMfaAudit, throttleError, withMfaLock } from "./mfa-guard";

/**
 * Replace every recovery code (used or not) with ten new ones, shown once. Needs a valid code
 * (TOTP or one of the old recovery codes, which is then used up with the rest).
 */
export async function regenerateRecoveryCodes(db: DbOrTx, input: { userId: string; code: string; ip?: string }) {
  const ip = input.ip ?? "profile";
  return withMfaLock(db, input.userId, async (tx, user) => {
    const secret = enabledSecret(user);
    if (!secret) return { ok: false, error: new ServiceError("CONFLICT", "Turn on two-factor authentication first.", undefined, "INVALID_STATE") };
    const throttled = await throttleError(tx, user.email);
    if (throttled) return { ok: false, error: throttled };
    const check = await checkSecondFactor(tx, user.id, secret, input.code);
    await recordMfaAttempt(tx, user.email, ip, check.ok);
    if (!check.ok) return { ok: false, error: new ServiceError("BAD_REQUEST", check.message, { code: check.message }, "INVALID_CODE") };
    await tx.delete(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, user.id));
    const { codes, rows } = newRecoveryCodes(user.id);
    await tx.insert(mfaRecoveryCodes).values(rows);
    await recordMfaAudit(tx, user.id, "user.mfa_recovery_codes_regenerated", { proof: check.method });
    return { ok: true, value: { recoveryCodes: codes } };
  });
}
