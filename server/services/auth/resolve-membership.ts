import { and, asc, eq, isNotNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, organizations, users } from "@/db/schema";
import type { Role } from "@/server/domain/roles";

export type ResolvedMembership = {
  user: { id: string; email: string; name: string };
  org: { id: string; name: string; slug: string; logoUrl: string | null };
  role: Role;
  /**
   * The organization requires MFA and the user has not enrolled: pages send them to /mfa/setup and
   * organization-scoped tRPC procedures refuse (docs/security.md).
   */
  mfaEnrolmentRequired: boolean;
};

/**
 * Re-read on every request: the user's active membership in the preferred organization,
 * else in their first organization. A deactivated membership or a changed role counts at once;
 * an invitation not yet accepted by the account holder grants nothing (docs/security.md).
 */
export async function resolveMembership(db: DbOrTx, userId: string, preferredOrgId?: string | null): Promise<ResolvedMembership | null> {
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
      mfaRequired: organizations.mfaRequired,
      mfaEnabledAt: users.mfaEnabledAt,
    })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(and(eq(memberships.userId, userId), eq(memberships.isActive, true), isNotNull(memberships.acceptedAt)))
    .orderBy(asc(memberships.createdAt));
  const row = rows.find((r) => r.orgId === preferredOrgId) ?? rows[0];
  if (!row) return null;
  return {
    user: { id: row.userId, email: row.email, name: row.name },
    org: { id: row.orgId, name: row.orgName, slug: row.orgSlug, logoUrl: row.logoUrl },
    role: row.role,
    mfaEnrolmentRequired: row.mfaRequired && !row.mfaEnabledAt,
  };
}

/** Organizations the user can switch between. */
export async function listUserOrganizations(db: DbOrTx, userId: string) {
  return db
    .select({ id: organizations.id, name: organizations.name, role: memberships.role })
    .from(memberships)
    .innerJoin(organizations, eq(organizations.id, memberships.orgId))
    .where(and(eq(memberships.userId, userId), eq(memberships.isActive, true), isNotNull(memberships.acceptedAt)))
    .orderBy(asc(organizations.name));
}
