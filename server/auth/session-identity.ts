import { getDb } from "@/db/client";
import { liveSessionUserId } from "@/server/services/auth/sessions";
import { config } from "@/server/config";
import { secureCookies } from "./cookie-security";
import { decodeSessionToken, rawSessionToken } from "./session-token";

export type SessionIdentity = { userId: string; sessionId: string };

/**
 * Who a request's cookies sign it in as: the session cookie (a JWT) must decode with AUTH_SECRET and
 * its server-side session (`sid`) must be neither revoked nor expired (docs/security.md, "Sessions").
 * Only cookies count, never the Authorization header. Shared by getSessionIdentity (server/auth/session.ts,
 * Next.js's `cookies()`) and the tRPC read fast path (server/http/trpc-fast-path.ts, the raw Cookie header),
 * so both decide the same way.
 */
export async function sessionIdentityFromCookies(cookies: Record<string, string>): Promise<SessionIdentity | null> {
  // The cookie name and secret next-auth's options use (server/auth/options.ts: useSecureCookies
  // and secret), read from the same sources without loading next-auth's providers.
  const raw = await rawSessionToken({ cookies, headers: {} } as unknown as Parameters<typeof rawSessionToken>[0], secureCookies());
  // Decoded once per process per cookie (server/auth/session-token.ts); the session row is read every time.
  const token = await decodeSessionToken(raw, config().AUTH_SECRET);
  const userId = await liveSessionUserId(getDb(), token);
  return userId && typeof token?.sid === "string" ? { userId, sessionId: token.sid } : null;
}
