import { TRPCError } from "@trpc/server";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { memberships, users } from "@/db/schema";
import { ROLES } from "@/server/domain/roles";
import {
  allProcedures,
  callerFor,
  callPath,
  createOrgWithMembers,
  expectTRPCError,
  identifiersOf,
  orgSnapshot,
  randomSuffix,
  testDb,
  type TestOrg,
} from "./helpers";

const db = testDb();

/** Organization-scoped: everything but the public auth.* procedures and switchOrganization (tested below). */
const ORG_SCOPED = allProcedures()
  .map((p) => p.path)
  .filter((path) => !path.startsWith("auth.") && path !== "session.switchOrganization");

type Fixture = { a: TestOrg; b: TestOrg };

/**
 * For every organization-scoped procedure: an input aimed at organization A's data, and what
 * B's owner (with the organization cookie set to A) must get back. A procedure added to the router
 * without an entry here fails the coverage test.
 */
const PROBES: Record<string, { input?: (fx: Fixture) => unknown; expect: "NOT_FOUND" | ((result: unknown, fx: Fixture) => Promise<void> | void) }> = {
  "session.me": {
    expect: (result, { b }) => {
      const me = result as { org: { id: string }; user: { id: string }; role: string; organizations: { id: string }[] };
      expect(me.org.id).toBe(b.org.id);
      expect(me.user.id).toBe(b.users.owner.id);
      expect(me.role).toBe("owner");
      expect(me.organizations.map((o) => o.id)).toEqual([b.org.id]);
    },
  },
  "organization.get": {
    expect: (result, { b }) => {
      expect(result).toMatchObject({ id: b.org.id, slug: b.org.slug, name: b.org.name });
    },
  },
  "organization.timeZones": {
    expect: (result) => {
      expect(result).toContain("UTC");
    },
  },
  "organization.update": {
    input: () => ({ name: `Renamed ${randomSuffix()}`, approvalRequired: true }),
    expect: async (result, { b }) => {
      expect(result).toMatchObject({ id: b.org.id, approvalRequired: true });
      expect((await callerFor(db, b.users.owner.id, b.org.id).organization.get()).name).toBe((result as { name: string }).name);
    },
  },
  "team.list": {
    expect: (result, { b }) => {
      const ids = (result as { userId: string }[]).map((m) => m.userId).sort();
      expect(ids).toEqual(Object.values(b.users).map((u) => u.id).sort());
    },
  },
  "team.invite": {
    input: () => ({ email: `tenant-${randomSuffix()}@test.local`, name: "Tenant Probe", role: "business" }),
    expect: async (result, { b }) => {
      const { userId } = result as { userId: string };
      const rows = await db.select({ orgId: memberships.orgId }).from(memberships).where(eq(memberships.userId, userId));
      expect(rows).toEqual([{ orgId: b.org.id }]);
    },
  },
  "team.changeRole": { input: ({ a }) => ({ userId: a.users.approver.id, role: "owner" }), expect: "NOT_FOUND" },
  "team.setActive": { input: ({ a }) => ({ userId: a.users.owner.id, active: false }), expect: "NOT_FOUND" },
  "team.createPasswordLink": { input: ({ a }) => ({ userId: a.users.developer.id }), expect: "NOT_FOUND" },
};

