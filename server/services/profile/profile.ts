import { eq } from "drizzle-orm";
import { users } from "@/db/schema";
import { hashPassword, passwordProblem } from "@/server/services/auth/password";
import { listActiveSessions, revokeSession, revokeUserSessions } from "@/server/services/auth/sessions";
import { verifyCredentials } from "@/server/services/auth/verify-credentials";
import { badRequest, notFound, ServiceError } from "@/server/services/errors";
import { auditInEveryOrganization, type UserContext } from "./user-context";

/** The signed-in user's own account, for the Profile page. */
export async function getProfile(ctx: UserContext) {
  const user = await ctx.db.query.users.findFirst({ where: eq(users.id, ctx.actor.userId) });
  if (!user) throw notFound("Your account");
  return { id: user.id, email: user.email, name: user.name, mfaEnabled: user.mfaEnabledAt !== null };
}

/** Rename yourself; audited in each of your organizations with the old and new name. */
export async function updateProfileName(ctx: UserContext, input: { name: string }) {
  const name = input.name.trim();
  if (!name) throw badRequest("Enter your name.", { name: "Enter your name." });
  return ctx.db.transaction(async (tx) => {
    const before = await tx.query.users.findFirst({ where: eq(users.id, ctx.actor.userId) });
    if (!before) throw notFound("Your account");
    if (before.name === name) return { name };
    await tx.update(users).set({ name, updatedAt: new Date() }).where(eq(users.id, ctx.actor.userId));
    await auditInEveryOrganization(tx, ctx.actor.userId, { action: "user.name_changed", details: { from: before.name, to: name } });
    return { name };
  });
}

export const WRONG_CURRENT_PASSWORD = "The current password is not right.";

/**
 * Change your password: the current one is required, the new one follows the password rules, and
 * every session of the account ends (this browser's too), so a stolen cookie stops working and
 * the user signs in again with the new password.
 */
export async function changePassword(ctx: UserContext, input: { currentPassword: string; newPassword: string }) {
  const user = await ctx.db.query.users.findFirst({ where: eq(users.id, ctx.actor.userId) });
  if (!user) throw notFound("Your account");
  // Checked like a sign-in, so a stolen session cannot guess the password at full speed: the
  // sign-in throttle with this account's own pseudo-address (docs/security.md, "Sign-in throttling").
  try {
    await verifyCredentials(ctx.db, { email: user.email, password: input.currentPassword, ip: `profile:${user.id}` });
  } catch (error) {
    if (error instanceof ServiceError && error.code === "UNAUTHORIZED") {
      throw badRequest(WRONG_CURRENT_PASSWORD, { currentPassword: WRONG_CURRENT_PASSWORD }, "INVALID_CREDENTIALS");
    }
    throw error;
  }
  const problem = passwordProblem(input.newPassword);
  if (problem) throw badRequest(problem, { newPassword: problem });
  if (input.newPassword === input.currentPassword) {
    const same = "The new password must differ from the current one.";
    throw badRequest(same, { newPassword: same });
  }
  const passwordHash = await hashPassword(input.newPassword);
  return ctx.db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, ctx.actor.userId));
    const ended = await revokeUserSessions(tx, ctx.actor.userId);
    await auditInEveryOrganization(tx, ctx.actor.userId, { action: "user.password_changed", details: { sessionsEnded: ended } });
    return { sessionsEnded: ended };
  });
}

/** End every session of the account, this one included (the browser then goes to sign-in). */
export async function signOutEverywhere(ctx: UserContext) {
  return ctx.db.transaction(async (tx) => {
    const ended = await revokeUserSessions(tx, ctx.actor.userId);
    await auditInEveryOrganization(tx, ctx.actor.userId, { action: "user.signed_out_everywhere", details: { sessionsEnded: ended } });
    return { sessionsEnded: ended };
  });
}

/** The account's live sessions, newest first, marking the one this request came with. */
export async function listMySessions(ctx: UserContext) {
  const rows = await listActiveSessions(ctx.db, ctx.actor.userId);
  return rows.map((s) => ({ ...s, current: s.id === ctx.sessionId }));
}

/** End one of your own sessions (another browser); someone else's session is "not found". */
export async function endMySession(ctx: UserContext, input: { sessionId: string }) {
  const mine = (await listActiveSessions(ctx.db, ctx.actor.userId)).some((s) => s.id === input.sessionId);
  if (!mine) throw notFound("That session");
  await revokeSession(ctx.db, input.sessionId);
  return { ended: true, current: input.sessionId === ctx.sessionId };
}
