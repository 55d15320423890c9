import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { memberships, users } from "@/db/schema";
import { invalidateOrgTokens } from "../auth/password-tokens";
import { revokeUserSessions } from "../auth/sessions";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { assertAnotherActiveOwner, lockMember } from "./guard-owner-rules";
import { memberInput } from "@/server/schemas/team.schema";

export { memberInput } from "@/server/schemas/team.schema";

/**
 * Whether the Team page shows a member as "Invitation pending": an invitation its holder has not
 * accepted, or a new account that has not set its password. Both look the same to the owner, so the
 * page does not reveal whether an invited email already had an account.
 */
export function isInvitationPending(m: { acceptedAt: Date | null; passwordHash: string | null }) {
  return m.acceptedAt === null || m.passwordHash === null;
}

/**
 * Revoke an invitation that is still pending: the membership goes and this organization's links
 * for the person stop working. The account itself stays (it may belong to other organizations).
 */
export async function revokeInvitation(ctx: OrgContext, raw: z.input<typeof memberInput>) {
  assertCan(ctx, "users:manage");
  const input = memberInput.parse(raw);
  if (input.userId === ctx.actor.userId) throw badRequest("You cannot revoke your own membership.", undefined, "SELF_ACTION");
  return ctx.db.transaction(async (tx) => {
    const member = await lockMember(tx, ctx, input.userId);
    const user = await tx.query.users.findFirst({ where: eq(users.id, input.userId) });
    if (!isInvitationPending({ acceptedAt: member.acceptedAt, passwordHash: user?.passwordHash ?? null })) {
      throw badRequest("This person has already joined. Use “Remove from organization” instead.", undefined, "INVALID_STATE");
    }
    if (member.role === "owner" && member.acceptedAt && member.isActive) await assertAnotherActiveOwner(tx, ctx, input.userId);
    await tx.delete(memberships).where(and(eq(memberships.orgId, ctx.org.id), eq(memberships.userId, input.userId)));
    await invalidateOrgTokens(tx, input.userId, ctx.org.id);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "user.invitation_revoked",
      targetId: input.userId,
      details: { email: user?.email ?? null, role: member.role },
    });
    return { userId: input.userId };
  });
}

/**
 * Remove a member from the organization: the membership goes, and every session of the person ends
 * at once (they sign in again into their other organizations, if any). Never yourself, never the
 * last active owner.
 */
export async function removeMember(ctx: OrgContext, raw: z.input<typeof memberInput>) {
  assertCan(ctx, "users:manage");
  const input = memberInput.parse(raw);
  if (input.userId === ctx.actor.userId) throw badRequest("You cannot remove yourself from the organization.", undefined, "SELF_ACTION");
  return ctx.db.transaction(async (tx) => {
    const member = await lockMember(tx, ctx, input.userId);
    if (member.acceptedAt === null) throw badRequest("This person has not accepted the invitation. Use “Revoke invitation” instead.", undefined, "INVALID_STATE");
    if (member.role === "owner" && member.isActive) await assertAnotherActiveOwner(tx, ctx, input.userId);
    const user = await tx.query.users.findFirst({ where: eq(users.id, input.userId) });
    await tx.delete(memberships).where(and(eq(memberships.orgId, ctx.org.id), eq(memberships.userId, input.userId)));
    await invalidateOrgTokens(tx, input.userId, ctx.org.id);
    const sessions = await revokeUserSessions(tx, input.userId);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "user.removed",
      targetId: input.userId,
      details: { email: user?.email ?? null, role: member.role, sessionsRevoked: sessions },
    });
    return { userId: input.userId };
  });
}