describe("tenancy: organization B never reaches organization A", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = { a: await createOrgWithMembers(db), b: await createOrgWithMembers(db) };
  });

  it("every organization-scoped procedure of the router has a probe (and no stale ones)", () => {
    expect(ORG_SCOPED.length).toBeGreaterThanOrEqual(9);
    expect(Object.keys(PROBES).sort()).toEqual([...ORG_SCOPED].sort());
  });

  it.each(ORG_SCOPED)("%s as B's owner with the cookie set to A", async (path) => {
    const probe = PROBES[path];
    expect(probe, `no tenancy probe for ${path}`).toBeDefined();
    const before = await orgSnapshot(db, fx.a.org.id);
    const caller = callerFor(db, fx.b.users.owner.id, fx.a.org.id);
    const call = callPath(caller, path, probe!.input?.(fx));

    if (probe!.expect === "NOT_FOUND") {
      const error = await expectTRPCError(call, "NOT_FOUND");
      expect(error.message).toBe("That team member was not found.");
    } else {
      const result = await call;
      await probe!.expect(result, fx);
      const text = JSON.stringify(result) ?? "";
      for (const id of identifiersOf(fx.a)) expect(text, `${path} leaked ${id}`).not.toContain(id);
    }
    expect(await orgSnapshot(db, fx.a.org.id)).toEqual(before);
  });

  it("no role of B can read or change A's data through any procedure", async () => {
    const b = await createOrgWithMembers(db);
    const local: Fixture = { a: fx.a, b };
    const before = await orgSnapshot(db, fx.a.org.id);
    const outcomes: string[] = [];
    for (const role of ROLES) {
      for (const path of ORG_SCOPED) {
        const caller = callerFor(db, b.users[role].id, fx.a.org.id);
        try {
          const result = await callPath(caller, path, PROBES[path]!.input?.(local));
          const text = JSON.stringify(result) ?? "";
          for (const id of identifiersOf(fx.a)) expect(text, `${role} ${path} leaked ${id}`).not.toContain(id);
          outcomes.push(`${role} ${path} ok`);
        } catch (error) {
          expect(error, `${role} ${path}`).toBeInstanceOf(TRPCError);
          expect(["FORBIDDEN", "NOT_FOUND"], `${role} ${path}: ${(error as Error).message}`).toContain((error as TRPCError).code);
          for (const id of identifiersOf(fx.a)) expect((error as Error).message).not.toContain(id);
          outcomes.push(`${role} ${path} ${(error as TRPCError).code}`);
        }
      }
    }
    expect(outcomes).toHaveLength(ROLES.length * ORG_SCOPED.length);
    expect(outcomes).toContain("owner team.setActive NOT_FOUND");
    expect(outcomes).toContain("business team.setActive FORBIDDEN");
    expect(await orgSnapshot(db, fx.a.org.id)).toEqual(before);
  });

  it("a member of both organizations deactivated in A gets B's data with the cookie set to A", async () => {
    const { a, b } = { a: await createOrgWithMembers(db, ["owner"]), b: await createOrgWithMembers(db, ["owner"]) };
    const member = await callerFor(db, a.users.owner.id).team.invite({ email: `both-${randomSuffix()}@test.local`, name: "Both", role: "financial_controller" });
    await callerFor(db, b.users.owner.id).team.invite({ email: member.email, name: "Both", role: "financial_controller" });
    const caller = callerFor(db, member.userId, a.org.id);
    expect((await caller.organization.get()).id).toBe(a.org.id);

    await callerFor(db, a.users.owner.id).team.setActive({ userId: member.userId, active: false });
    expect((await caller.organization.get()).id).toBe(b.org.id);
    expect((await caller.session.me()).organizations.map((o) => o.id)).toEqual([b.org.id]);
    await caller.organization.update({ name: `B renamed ${randomSuffix()}` });
    expect((await callerFor(db, a.users.owner.id).organization.get()).name).toBe(a.org.name);
  });

  it("every organization-scoped procedure refuses signed-out callers and users without a membership", async () => {
    const [loner] = await db.insert(users).values({ email: `loner-${randomSuffix()}@test.local`, name: "Loner" }).returning();
    for (const path of ORG_SCOPED) {
      const input = PROBES[path]!.input?.(fx);
      const anonymous = await expectTRPCError(callPath(callerFor(db, null, fx.a.org.id), path, input), "UNAUTHORIZED");
      expect(anonymous.message).toBe("Sign in to continue.");
      await expectTRPCError(callPath(callerFor(db, loner!.id, fx.a.org.id), path, input), "FORBIDDEN");
    }
  });
});

describe("session.switchOrganization", () => {
  it("refuses an organization the user is not a member of, and sets no cookie", async () => {
    const a = await createOrgWithMembers(db, ["owner"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const headers = new Headers();
    const caller = callerFor(db, b.users.owner.id, null, { resHeaders: headers });
    const error = await expectTRPCError(caller.session.switchOrganization({ orgId: a.org.id }), "FORBIDDEN");
    expect(error.message).toBe("You are not an active member of that organization.");
    await expectTRPCError(caller.session.switchOrganization({ orgId: "00000000-0000-4000-8000-000000000000" }), "FORBIDDEN");
    expect(headers.get("set-cookie")).toBeNull();
  });

  it("switches to an organization the user belongs to, setting the cookie", async () => {
    const a = await createOrgWithMembers(db, ["owner"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    await callerFor(db, a.users.owner.id).team.invite({ email: b.users.owner.email, name: "x", role: "developer" });
    const headers = new Headers();
    const caller = callerFor(db, b.users.owner.id, null, { resHeaders: headers });
    expect(await caller.session.switchOrganization({ orgId: a.org.id })).toEqual({ orgId: a.org.id });
    expect(headers.get("set-cookie")).toMatch(new RegExp(`^active_org=${a.org.id}; Path=/; HttpOnly; SameSite=Lax`));
    // With that cookie the user works in A with their role there.
    const me = await callerFor(db, b.users.owner.id, a.org.id).session.me();
    expect(me).toMatchObject({ org: { id: a.org.id }, role: "developer" });
    await expectTRPCError(callerFor(db, b.users.owner.id, a.org.id).team.list(), "FORBIDDEN");
  });

  it("refuses signed-out callers and a deactivated membership", async () => {
    const a = await createOrgWithMembers(db, ["owner", "approver"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    await expectTRPCError(callerFor(db, null).session.switchOrganization({ orgId: a.org.id }), "UNAUTHORIZED");
    await callerFor(db, b.users.owner.id).team.invite({ email: a.users.approver.email, name: "x", role: "approver" });
    await callerFor(db, a.users.owner.id).team.setActive({ userId: a.users.approver.id, active: false });
    await expectTRPCError(callerFor(db, a.users.approver.id).session.switchOrganization({ orgId: a.org.id }), "FORBIDDEN");
    expect(await callerFor(db, a.users.approver.id).session.switchOrganization({ orgId: b.org.id })).toEqual({ orgId: b.org.id });
  });
});
