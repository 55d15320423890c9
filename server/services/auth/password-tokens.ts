import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { passwordTokens, users } from "@/db/schema";
import { badRequest } from "../errors";
import { hashPassword, passwordProblem } from "./password";

const LIFETIME_HOURS = { invite: 72, reset: 24 } as const;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/** Create a one-time set-password token; only its hash is stored. Returns the token itself. */
export async function createPasswordToken(db: DbOrTx, userId: string, purpose: "invite" | "reset"): Promise<string> {
  const token = randomBytes(32).toString("base64url");
  // A new link replaces any unused earlier one.
  await db
    .update(passwordTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(passwordTokens.userId, userId), isNull(passwordTokens.usedAt)));
  await db.insert(passwordTokens).values({
    userId,
    tokenHash: sha256(token),
    purpose,
    expiresAt: new Date(Date.now() + LIFETIME_HOURS[purpose] * 3600 * 1000),
  });
  return token;
}

export function setPasswordPath(token: string) {
  return `/set-password?token=${encodeURIComponent(token)}`;
}

const INVALID_LINK = "This link is invalid, expired or already used. Ask your organization's owner for a new one.";

/** Look a token up without using it (the page shows whose password is being set). */
export async function inspectPasswordToken(db: DbOrTx, token: string) {
  const row = await db.query.passwordTokens.findFirst({
    where: and(
      eq(passwordTokens.tokenHash, sha256(token)),
      isNull(passwordTokens.usedAt),
      gt(passwordTokens.expiresAt, new Date()),
    ),
  });
  if (!row) return null;
  const user = await db.query.users.findFirst({ where: eq(users.id, row.userId) });
  return user ? { email: user.email, name: user.name, purpose: row.purpose } : null;
}

/** Set the password with a one-time token; the token is consumed in the same transaction. */
export async function setPasswordWithToken(db: DbOrTx, input: { token: string; password: string }) {
  const problem = passwordProblem(input.password);
  if (problem) throw badRequest(problem, { password: problem });
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [used] = await tx
      .update(passwordTokens)
      .set({ usedAt: new Date() })
      .where(
        and(
          eq(passwordTokens.tokenHash, sha256(input.token)),
          isNull(passwordTokens.usedAt),
          gt(passwordTokens.expiresAt, new Date()),
        ),
      )
      .returning({ userId: passwordTokens.userId });
    if (!used) throw badRequest(INVALID_LINK);
    const [user] = await tx
      .update(users)
      .set({ passwordHash, updatedAt: new Date() })
      .where(eq(users.id, used.userId))
      .returning({ id: users.id, email: users.email });
    if (!user) throw badRequest(INVALID_LINK);
    return user;
  });
}
