import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, gt, isNotNull, isNull, lt, or, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { loginAttempts, memberships, mfaRecoveryCodes, users, type User } from "@/db/schema";
import { matchTotp, parseSecondFactorCode, recoveryCodeFromBytes } from "./totp";
import { recordAuditEvent } from "../../audit/record-audit-event";
import { decryptSecret } from "../../crypto/secret-box";
import { ServiceError } from "../../errors";
import { config } from "@/server/config";

/** secret-box purpose for TOTP secrets: a subkey of ENCRYPTION_KEY used for nothing else. */
export const MFA_SECRET_PURPOSE = "mfa-totp";
export const RECOVERY_CODE_COUNT = 10;

export type MfaThrottlePolicy = { maxFailures: number; windowSeconds: number };

/** Wrong second-factor codes allowed per account within the window (docs/security.md). */
export function mfaThrottlePolicy(): MfaThrottlePolicy {
  return {
    maxFailures: config().MFA_MAX_FAILURES,
    windowSeconds: config().MFA_WINDOW_SECONDS,
  };
}

export const hashRecoveryCode = (code: string) => createHash("sha256").update(code, "utf8").digest("hex");

/** Ten fresh recovery codes: the plain codes (shown once) and the rows to store (hashes only). */
export function newRecoveryCodes(userId: string) {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => recoveryCodeFromBytes(randomBytes(16)));
  const rows = codes.map((code) => ({ userId, codeHash: hashRecoveryCode(code.replace("-", "")) }));
  return { codes, rows };
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: ServiceError };

/**
 * Run a second-factor check holding a per-user advisory lock in a transaction, so concurrent
 * guesses are counted one after another and a code or recovery code is consumed at most once.
 * `fn` reports failures as values: the failed attempt row must commit before the error is thrown.
 */
export async function withMfaLock<T>(db: DbOrTx, userId: string, fn: (tx: DbOrTx, user: User) => Promise<Outcome<T>>): Promise<T> {
  const outcome = await db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`mfa:${userId}`}, 0))`);
    const user = await tx.query.users.findFirst({ where: eq(users.id, userId) });
    if (!user) return { ok: false as const, error: new ServiceError("NOT_FOUND", "The account was not found.") };
    return fn(tx, user);
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.value;
}

/** Refuses when the account has had too many wrong codes within the window; says how long to wait. */
export async function throttleError(tx: DbOrTx, email: string, policy: MfaThrottlePolicy = mfaThrottlePolicy()): Promise<ServiceError | null> {
  const since = new Date(Date.now() - policy.windowSeconds * 1000);
  const failures = await tx
    .select({ at: loginAttempts.createdAt })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.email, email), eq(loginAttempts.kind, "mfa"), eq(loginAttempts.succeeded, false), gt(loginAttempts.createdAt, since)))
    .orderBy(desc(loginAttempts.createdAt))
    .limit(policy.maxFailures);
  if (failures.length < policy.maxFailures) return null;
  // Allowed again once the oldest of the last `maxFailures` failures leaves the window.
  const oldest = failures[failures.length - 1]!.at.getTime();
  const seconds = Math.max(1, Math.ceil((oldest + policy.windowSeconds * 1000 - Date.now()) / 1000));
  const wait = seconds >= 60 ? `${Math.ceil(seconds / 60)} minute${Math.ceil(seconds / 60) === 1 ? "" : "s"}` : `${seconds} seconds`;
  return new ServiceError(
    "TOO_MANY_REQUESTS",
    `Too many wrong two-factor codes (${policy.maxFailures} in ${Math.round(policy.windowSeconds / 60)} minutes). Wait ${wait} and try again.`,
  );
}

export async function recordMfaAttempt(tx: DbOrTx, email: string, ip: string, succeeded: boolean) {
  await tx.insert(loginAttempts).values({ email, ip: ip || "unknown", kind: "mfa", succeeded });
}

export const WRONG_CODE = "That code is not valid. Enter the current 6-digit code from your authenticator app, or a recovery code.";
export const REPLAYED_CODE = "That code was already used. Wait for the next code from your authenticator app.";
export const USED_RECOVERY_CODE = "That recovery code is not valid or was already used.";

/**
 * Check a TOTP code against `secretBase32`, or a recovery code of the user. A TOTP step at or
 * before the last accepted one is refused (replay); a recovery code is marked used by the same
 * statement that finds it. Returns how the user proved the factor, or the message to show.
 */
export async function checkSecondFactor(
  tx: DbOrTx,
  userId: string,
  secretBase32: string,
  input: string,
  options: { allowRecovery: boolean } = { allowRecovery: true },
): Promise<{ ok: true; method: "totp" | "recovery"; step?: number } | { ok: false; message: string }> {
  const parsed = parseSecondFactorCode(input);
  if (!parsed || (parsed.kind === "recovery" && !options.allowRecovery)) return { ok: false, message: WRONG_CODE };
  if (parsed.kind === "totp") {
    const step = matchTotp(secretBase32, parsed.code);
    if (step === null) return { ok: false, message: WRONG_CODE };
    const claimed = await tx
      .update(users)
      .set({ mfaLastUsedStep: step })
      .where(and(eq(users.id, userId), or(isNull(users.mfaLastUsedStep), lt(users.mfaLastUsedStep, step))))
      .returning({ id: users.id });
    if (claimed.length === 0) return { ok: false, message: REPLAYED_CODE };
    return { ok: true, method: "totp", step };
  }
  const used = await tx
    .update(mfaRecoveryCodes)
    .set({ usedAt: new Date() })
    .where(and(eq(mfaRecoveryCodes.userId, userId), eq(mfaRecoveryCodes.codeHash, hashRecoveryCode(parsed.code)), isNull(mfaRecoveryCodes.usedAt)))
    .returning({ id: mfaRecoveryCodes.id });
  if (used.length === 0) return { ok: false, message: USED_RECOVERY_CODE };
  return { ok: true, method: "recovery" };
}

/** The user's enabled TOTP secret in base32, or null when MFA is off. */
export function enabledSecret(user: User): string | null {
  if (!user.mfaEnabledAt || !user.mfaSecretEncrypted) return null;
  return decryptSecret(user.mfaSecretEncrypted, MFA_SECRET_PURPOSE);
}

/**
 * MFA changes belong to the account, not to one organization: an audit row goes to every
 * organization where the account holds an accepted membership, so each owner sees it.
 */
export async function recordMfaAudit(tx: DbOrTx, userId: string, action: string, details: Record<string, unknown> = {}) {
  const orgs = await tx
    .select({ orgId: memberships.orgId })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), isNotNull(memberships.acceptedAt)));
  for (const { orgId } of orgs) {
    await recordAuditEvent(tx, { orgId, actorUserId: userId, action, targetId: userId, details });
  }
}
