import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/db/client";
import { logger } from "@/server/log";
import { ServiceError } from "@/server/services/errors";
import { verifyCredentials } from "@/server/services/auth/verify-credentials";

/**
 * The client address for throttling: the right-most X-Forwarded-For entry, the one added by the
 * nearest proxy (or by Next.js itself); entries to its left are whatever the client claimed.
 */
function clientIp(headers: Record<string, string | string[] | undefined> | undefined): string {
  const forwarded = headers?.["x-forwarded-for"];
  const last = (Array.isArray(forwarded) ? forwarded.join(",") : forwarded)?.split(",").at(-1)?.trim();
  const real = headers?.["x-real-ip"];
  return last || (Array.isArray(real) ? real[0] : real) || "local";
}

/**
 * Email + password sign-in. The JWT carries only the user id (`sub`); membership and role are
 * re-read from the database on every request.
 */
export const authOptions: NextAuthOptions = {
  secret: process.env.AUTH_SECRET,
  session: { strategy: "jwt", maxAge: 12 * 60 * 60 },
  pages: { signIn: "/login", error: "/login" },
  providers: [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const email = String(credentials?.email ?? "");
        const password = String(credentials?.password ?? "");
        if (!email || !password) throw new Error("Enter your email and password.");
        try {
          const userId = await verifyCredentials(getDb(), { email, password, ip: clientIp(req?.headers) });
          logger.info({ event: "auth.sign_in", userId }, "signed in");
          return { id: userId };
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
    jwt({ token, user }) {
      if (user) return { sub: user.id, iat: token.iat, exp: token.exp, jti: token.jti };
      return token;
    },
    session({ session, token }) {
      return { expires: session.expires, user: { id: token.sub ?? "" } } as typeof session;
    },
  },
};
