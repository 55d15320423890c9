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

/** Accept: the membership starts granting its role now. */
export async function acceptInvitation(ctx: AccountContext, raw: z.input<typeof invitationInput>) {
  const input = invitationInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const [accepted] = await tx
      .update(memberships)
      .set({ acceptedAt: new Date(), updatedAt: new Date() })
      .where(and(eq(memberships.orgId, input.orgId), eq(memberships.userId, ctx.userId), isNull(memberships.acceptedAt)))
      .returning({ role: memberships.role });
    if (!accepted) throw notFound("That invitation");
    // Its link (shown to the inviting owner) has served its purpose.
    await invalidateOrgTokens(tx, ctx.userId, input.orgId);
    await recordAuditEvent(tx, {
      orgId: input.orgId,
      actorUserId: ctx.userId,
      action: "user.invitation_accepted",
      targetId: ctx.userId,
      details: { role: accepted.role },
    });
    const org = await tx.query.organizations.findFirst({ where: eq(organizations.id, input.orgId) });
    return { orgId: input.orgId, orgName: org?.name ?? "", role: accepted.role };
  });
}

/** Decline: the pending membership goes; the inviting organization sees it in its audit trail. */
export async function declineInvitation(ctx: AccountContext, raw: z.input<typeof invitationInput>) {
  const input = invitationInput.parse(raw);
  return ctx.db.transaction(async (tx) => {
    const [declined] = await tx
      .delete(memberships)
      .where(and(eq(memberships.orgId, input.orgId), eq(memberships.userId, ctx.userId), isNull(memberships.acceptedAt)))
      .returning({ role: memberships.role });
    if (!declined) throw notFound("That invitation");
    await invalidateOrgTokens(tx, ctx.userId, input.orgId);
    await recordAuditEvent(tx, {
      orgId: input.orgId,
      actorUserId: ctx.userId,
      action: "user.invitation_declined",
      targetId: ctx.userId,
      details: { role: declined.role },
    });
    return { orgId: input.orgId };
  });
}
