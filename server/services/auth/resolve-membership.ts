import { and, asc, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, organizations, users } from "@/db/schema";
import type { Role } from "@/server/domain/roles";

export type ResolvedMembership = {
  user: { id: string; email: string; name: string };
  org: { id: string; name: string; slug: string; logoUrl: string | null };
  role: Role;
};

/**
 * Re-read on every request: the user's active membership in the preferred organization,
 * else in their first organization. A deactivated membership or a changed role counts at once.
 */
export async function resolveMembership(
  db: DbOrTx,
  userId: string,
  preferredOrgId?: string | null,
): Promise<ResolvedMembership | null> {
  const rows = await db
    .select({
      userId: users.id,
      email: users.email,
      name: users.name,
      orgId: organizations.id,
      orgName: organizations.name,
      orgSlug: organizations.slug,
      logoUrl: organizations.logoUrl,
      role: memberships.role,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(and(eq(memberships.userId, userId), eq(memberships.isActive, true)))
    .orderBy(asc(memberships.createdAt));
  const row = rows.find((r) => r.orgId === preferredOrgId) ?? rows[0];
  if (!row) return null;
  return {
    user: { id: row.userId, email: row.email, name: row.name },
    org: { id: row.orgId, name: row.orgName, slug: row.orgSlug, logoUrl: row.logoUrl },
    role: row.role,
  };
}

/** Organizations the user can switch between. */
export async function listUserOrganizations(db: DbOrTx, userId: string) {
  return db
    .select({ id: organizations.id, name: organizations.name, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(and(eq(memberships.userId, userId), eq(memberships.isActive, true)))
    .orderBy(asc(organizations.name));
}
