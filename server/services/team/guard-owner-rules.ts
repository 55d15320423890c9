import { and, count, eq, ne } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships } from "@/db/schema";
import type { OrgContext } from "../context";
import { badRequest, notFound } from "../errors";

/** Load a member of the caller's organization, locking the row for the change that follows. */
export async function lockMember(tx: DbOrTx, ctx: OrgContext, userId: string) {
  const [member] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.orgId, ctx.org.id), eq(memberships.userId, userId)))
    .for("update");
  if (!member) throw notFound("That team member");
  return member;
}

/** An organization must always keep one active owner. */
export async function assertAnotherActiveOwner(tx: DbOrTx, ctx: OrgContext, userId: string) {
  const [other] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(
      and(
        eq(memberships.orgId, ctx.org.id),
        eq(memberships.role, "owner"),
        eq(memberships.isActive, true),
        ne(memberships.userId, userId),
      ),
    );
  if ((other?.n ?? 0) === 0) throw badRequest("The organization must keep at least one active owner.");
}
