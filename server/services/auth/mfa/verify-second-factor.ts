import { and, count, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { mfaRecoveryCodes, users } from "@/db/schema";
import { logger } from "@/server/log";
import { ServiceError } from "../../errors";
import { checkSecondFactor, enabledSecret, recordMfaAttempt, recordMfaAudit, throttleError, withMfaLock } from "./mfa-guard";

export { MFA_REQUIRED } from "./mfa-input";

/** Whether signing in as this user needs a second factor. */
export async function userHasMfa(db: DbOrTx, userId: string): Promise<boolean> {
  const user = await db.query.users.findFirst({ where: eq(users.id, userId), columns: { mfaEnabledAt: true, mfaSecretEncrypted: true } });
  return Boolean(user?.mfaEnabledAt && user.mfaSecretEncrypted);
}

/**
 * The second sign-in step: a TOTP code (a step not used before) or an unused recovery code, which
 * is used up. Every attempt is recorded in login_attempts (kind "mfa"); past MFA_MAX_FAILURES
 * wrong codes within MFA_WINDOW_SECONDS the account is refused with the time to wait.
 */
export async function verifySecondFactor(db: DbOrTx, input: { userId: string; code: string; ip: string }) {
  return withMfaLock(db, input.userId, async (tx, user) => {
    const secret = enabledSecret(user);
    if (!secret) return { ok: false, error: new ServiceError("BAD_REQUEST", "Two-factor authentication is not on for this account.", undefined, "INVALID_STATE") };
    const throttled = await throttleError(tx, user.email);
    if (throttled) return { ok: false, error: throttled };
    const check = await checkSecondFactor(tx, user.id, secret, input.code);
    await recordMfaAttempt(tx, user.email, input.ip, check.ok);
    if (!check.ok) return { ok: false, error: new ServiceError("UNAUTHORIZED", check.message, undefined, "INVALID_CODE") };
    let recoveryCodesLeft: number | null = null;
    if (check.method === "recovery") {
      const [left] = await tx
        .select({ n: count() })
        .from(mfaRecoveryCodes)
        .where(and(eq(mfaRecoveryCodes.userId, user.id), isNull(mfaRecoveryCodes.usedAt)));
      recoveryCodesLeft = left?.n ?? 0;
      await recordMfaAudit(tx, user.id, "user.mfa_recovery_code_used", { recoveryCodesLeft });
      logger.info({ event: "auth.mfa_recovery_code_used", userId: user.id, recoveryCodesLeft }, "recovery code used");
    }
    return { ok: true, value: { method: check.method, recoveryCodesLeft } };
  });
}
