import { asc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { memberships, users } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { isInvitationPending } from "./remove-member";

const inviters = alias(users, "inviters");

/**
 * The organization's members and pending invitations. An invitation shows only what the owner
 * typed or already knows (the email, the role): the account's own name and whether it has a
 * password stay hidden until its holder joins, so the list does not reveal existing accounts.
 */
export async function listMembers(ctx: OrgContext) {
  assertCan(ctx, "users:manage");
  const rows = await ctx.db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      isActive: memberships.isActive,
      passwordHash: users.passwordHash,
      acceptedAt: memberships.acceptedAt,
      createdAt: memberships.createdAt,
      invitedByName: inviters.name,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .leftJoin(inviters, eq(inviters.id, memberships.invitedBy))
    .where(eq(memberships.orgId, ctx.org.id))
    .orderBy(asc(users.email));
  return rows
    .map(({ passwordHash, acceptedAt, ...row }) => {
      const invitationPending = isInvitationPending({ acceptedAt, passwordHash });
      return {
        ...row,
        name: invitationPending ? row.email : row.name,
        invitationPending,
        hasPassword: !invitationPending,
        isSelf: row.userId === ctx.actor.userId,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}
