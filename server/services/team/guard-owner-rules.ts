import { and, count, eq, isNotNull, ne } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, organizations } from "@/db/schema";
import type { OrgContext } from "../context";
import { badRequest, notFound } from "../errors";

/** Load a member of the caller's organization, locking the row for the change that follows. */
export async function lockMember(tx: DbOrTx, ctx: OrgContext, userId: string) {
  // Team changes in one organization run one after another: the owner rule below reads *other*
  // members' rows, so without this two owners deactivating (or demoting) each other at the same
  // moment would both pass it and leave no active owner. NO KEY UPDATE does not block inserts
  // that merely reference the organization (audit rows, memberships).
  await tx.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, ctx.org.id)).for("no key update");
  const [member] = await tx
    .select()
    .from(memberships)
    .where(and(eq(memberships.orgId, ctx.org.id), eq(memberships.userId, userId)))
    .for("update");
  if (!member) throw notFound("That team member");
  return member;
}

/** An organization must always keep one active owner (a pending invitation does not count). */
export async function assertAnotherActiveOwner(tx: DbOrTx, ctx: OrgContext, userId: string) {
  const [other] = await tx
    .select({ n: count() })
    .from(memberships)
    .where(
      and(
        eq(memberships.orgId, ctx.org.id),
        eq(memberships.role, "owner"),
        eq(memberships.isActive, true),
        isNotNull(memberships.acceptedAt),
        ne(memberships.userId, userId),
      ),
    );
  if ((other?.n ?? 0) === 0) throw badRequest("The organization must keep at least one active owner.", undefined, "LAST_OWNER");
}
