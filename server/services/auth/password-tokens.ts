import { createHash, randomBytes } from "node:crypto";
import { and, eq, gt, isNotNull, isNull, ne } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, organizations, passwordTokens, users } from "@/db/schema";
import { logger } from "@/server/log";
import { recordAuditEvent } from "../audit/record-audit-event";
import { badRequest, ServiceError } from "../errors";
import { hashPassword, passwordProblem } from "./password";
import { revokeUserSessions } from "./sessions";

const LIFETIME_HOURS = { invite: 72, reset: 24 } as const;

const sha256 = (value: string) => createHash("sha256").update(value).digest("hex");

/**
 * Create a one-time set-password token; only its hash is stored. Returns the token itself.
 *
 * `orgId` names the organization whose owner minted it (invitations, "new link"); a self-service
 * reset (forgot password, operator CLI) has none. A new token replaces only the earlier unused
 * tokens of the same kind from the same source, so a second organization inviting the same email
 * never kills the first organization's link (docs/security.md, "Memberships by consent").
 */
export async function createPasswordToken(
  db: DbOrTx,
  userId: string,
  purpose: "invite" | "reset",
  options: { orgId?: string | null; keepEarlier?: boolean } = {},
): Promise<string> {
  const orgId = options.orgId ?? null;
  const token = randomBytes(32).toString("base64url");
  // keepEarlier: a retried invitation e-mail (server/services/team/retry-account-invitations.ts)
  // carries a fresh link while the one the owner may already have passed on keeps working.
  if (!options.keepEarlier)
    await db
      .update(passwordTokens)
      .set({ usedAt: new Date() })
      .where(
        and(
          eq(passwordTokens.userId, userId),
          isNull(passwordTokens.usedAt),
          eq(passwordTokens.purpose, purpose),
          orgId ? eq(passwordTokens.orgId, orgId) : isNull(passwordTokens.orgId),
        ),
      );
  await db.insert(passwordTokens).values({
    userId,
    tokenHash: sha256(token),
    purpose,
    orgId,
    expiresAt: new Date(Date.now() + LIFETIME_HOURS[purpose] * 3600 * 1000),
  });
  return token;
}

/** Make the unused links one organization minted for a user stop working (revoked invitation, removal). */
export async function invalidateOrgTokens(db: DbOrTx, userId: string, orgId: string) {
  await db
    .update(passwordTokens)
    .set({ usedAt: new Date() })
    .where(and(eq(passwordTokens.userId, userId), eq(passwordTokens.orgId, orgId), isNull(passwordTokens.usedAt)));
}

export function setPasswordPath(token: string) {
  return `/set-password?token=${encodeURIComponent(token)}`;
}

const INVALID_LINK = "This link is invalid, expired or already used. Ask your organization's owner for a new one.";

export const EXISTING_ACCOUNT_REFUSAL =
  "This link cannot set the password of this account: it already has a password or belongs to another organization. " +
  "Sign in to accept the invitation, or use “Forgot your password?” on the sign-in page.";

type TokenRow = typeof passwordTokens.$inferSelect;

/** A self-service reset: sent to the account's own e-mail (forgot password) or printed by the operator CLI. */
const isSelfService = (row: Pick<TokenRow, "purpose" | "orgId">) => row.purpose === "reset" && row.orgId === null;

/**
 * Whether a link may set this account's password. Only the account holder (a self-service reset
 * sent to their own e-mail) may set the password of an account that already has one or that
 * belongs to another organization; an organization's link only serves an account it alone brought
 * in and that has no password yet.
 */
async function mayUseToken(db: DbOrTx, row: TokenRow, user: { id: string; passwordHash: string | null }): Promise<boolean> {
  if (isSelfService(row)) return true;
  if (user.passwordHash) return false;
  const accepted = await db
    .select({ orgId: memberships.orgId })
    .from(memberships)
    .where(and(eq(memberships.userId, user.id), isNotNull(memberships.acceptedAt)));
  if (!row.orgId) {
    // Links from before organizations were recorded on them: only an account with at most one organization.
    return accepted.length <= 1;
  }
  if (accepted.some((m) => m.orgId !== row.orgId)) return false;
  const member = await db.query.memberships.findFirst({
    where: and(eq(memberships.orgId, row.orgId), eq(memberships.userId, user.id)),
  });
  return !!member;
}

