import { and, eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { memberships } from "@/db/schema";
import { can, PERMISSIONS, permissionsOf, type Permission } from "@/server/domain/permissions";
import { ROLES, type Role } from "@/server/domain/roles";
import {
  allProcedures,
  callerFor,
  callPath,
  createOrgWithMembers,
  expectTRPCError,
  orgSnapshot,
  randomSuffix,
  testDb,
  type TestOrg,
} from "./helpers";

const db = testDb();

/**
 * The one table mapping every guarded procedure to the permission it requires, with an input that
 * is valid for it in `org` and a check of what a permitted call did. Public (auth.*) and session.*
 * procedures are the only ones left out; a new procedure without an entry fails the coverage test.
 */
const GUARDED: Record<
  string,
  { permission: Permission; input?: (org: TestOrg) => unknown; check: (result: unknown, org: TestOrg, role: Role) => Promise<void> | void }
> = {
  "organization.get": {
    permission: "organization:read",
    check: (result, { org }) => expect(result).toMatchObject({ id: org.id, name: org.name, timezone: "UTC" }),
  },
  "organization.timeZones": {
    permission: "organization:read",
    check: (result) => {
      expect(Array.isArray(result)).toBe(true);
      expect((result as string[])[0]).toBe("UTC");
    },
  },
  "organization.update": {
    permission: "organization:write",
    input: () => ({ name: `Updated ${randomSuffix()}`, timezone: "Africa/Nairobi" }),
    check: (result, { org }) => expect(result).toMatchObject({ id: org.id, timezone: "Africa/Nairobi" }),
  },
  "team.list": {
    permission: "users:manage",
    check: (result, { users }) =>
      expect((result as { userId: string }[]).map((m) => m.userId).sort()).toEqual(Object.values(users).map((u) => u.id).sort()),
  },
  "team.invite": {
    permission: "users:manage",
    input: () => ({ email: `perm-${randomSuffix()}@test.local`, name: "Permission Probe", role: "business" }),
    check: async (result, { org }) => {
      const { userId, setPasswordLink } = result as { userId: string; setPasswordLink: string };
      expect(setPasswordLink).toMatch(/^\/set-password\?token=/);
      const rows = await db.select().from(memberships).where(and(eq(memberships.orgId, org.id), eq(memberships.userId, userId)));
      expect(rows).toHaveLength(1);
    },
  },
  "team.changeRole": {
    permission: "users:manage",
    input: ({ users }) => ({ userId: users.business.id, role: "initiator" }),
    check: (result, { users }) => expect(result).toEqual({ userId: users.business.id, role: "initiator" }),
  },
  "team.setActive": {
    permission: "users:manage",
    input: ({ users }) => ({ userId: users.business.id, active: false }),
    check: (result, { users }) => expect(result).toEqual({ userId: users.business.id, active: false }),
  },
  "team.createPasswordLink": {
    permission: "users:manage",
    input: ({ users }) => ({ userId: users.developer.id }),
    check: (result) => expect(result).toMatchObject({ setPasswordLink: expect.stringMatching(/^\/set-password\?token=/) }),
  },
};

const PROCEDURES = allProcedures();
const GUARDED_PATHS = PROCEDURES.map((p) => p.path).filter((path) => !path.startsWith("auth.") && !path.startsWith("session."));
const typeOf = (path: string) => PROCEDURES.find((p) => p.path === path)?.type;

const FORBIDDEN_CASES = Object.entries(GUARDED).flatMap(([path, entry]) =>
  ROLES.filter((role) => !can(role, entry.permission)).map((role) => ({ path, role, permission: entry.permission })),
);
const ALLOWED_CASES = Object.entries(GUARDED).flatMap(([path, entry]) =>
  ROLES.filter((role) => can(role, entry.permission)).map((role) => ({ path, role, permission: entry.permission, type: typeOf(path) })),
);

describe("permission guards on every procedure", () => {
  it("the table covers every procedure of the router except public and session ones", () => {
    expect(Object.keys(GUARDED).sort()).toEqual([...GUARDED_PATHS].sort());
    for (const entry of Object.values(GUARDED)) expect(Object.keys(PERMISSIONS)).toContain(entry.permission);
    // Every case is exercised one way or the other.
    expect(FORBIDDEN_CASES.length + ALLOWED_CASES.length).toBe(GUARDED_PATHS.length * ROLES.length);
  });

  describe("roles without the permission are refused and change nothing", () => {
    let org: TestOrg;
    beforeAll(async () => {
      org = await createOrgWithMembers(db);
    });

    it.each(FORBIDDEN_CASES)("$path needs $permission: $role → FORBIDDEN", async ({ path, role }) => {
      const before = await orgSnapshot(db, org.org.id);
      const error = await expectTRPCError(callPath(callerFor(db, org.users[role].id, org.org.id), path, GUARDED[path]!.input?.(org)), "FORBIDDEN");
      expect(error.message).toBe("Your role does not allow this.");
      expect(await orgSnapshot(db, org.org.id)).toEqual(before);
    });
  });

  describe("roles with the permission succeed", () => {
    it.each(ALLOWED_CASES)("$path ($type) needs $permission: $role → ok", async ({ path, role }) => {
      // A fresh organization per case, so mutations do not depend on one another.
      const org = await createOrgWithMembers(db);
      const result = await callPath(callerFor(db, org.users[role].id, org.org.id), path, GUARDED[path]!.input?.(org));
      await GUARDED[path]!.check(result, org, role);
    });
  });

  it("session.me reports exactly the role's permissions, for every role", async () => {
    const org = await createOrgWithMembers(db);
    for (const role of ROLES) {
      const me = await callerFor(db, org.users[role].id, org.org.id).session.me();
      expect(me.role).toBe(role);
      expect(me.permissions).toEqual(permissionsOf(role));
    }
  });
});
