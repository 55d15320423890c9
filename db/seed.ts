import { count } from "drizzle-orm";
import type { Db } from "./client";
import { organizations } from "./schema";
import { ROLES, type Role } from "../server/domain/roles";
import { seedDemoCatalog } from "../server/services/catalog/seed-demo-catalog";
import { addUserToOrganization, createOrganization } from "../server/services/organization/create-organization";

export const DEMO_PASSWORD = "DemoPassword1!";
export const DEMO_USERS: { role: Role; email: string; name: string }[] = ROLES.map((role) => ({
  role,
  email: `${role.replace("_", ".")}@demo.local`,
  name: `Demo ${role.replace("_", " ")}`,
}));

const SEED_LOCK_KEY = 7_340_022;

/** First run: with no organization at all, create the demo organization with one user per role. */
export async function seedDemoIfEmpty(db: Db): Promise<{ seeded: boolean }> {
  return db.transaction(async (tx) => {
    await tx.execute(`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`);
    const [row] = await tx.select({ n: count() }).from(organizations);
    if ((row?.n ?? 0) > 0) return { seeded: false };
    const org = await createOrganization(tx, { name: "Demo Organization", slug: "demo" });
    await seedDemoCatalog(tx, org.id);
    for (const user of DEMO_USERS) {
      await addUserToOrganization(tx, { orgId: org.id, ...user, password: DEMO_PASSWORD });
    }
    return { seeded: true };
  });
}
