import { and, count, eq, gt, isNull, lt, min, or } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { loginAttempts, memberships, users } from "@/db/schema";
import { accountDelaySeconds, DEFAULT_THROTTLE_POLICY, waitInWords, type ThrottlePolicy } from "@/server/domain/sign-in-throttle";
import { ServiceError } from "../errors";
import { verifyAgainstDummy, verifyPassword } from "./password";
import { config } from "@/server/config";

export type { ThrottlePolicy };

export const INVALID_CREDENTIALS = "Wrong email or password.";

export function throttlePolicy(): ThrottlePolicy {
  const c = config();
  return {
    maxFailures: c.LOGIN_MAX_FAILURES,
    windowSeconds: c.LOGIN_WINDOW_SECONDS,
    ipMaxFailures: c.LOGIN_IP_MAX_FAILURES,
    ipWindowSeconds: c.LOGIN_IP_WINDOW_SECONDS,
    accountDelayAfter: c.LOGIN_ACCOUNT_DELAY_AFTER,
    accountWindowSeconds: c.LOGIN_ACCOUNT_WINDOW_SECONDS,
    accountMaxDelaySeconds: c.LOGIN_ACCOUNT_MAX_DELAY_SECONDS,
  };
}

/** A refused attempt (429) and when that address may try again. */
export class SignInThrottled extends ServiceError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super("TOO_MANY_REQUESTS", message);
  }
}

/** Clock and sleep, replaceable so tests can run an hour of attempts in virtual time. */
export type ThrottleClock = { now: () => Date; sleep: (ms: number) => Promise<void> };
const REAL_CLOCK: ThrottleClock = { now: () => new Date(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/**
 * Check an email and password, throttled as server/domain/sign-in-throttle.ts describes. Every
 * attempt is first stored as a failure and counted against the attempts stored before it, so
 * parallel requests cannot slip past the limits; a refused (429) attempt is removed again, a
 * right password turns it into a success. Counts live in the database, so the limits hold across
 * every web process. Returns the user id on success.
 */
export async function verifyCredentials(
  db: DbOrTx,
  input: { email: string; password: string; ip: string },
  policyOverrides: Partial<ThrottlePolicy> = {},
  clock: ThrottleClock = REAL_CLOCK,
): Promise<string> {
  const policy: ThrottlePolicy = { ...DEFAULT_THROTTLE_POLICY, ...throttlePolicy(), ...policyOverrides };
  const email = input.email.trim().toLowerCase();
  const ip = input.ip || "unknown";
  const now = clock.now();
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

  const [attempt] = await db.insert(loginAttempts).values({ email, ip, kind: "password", succeeded: false, createdAt: now }).returning({ id: loginAttempts.id });
  const earlierFailures = and(eq(loginAttempts.kind, "password"), eq(loginAttempts.succeeded, false), lt(loginAttempts.id, attempt!.id));
  const failuresSince = async (where: ReturnType<typeof and>, since: Date) => {
    const [row] = await db
      .select({ n: count(), oldest: min(loginAttempts.createdAt) })
      .from(loginAttempts)
      .where(and(earlierFailures, where, gt(loginAttempts.createdAt, since)));
    return { n: row?.n ?? 0, oldest: row?.oldest ?? now };
  };
  const refuse = async (message: string, oldest: Date, windowSeconds: number): Promise<never> => {
    await db.delete(loginAttempts).where(eq(loginAttempts.id, attempt!.id));
    const retryAfter = Math.max(1, Math.ceil((oldest.getTime() + windowSeconds * 1000 - now.getTime()) / 1000));
    throw new SignInThrottled(message.replace("{wait}", waitInWords(retryAfter)), retryAfter);
  };

  // This address, this email: the owner elsewhere is unaffected.
  const pair = await failuresSince(and(eq(loginAttempts.email, email), eq(loginAttempts.ip, ip)), ago(policy.windowSeconds));
  if (pair.n >= policy.maxFailures) {
    await refuse("Too many failed sign-in attempts. Wait {wait} and try again.", pair.oldest, policy.windowSeconds);
  }
  // This address, any email (credential stuffing).
  const address = await failuresSince(eq(loginAttempts.ip, ip), ago(policy.ipWindowSeconds));
  if (address.n >= policy.ipMaxFailures) {
    await refuse("Too many failed sign-in attempts from your network address. Wait {wait} and try again.", address.oldest, policy.ipWindowSeconds);
  }
  // This account, every address: slowed down, never refused.
  const account = await failuresSince(eq(loginAttempts.email, email), ago(policy.accountWindowSeconds));
  const delay = accountDelaySeconds(account.n, policy);
  if (delay > 0) await clock.sleep(delay * 1000);

  const user = await db.query.users.findFirst({ where: eq(users.email, email) });
  const ok = user?.passwordHash ? await verifyPassword(input.password, user.passwordHash) : await verifyAgainstDummy(input.password);

  if (ok) await db.update(loginAttempts).set({ succeeded: true }).where(eq(loginAttempts.id, attempt!.id));
  if (!ok || !user) throw new ServiceError("UNAUTHORIZED", INVALID_CREDENTIALS, undefined, "INVALID_CREDENTIALS");

  // An account whose only memberships are pending invitations signs in too: it lands on
  // /invitations to accept them (memberships by consent, docs/security.md).
  const active = await db.query.memberships.findFirst({
    where: and(eq(memberships.userId, user.id), or(isNull(memberships.acceptedAt), eq(memberships.isActive, true))),
  });
  if (!active) {
    throw new ServiceError("FORBIDDEN", "This account is deactivated. Ask your organization's owner to reactivate it.", undefined, "ACCOUNT_DEACTIVATED");
  }
  return user.id;
}
