import { and, count, eq, gt } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { passwordResetRequests, users } from "@/db/schema";
import { logger } from "@/server/log";
import { ServiceError } from "../errors";
import { appLink, deliverAccountMessage, queueAccountMessage, type QueuedAccountMessage } from "../messaging/send-account-message";
import { createPasswordToken, setPasswordPath } from "./password-tokens";
import { requestPasswordResetInput } from "@/server/schemas/auth.schema";

export { requestPasswordResetInput } from "@/server/schemas/auth.schema";

/** Requests per hour: per e-mail address, and per client address (docs/security.md, "Password resets"). */
export const RESET_LIMITS = { perEmailPerHour: 3, perIpPerHour: 10 } as const;

export const RESET_ANSWER = "If an account exists for that address, we sent it a link to choose a new password. The link works once, for 24 hours.";

/**
 * Self-service "forgot password": a one-time reset link (24 h) sent by e-mail to the address
 * itself, through the configured transports. The answer is the same whether or not an account
 * exists; requests are counted (and limited) per e-mail and per client address either way, so the
 * limit reveals nothing either.
 */
export async function requestPasswordReset(db: DbOrTx, raw: { email: string; ip: string | null | undefined }): Promise<{ message: string }> {
  const { email } = requestPasswordResetInput.parse({ email: raw.email });
  const ip = (raw.ip || "unknown").slice(0, 100);
  const since = new Date(Date.now() - 3600 * 1000);
  const queued = await db.transaction(async (tx): Promise<QueuedAccountMessage | null> => {
    const [byEmail] = await tx
      .select({ n: count() })
      .from(passwordResetRequests)
      .where(and(eq(passwordResetRequests.email, email), gt(passwordResetRequests.createdAt, since)));
    const [byIp] = await tx
      .select({ n: count() })
      .from(passwordResetRequests)
      .where(and(eq(passwordResetRequests.ip, ip), gt(passwordResetRequests.createdAt, since)));
    if ((byEmail?.n ?? 0) >= RESET_LIMITS.perEmailPerHour || (byIp?.n ?? 0) >= RESET_LIMITS.perIpPerHour) {
      logger.warn({ event: "auth.password_reset_throttled", ip }, "password reset throttled");
      throw new ServiceError("TOO_MANY_REQUESTS", "Too many password reset requests. Try again in an hour.");
    }
    await tx.insert(passwordResetRequests).values({ email, ip });
    const user = await tx.query.users.findFirst({ where: eq(users.email, email) });
    if (!user) return null;
    const token = await createPasswordToken(tx, user.id, "reset");
    return queueAccountMessage(tx, {
      type: "PASSWORD_RESET",
      orgId: null,
      userId: user.id,
      destination: user.email,
      subject: "Choose a new password",
      body: [
        "Someone asked to reset the password of your Disbursements account.",
        "",
        `Open this link to choose a new password: ${appLink(setPasswordPath(token))}`,
        "",
        "The link works once and expires in 24 hours. Choosing a new password signs you out everywhere.",
        "If you did not ask for this, ignore this e-mail: your password stays as it is.",
      ].join("\n"),
    });
  });
  if (queued) await deliverAccountMessage(db, queued);
  return { message: RESET_ANSWER };
}
