import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { memberships, organizations, users } from "@/db/schema";
import type { Role } from "@/server/domain/roles";
import { hashPassword, passwordProblem } from "../auth/password";
import { recordAuditEvent } from "../audit/record-audit-event";
import { createDefaultConnections } from "../connections/default-connection";
import { badRequest, conflict } from "../errors";

export function slugify(name: string) {
  return (
    name
      .toLowerCase()
      .normalize("NFKD")
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 48) || "org"
  );
}

/**
 * Operator verb (CLI, first-run seed): create an organization with its default payment connection
 * and routing rule (server/services/connections/default-connection.ts). Not reachable from the web.
 */
export async function createOrganization(db: DbOrTx, input: { name: string; slug?: string; approvalRequired?: boolean }) {
  const name = input.name.trim();
  if (!name) throw badRequest("The organization needs a name.");
  const slug = input.slug ?? slugify(name);
  const taken = await db.query.organizations.findFirst({ where: eq(organizations.slug, slug) });
  if (taken) throw conflict(`An organization with the slug "${slug}" already exists.`, undefined, "ALREADY_EXISTS");
  return db.transaction(async (tx) => {
    const [org] = await tx
      .insert(organizations)
      .values({ name, slug, approvalRequired: input.approvalRequired ?? false })
      .returning();
    if (!org) throw new Error("organization insert returned nothing");
    // Its Stellar distribution account as a payment connection, and the rule routing Stellar wallets to it.
    await createDefaultConnections(tx, org.id);
    return org;
  });
}

/**
 * Operator verb: add a user with a role and (optionally) a password to an organization,
 * creating the user when the email is new.
 */
export async function addUserToOrganization(db: DbOrTx, input: { orgId: string; email: string; name: string; role: Role; password?: string }) {
  const email = input.email.trim().toLowerCase();
  if (input.password) {
    const problem = passwordProblem(input.password);
    if (problem) throw badRequest(problem);
  }
  const passwordHash = input.password ? await hashPassword(input.password) : null;
  return db.transaction(async (tx) => {
    let user = await tx.query.users.findFirst({ where: eq(users.email, email) });
    if (!user) {
      [user] = await tx.insert(users).values({ email, name: input.name, passwordHash }).returning();
    } else if (passwordHash) {
      await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, user.id));
    }
    if (!user) throw new Error("user insert returned nothing");
    await tx
      .insert(memberships)
      // The operator acts with the installation's authority: the membership counts at once.
      .values({ orgId: input.orgId, userId: user.id, role: input.role, acceptedAt: new Date() })
      .onConflictDoUpdate({
        target: [memberships.orgId, memberships.userId],
        set: { role: input.role, isActive: true, acceptedAt: new Date(), updatedAt: new Date() },
      });
    await recordAuditEvent(tx, {
      orgId: input.orgId,
      actorUserId: null,
      action: "user.added_by_operator",
      targetId: user.id,
      details: { email, role: input.role },
    });
    return user;
  });
}
