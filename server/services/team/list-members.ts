import { asc, eq } from "drizzle-orm";
import { memberships, users } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";

export async function listMembers(ctx: OrgContext) {
  assertCan(ctx, "users:manage");
  return ctx.db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      role: memberships.role,
      isActive: memberships.isActive,
      hasPassword: users.passwordHash,
      createdAt: memberships.createdAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.orgId, ctx.org.id))
    .orderBy(asc(users.name))
    .then((rows) =>
      rows.map(({ hasPassword, ...row }) => ({ ...row, hasPassword: hasPassword !== null, isSelf: row.userId === ctx.actor.userId })),
    );
}
