import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/db/client";
import { safeCallbackPath } from "@/lib/safe-callback-url";
import { secureCookies } from "@/server/auth/cookie-security";
import { logger } from "@/server/log";
import { ServiceError } from "@/server/services/errors";
import { verifyCredentials } from "@/server/services/auth/verify-credentials";
import { MFA_REQUIRED, userHasMfa, verifySecondFactor } from "@/server/services/auth/mfa/verify-second-factor";
import { createUserSession, liveSessionUserId, revokeSession, SESSION_MAX_AGE_SECONDS } from "@/server/services/auth/sessions";
import { config } from "@/server/config";

/**
 * The client address for throttling and the sessions list. The web server (server/http/web-server.ts)
 * replaces X-Forwarded-For with the one address computed from the socket and TRUSTED_PROXY_HOPS
 * before the app sees the request, so the header is not the client's to choose.
 */
function clientIp(headers: Record<string, string | string[] | undefined> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  return (Array.isArray(forwarded) ? forwarded.join(",") : forwarded)?.split(",").at(-1)?.trim() || "unknown";
}

function headerText(headers: Record<string, string | string[] | undefined> | undefined, name: string): string | null {
  const value = headers?.[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** What authorize() hands to the jwt callback: the user plus where the sign-in came from. */
type SignedInUser = { id: string; sessionClient?: { userAgent: string | null; ip: string } };

/**
 * Email + password sign-in. The JWT carries only the user id (`sub`); membership and role are
 * re-read from the database on every request.
 */
export const authOptions: NextAuthOptions = {
  secret: config().AUTH_SECRET,
  // The cookie lives as long as the server-side session row (server/services/auth/sessions.ts).
  session: { strategy: "jwt", maxAge: SESSION_MAX_AGE_SECONDS },
  // Secure cookies (and next-auth's __Secure-/__Host- names) whenever APP_URL is https (docs/security.md, "Cookies").
  useSecureCookies: secureCookies(),
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: {
        email: { label: "Email", type: "email" },
        password: { label: "Password", type: "password" },
        // The second step (docs/security.md, "MFA"): a TOTP code or a recovery code, sent with email and password again.
        code: { label: "Code", type: "text" },
      },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? "");
        const password = String(credentials?.password ?? "");
        if (!email || !password) throw new Error("Enter your email and password.");
        try {
          const userId = await verifyCredentials(getDb(), { email, password, ip: clientIp(req?.headers) });
          if (await userHasMfa(getDb(), userId)) {
            const code = String(credentials?.code ?? "").trim();
            // A stable marker the login form recognises to show the code step; the password was right.
            if (!code) throw new Error(MFA_REQUIRED);
            await verifySecondFactor(getDb(), { userId, code, ip: clientIp(req?.headers) });
          }
          logger.info({ event: "auth.sign_in", userId }, "signed in");
          const signedIn: SignedInUser = { id: userId, sessionClient: { userAgent: headerText(req?.headers, "user-agent"), ip: clientIp(req?.headers) } };
          return signedIn;
        } catch (error) {
          if (error instanceof ServiceError) {
            logger.warn({ event: "auth.sign_in_failed", reason: error.code }, "sign-in refused");
            // next-auth passes the message of an error thrown here to the client as `error`.
            throw new Error(error.message);
          }
          throw error;
        }
      },
    }),
  ],
  callbacks: {
    // Only same-origin targets after sign-in/sign-out (docs/security.md, "Redirects").
    redirect({ url, baseUrl }) {
      return `${baseUrl.replace(/\/+$/, "")}${safeCallbackPath(url, baseUrl)}`;
    },
    // Sign-in: one user_sessions row per signed-in browser; the cookie carries its id (`sid`),
    // checked on every request (server/auth/session.ts) so revocation takes effect at once.
    async jwt({ token, user }) {
      if (user) {
        const client = (user as SignedInUser).sessionClient;
        const sid = await createUserSession(getDb(), { userId: user.id, userAgent: client?.userAgent, ip: client?.ip });
        return { sub: user.id, sid, iat: token.iat, exp: token.exp, jti: token.jti };
      }
      return token;
    },
    // Also what /api/auth/session answers: nothing for a revoked or expired session.
    async session({ session, token }) {
      const userId = await liveSessionUserId(getDb(), token);
      if (!userId) return {} as typeof session;
      return { expires: session.expires, user: { id: userId } } as typeof session;
    },
  },
  events: {
    // Sign-out ends the server-side session, so a copy of the cookie stops working too.
    async signOut({ token }) {
      const sid = (token as { sid?: unknown } | null)?.sid;
      if (typeof sid === "string") await revokeSession(getDb(), sid);
    },
  },
};
