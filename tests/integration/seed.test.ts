import { count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/db/client";
import { applyMigrations } from "@/db/migrate";
import { auditEvents, memberships, organizations, users } from "@/db/schema";
import { DEMO_PASSWORD, DEMO_USERS, seedDemoIfEmpty } from "@/db/seed";
import { ROLES } from "@/server/domain/roles";
import { verifyCredentials } from "@/server/services/auth/verify-credentials";
import { freshDatabase } from "./helpers";

describe("seedDemoIfEmpty on a fresh database", () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let handle: ReturnType<typeof createDb>;

  beforeAll(async () => {
    fresh = await freshDatabase("sdp_seed");
    await applyMigrations(fresh.url);
    handle = createDb(fresh.url, { max: 4 });
  });

  afterAll(async () => {
    await handle?.sql.end({ timeout: 5 });
    await fresh?.drop();
  });

  it("creates one organization with one active user per role, then is a no-op", async () => {
    const { db } = handle;
    expect(await db.select({ n: count() }).from(organizations)).toEqual([{ n: 0 }]);

    expect(await seedDemoIfEmpty(db)).toEqual({ seeded: true });

    const orgs = await db.select().from(organizations);
    expect(orgs).toHaveLength(1);
    expect(orgs[0]).toMatchObject({ name: "Demo Organization", slug: "demo" });
    const members = await db
      .select({ email: users.email, role: memberships.role, isActive: memberships.isActive, hash: users.passwordHash })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.orgId, orgs[0]!.id));
    expect(members).toHaveLength(6);
    expect(members.map((m) => m.role).sort()).toEqual([...ROLES].sort());
    expect(members.every((m) => m.isActive && m.hash?.startsWith("$2"))).toBe(true);
    expect(members.map((m) => m.email).sort()).toEqual(DEMO_USERS.map((u) => u.email).sort());
    expect(await db.select({ n: count() }).from(users)).toEqual([{ n: 6 }]);

    // The demo users can sign in with the documented password.
    const owner = DEMO_USERS.find((u) => u.role === "owner")!;
    const ownerId = await verifyCredentials(db, { email: owner.email, password: DEMO_PASSWORD, ip: "seed-test" });
    expect(ownerId).toBeTypeOf("string");

    const auditBefore = await db.select({ n: count() }).from(auditEvents);
    expect(await seedDemoIfEmpty(db)).toEqual({ seeded: false });
    expect(await db.select({ n: count() }).from(organizations)).toEqual([{ n: 1 }]);
    expect(await db.select({ n: count() }).from(users)).toEqual([{ n: 6 }]);
    expect(await db.select({ n: count() }).from(memberships)).toEqual([{ n: 6 }]);
    expect(await db.select({ n: count() }).from(auditEvents)).toEqual(auditBefore);
  });

  it("concurrent first runs seed exactly once", async () => {
    const other = await freshDatabase("sdp_seed_race");
    try {
      await applyMigrations(other.url);
      const a = createDb(other.url, { max: 2 });
      const b = createDb(other.url, { max: 2 });
      try {
        const results = await Promise.all([seedDemoIfEmpty(a.db), seedDemoIfEmpty(b.db)]);
        expect(results.map((r) => r.seeded).sort()).toEqual([false, true]);
        expect(await a.db.select({ n: count() }).from(organizations)).toEqual([{ n: 1 }]);
        expect(await a.db.select({ n: count() }).from(memberships)).toEqual([{ n: 6 }]);
      } finally {
        await a.sql.end({ timeout: 5 });
        await b.sql.end({ timeout: 5 });
      }
    } finally {
      await other.drop();
    }
  });
});