async function findLiveToken(db: DbOrTx, token: string, lock = false) {
  const query = db
    .select()
    .from(passwordTokens)
    .where(and(eq(passwordTokens.tokenHash, sha256(token)), isNull(passwordTokens.usedAt), gt(passwordTokens.expiresAt, new Date())));
  const [row] = lock ? await query.for("update") : await query;
  return row ?? null;
}

export type PasswordTokenInfo = {
  email: string;
  name: string;
  purpose: "invite" | "reset";
  /** The inviting organization's name (owner-made links). */
  orgName: string | null;
  /** What the link leads to: the set-password form, or "this is an existing account: sign in to accept". */
  action: "set-password" | "sign-in";
};

/** Look a token up without using it (the page shows whose password is being set, or sends them to sign in). */
export async function inspectPasswordToken(db: DbOrTx, token: string): Promise<PasswordTokenInfo | null> {
  const row = await findLiveToken(db, token);
  if (!row) return null;
  const user = await db.query.users.findFirst({ where: eq(users.id, row.userId) });
  if (!user) return null;
  const org = row.orgId ? await db.query.organizations.findFirst({ where: eq(organizations.id, row.orgId) }) : null;
  return {
    email: user.email,
    name: user.name,
    purpose: row.purpose,
    orgName: org?.name ?? null,
    action: (await mayUseToken(db, row, user)) ? "set-password" : "sign-in",
  };
}

/**
 * Set the password with a one-time token; the token is consumed in the same transaction. An
 * invitation link also accepts its organization's membership; every existing session of the
 * account ends (docs/security.md).
 */
export async function setPasswordWithToken(db: DbOrTx, input: { token: string; password: string }) {
  const problem = passwordProblem(input.password);
  if (problem) throw badRequest(problem, { password: problem });
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const row = await findLiveToken(tx, input.token, true);
    if (!row) throw badRequest(INVALID_LINK, undefined, "LINK_INVALID");
    const [user] = await tx.select().from(users).where(eq(users.id, row.userId)).for("update");
    if (!user) throw badRequest(INVALID_LINK, undefined, "LINK_INVALID");
    if (!(await mayUseToken(tx, row, user))) {
      logger.warn({ event: "auth.password_link_refused", userId: user.id, orgId: row.orgId, purpose: row.purpose }, "set-password refused");
      throw new ServiceError("FORBIDDEN", EXISTING_ACCOUNT_REFUSAL, undefined, "LINK_INVALID");
    }
    await tx.update(passwordTokens).set({ usedAt: new Date() }).where(eq(passwordTokens.id, row.id));
    await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
    if (row.orgId) {
      const [accepted] = await tx
        .update(memberships)
        .set({ acceptedAt: new Date(), updatedAt: new Date() })
        .where(and(eq(memberships.orgId, row.orgId), eq(memberships.userId, user.id), isNull(memberships.acceptedAt)))
        .returning({ id: memberships.id });
      if (accepted) {
        await recordAuditEvent(tx, { orgId: row.orgId, actorUserId: user.id, action: "user.invitation_accepted", targetId: user.id });
      }
    }
    // A new password ends every session: whoever held the old one is signed out at once.
    await revokeUserSessions(tx, user.id);
    logger.info({ event: "auth.password_set", userId: user.id, selfService: isSelfService(row) }, "password set");
    return { id: user.id, email: user.email };
  });
}

/** Whether a user has accepted memberships other than in `orgId` (for "new link" refusals). */
export async function hasOtherAcceptedMembership(db: DbOrTx, userId: string, orgId: string) {
  const [other] = await db
    .select({ id: memberships.id })
    .from(memberships)
    .where(and(eq(memberships.userId, userId), isNotNull(memberships.acceptedAt), ne(memberships.orgId, orgId)))
    .limit(1);
  return !!other;
}
