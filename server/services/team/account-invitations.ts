import { and, asc, count, eq, isNull } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { z } from "zod";
import type { DbOrTx } from "@/db/client";
import { memberships, organizations, users } from "@/db/schema";
import { invalidateOrgTokens } from "../auth/password-tokens";
import { recordAuditEvent } from "../audit/record-audit-event";
import { notFound } from "../errors";
import { invitationInput } from "@/server/schemas/team.schema";

export { invitationInput } from "@/server/schemas/team.schema";

/**
 * The account holder's side of memberships by consent (docs/security.md): invitations to existing
 * accounts wait here until their holder accepts or declines them. Account-level: the caller needs no
 * organization (their only memberships may be pending).
 */
export type AccountContext = { db: DbOrTx; userId: string };

const inviters = alias(users, "inviters");

/** Pending invitations of the signed-in account, oldest first. */
export async function listPendingInvitations(ctx: AccountContext) {
  const rows = await ctx.db
    .select({
      orgId: organizations.id,
      orgName: organizations.name,
      role: memberships.role,
      invitedAt: memberships.createdAt,
      invitedByName: inviters.name,
      invitedByEmail: inviters.email,
    })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .leftJoin(inviters, eq(inviters.id, memberships.invitedBy))
    .where(and(eq(memberships.userId, ctx.userId), isNull(memberships.acceptedAt)))
    .orderBy(asc(memberships.createdAt));
  return rows;
}

/** How many invitations wait for the account (the app shell's notice). */
export async function countPendingInvitations(ctx: AccountContext): Promise<number> {
  const [row] = await ctx.db
    .select({ n: count() })
    .from(memberships)
    .where(and(eq(memberships.userId, ctx.userId), isNull(memberships.acceptedAt)));
  return row?.n ?? 0;
}

/**
 * Answer a pending invitation: accepting makes the membership grant its role from now on;
 * declining removes it. Either way its link has served its purpose and the inviting organization
 * sees the answer in its audit trail.
 */
async function answerInvitation(ctx: AccountContext, raw: z.input<typeof invitationInput>, answer: "accepted" | "declined") {
  const input = invitationInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const pending = and(eq(memberships.orgId, input.orgId), eq(memberships.userId, ctx.userId), isNull(memberships.acceptedAt));
    const [row] =
      answer === "accepted"
        ? await tx.update(memberships).set({ acceptedAt: new Date(), updatedAt: new Date() }).where(pending).returning({ role: memberships.role })
        : await tx.delete(memberships).where(pending).returning({ role: memberships.role });
    if (!row) throw notFound("That invitation");
    await invalidateOrgTokens(tx, ctx.userId, input.orgId);
    await recordAuditEvent(tx, {
      orgId: input.orgId,
      actorUserId: ctx.userId,
      action: `user.invitation_${answer}`,
      targetId: ctx.userId,
      details: { role: row.role },
    });
    return row.role;
  });
}

/** Accept: the membership starts granting its role now. */
export async function acceptInvitation(ctx: AccountContext, raw: z.input<typeof invitationInput>) {
  const role = await answerInvitation(ctx, raw, "accepted");
  const orgId = invitationInput.parse(raw).orgId;
  const org = await ctx.db.query.organizations.findFirst({ where: eq(organizations.id, orgId) });
  return { orgId, orgName: org?.name ?? "", role };
}

/** Decline: the pending membership goes. */
export async function declineInvitation(ctx: AccountContext, raw: z.input<typeof invitationInput>) {
  await answerInvitation(ctx, raw, "declined");
  return { orgId: invitationInput.parse(raw).orgId };
}
