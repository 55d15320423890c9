import { and, count, eq, gt } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { loginAttempts, memberships, users } from "@/db/schema";
import { ServiceError } from "../errors";
import { verifyAgainstDummy, verifyPassword } from "./password";

export type ThrottlePolicy = { maxFailures: number; windowSeconds: number };

export const INVALID_CREDENTIALS = "Wrong email or password.";

export function throttlePolicy(): ThrottlePolicy {
  return {
    maxFailures: Number(process.env.LOGIN_MAX_FAILURES) || 5,
    windowSeconds: Number(process.env.LOGIN_WINDOW_SECONDS) || 60,
  };
}

/**
 * Check an email and password. Failures are counted per (email, client address) in the database,
 * so the limit holds across every web process; past it the caller is told when to try again.
 * Returns the user id on success.
 */
export async function verifyCredentials(
  db: DbOrTx,
  input: { email: string; password: string; ip: string },
  policy: ThrottlePolicy = throttlePolicy(),
): Promise<string> {
  const email = input.email.trim().toLowerCase();
  const ip = input.ip || "unknown";
  const since = new Date(Date.now() - policy.windowSeconds * 1000);

  const [recent] = await db
    .select({ n: count() })
    .from(loginAttempts)
    .where(
      and(
        eq(loginAttempts.email, email),
        eq(loginAttempts.ip, ip),
        eq(loginAttempts.succeeded, false),
        gt(loginAttempts.createdAt, since),
      ),
    );
  // Also a wider limit per email alone, so rotating addresses does not buy unlimited guesses.
  const [perEmail] = await db
    .select({ n: count() })
    .from(loginAttempts)
    .where(and(eq(loginAttempts.email, email), eq(loginAttempts.succeeded, false), gt(loginAttempts.createdAt, since)));
  if ((recent?.n ?? 0) >= policy.maxFailures || (perEmail?.n ?? 0) >= policy.maxFailures * 4) {
    throw new ServiceError(
      "TOO_MANY_REQUESTS",
      `Too many failed sign-in attempts. Wait ${policy.windowSeconds} seconds and try again.`,
    );
  }

  const user = await db.query.users.findFirst({ where: eq(users.email, email) });
  const ok = user?.passwordHash
    ? await verifyPassword(input.password, user.passwordHash)
    : await verifyAgainstDummy(input.password);

  await db.insert(loginAttempts).values({ email, ip, succeeded: ok });
  if (!ok || !user) throw new ServiceError("UNAUTHORIZED", INVALID_CREDENTIALS);

  const active = await db.query.memberships.findFirst({
    where: and(eq(memberships.userId, user.id), eq(memberships.isActive, true)),
  });
  if (!active) {
    throw new ServiceError("FORBIDDEN", "This account is deactivated. Ask your organization's owner to reactivate it.");
  }
  return user.id;
}
