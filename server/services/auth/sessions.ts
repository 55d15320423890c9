import { and, desc, eq, gt, isNull, ne } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { userSessions } from "@/db/schema";

/** How long a signed-in browser stays signed in (the session cookie's lifetime too). */
export const SESSION_MAX_AGE_SECONDS = 12 * 60 * 60;

/**
 * Server-side sessions (docs/security.md): the session cookie carries the id of a row here, and a
 * request counts as signed in only while that row is neither revoked nor expired.
 */
export async function createUserSession(db: DbOrTx, input: { userId: string; userAgent?: string | null; ip?: string | null }, now = new Date()): Promise<string> {
  const [row] = await db
    .insert(userSessions)
    .values({
      userId: input.userId,
      userAgent: input.userAgent?.slice(0, 300) ?? null,
      ip: input.ip?.slice(0, 100) ?? null,
      expiresAt: new Date(now.getTime() + SESSION_MAX_AGE_SECONDS * 1000),
    })
    .returning({ id: userSessions.id });
  if (!row) throw new Error("session insert returned nothing");
  return row.id;
}

/** Whether the session exists for this user and is neither revoked nor expired. */
export async function isSessionLive(db: DbOrTx, sessionId: string, userId: string, now = new Date()): Promise<boolean> {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) return false;
  const [row] = await db
    .select({ id: userSessions.id })
    .from(userSessions)
    .where(and(eq(userSessions.id, sessionId), eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)));
  return !!row;
}

/** End one session (sign-out). */
export async function revokeSession(db: DbOrTx, sessionId: string, now = new Date()) {
  if (!/^[0-9a-f-]{36}$/i.test(sessionId)) return;
  await db
    .update(userSessions)
    .set({ revokedAt: now })
    .where(and(eq(userSessions.id, sessionId), isNull(userSessions.revokedAt)));
}

/**
 * End every session of a user (sign out everywhere, password change, deactivation, removal),
 * optionally keeping one. Returns how many were ended.
 */
export async function revokeUserSessions(db: DbOrTx, userId: string, options: { exceptSessionId?: string } = {}, now = new Date()): Promise<number> {
  const rows = await db
    .update(userSessions)
    .set({ revokedAt: now })
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), options.exceptSessionId ? ne(userSessions.id, options.exceptSessionId) : undefined))
    .returning({ id: userSessions.id });
  return rows.length;
}

/**
 * The user a decoded session cookie (JWT) stands for, or null when it carries no session id or
 * its session was revoked or has expired: a cookie alone never signs anyone in.
 */
export async function liveSessionUserId(db: DbOrTx, token: { sub?: unknown; sid?: unknown } | null | undefined): Promise<string | null> {
  const userId = typeof token?.sub === "string" ? token.sub : null;
  const sid = typeof token?.sid === "string" ? token.sid : null;
  if (!userId || !sid) return null;
  return (await isSessionLive(db, sid, userId)) ? userId : null;
}

export type ActiveSession = { id: string; createdAt: Date; expiresAt: Date; userAgent: string | null; ip: string | null };

/** The user's sessions that are neither revoked nor expired, newest first. */
export async function listActiveSessions(db: DbOrTx, userId: string, now = new Date()): Promise<ActiveSession[]> {
  return db
    .select({
      id: userSessions.id,
      createdAt: userSessions.createdAt,
      expiresAt: userSessions.expiresAt,
      userAgent: userSessions.userAgent,
      ip: userSessions.ip,
    })
    .from(userSessions)
    .where(and(eq(userSessions.userId, userId), isNull(userSessions.revokedAt), gt(userSessions.expiresAt, now)))
    .orderBy(desc(userSessions.createdAt));
}
