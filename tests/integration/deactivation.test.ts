import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { memberships } from "@/db/schema";
import type { OrgContext } from "@/server/services/context";
import { ServiceError } from "@/server/services/errors";
import { changeRole } from "@/server/services/team/change-role";
import { setMemberActive } from "@/server/services/team/set-member-active";
import { callerFor, createOrgWithMembers, expectTRPCError, testDb } from "./helpers";

const db = testDb();

async function activeOwners(orgId: string) {
  return db
    .select({ userId: memberships.userId })
    .from(memberships)
    .where(and(eq(memberships.orgId, orgId), eq(memberships.role, "owner"), eq(memberships.isActive, true)));
}

/** Exactly one of two racing changes wins; the other is refused by the owner rule or, when it
 * starts after the first committed, because its actor is no longer an active owner. */
function expectOneWinner(results: PromiseSettledResult<unknown>[]) {
  const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
  expect(rejected).toHaveLength(1);
  const error = rejected[0]!.reason as TRPCError;
  expect(error).toBeInstanceOf(TRPCError);
  expect(["BAD_REQUEST", "FORBIDDEN"]).toContain(error.code);
  if (error.code === "BAD_REQUEST") expect(error.message).toBe("The organization must keep at least one active owner.");
}

describe("deactivation and role changes take effect at once", () => {
  it("a deactivated user's very next call is refused; reactivation restores access", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "financial_controller"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const controller = callerFor(db, u.financial_controller.id, org.id);

    expect((await controller.organization.get()).id).toBe(org.id);
    expect((await controller.session.me()).role).toBe("financial_controller");

    expect(await owner.team.setActive({ userId: u.financial_controller.id, active: false })).toEqual({
      userId: u.financial_controller.id,
      active: false,
    });
    // Same caller object, same (still valid) session: refused on the very next call.
    const refused = await expectTRPCError(controller.organization.get(), "FORBIDDEN");
    expect(refused.message).toBe("Your account has no active organization membership.");
    await expectTRPCError(controller.session.me(), "FORBIDDEN");
    await expectTRPCError(controller.organization.update({ name: "Hijacked" }), "FORBIDDEN");
    // A fresh caller for the same user is refused too, and cannot switch into the organization.
    await expectTRPCError(callerFor(db, u.financial_controller.id).organization.get(), "FORBIDDEN");
    await expectTRPCError(callerFor(db, u.financial_controller.id).session.switchOrganization({ orgId: org.id }), "FORBIDDEN");
    expect((await owner.organization.get()).name).toBe(org.name);

    expect((await owner.team.list()).find((m) => m.userId === u.financial_controller.id)?.isActive).toBe(false);

    await owner.team.setActive({ userId: u.financial_controller.id, active: true });
    expect((await controller.organization.get()).id).toBe(org.id);
    expect((await controller.session.me()).role).toBe("financial_controller");
  });

  it("setting the current state again is a no-op", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "business"]);
    const owner = callerFor(db, u.owner.id, org.id);
    expect(await owner.team.setActive({ userId: u.business.id, active: true })).toEqual({ userId: u.business.id, active: true });
    expect((await callerFor(db, u.business.id).session.me()).org.id).toBe(org.id);
  });

  it("an owner cannot deactivate or demote themself", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "approver"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const deactivate = await expectTRPCError(owner.team.setActive({ userId: u.owner.id, active: false }), "BAD_REQUEST");
    expect(deactivate.message).toBe("You cannot deactivate yourself.");
    const demote = await expectTRPCError(owner.team.changeRole({ userId: u.owner.id, role: "business" }), "BAD_REQUEST");
    expect(demote.message).toBe("You cannot change your own role.");
    expect(await activeOwners(org.id)).toEqual([{ userId: u.owner.id }]);
    expect((await owner.session.me()).role).toBe("owner");
  });

  it("the last active owner cannot be demoted or deactivated", async () => {
    // Through the API the acting owner is always another active owner, so the rule is checked at the
    // service, which the REST API and the worker also call: here an acting context whose own
    // membership no longer counts (e.g. deactivated a moment ago by someone else).
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "developer"]);
    const ctx: OrgContext = { db, actor: { userId: u.developer.id }, org: { id: org.id }, role: "owner" };

    for (const attempt of [
      () => setMemberActive(ctx, { userId: u.owner.id, active: false }),
      () => changeRole(ctx, { userId: u.owner.id, role: "financial_controller" }),
    ]) {
      let error: unknown;
      try {
        await attempt();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ServiceError);
      expect((error as ServiceError).code).toBe("BAD_REQUEST");
      expect((error as ServiceError).message).toBe("The organization must keep at least one active owner.");
    }
    expect(await activeOwners(org.id)).toEqual([{ userId: u.owner.id }]);
  });

  it("an owner may be deactivated or demoted while another active owner remains", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "approver"]);
    const owner = callerFor(db, u.owner.id, org.id);
    await owner.team.changeRole({ userId: u.approver.id, role: "owner" });
    expect((await activeOwners(org.id)).map((r) => r.userId).sort()).toEqual([u.owner.id, u.approver.id].sort());

    await owner.team.setActive({ userId: u.approver.id, active: false });
    expect(await activeOwners(org.id)).toEqual([{ userId: u.owner.id }]);
    // The deactivated second owner is an owner no more in effect, and can be demoted.
    await owner.team.changeRole({ userId: u.approver.id, role: "business" });
    await owner.team.setActive({ userId: u.approver.id, active: true });
    expect((await callerFor(db, u.approver.id).session.me()).role).toBe("business");
  });

  it("two owners deactivating each other at the same moment still leave one active owner", async () => {
    for (let round = 0; round < 8; round++) {
      const { org, users: u } = await createOrgWithMembers(db, ["owner", "financial_controller"]);
      const first = callerFor(db, u.owner.id, org.id);
      await first.team.changeRole({ userId: u.financial_controller.id, role: "owner" });
      const second = callerFor(db, u.financial_controller.id, org.id);

      const results = await Promise.allSettled([
        first.team.setActive({ userId: u.financial_controller.id, active: false }),
        second.team.setActive({ userId: u.owner.id, active: false }),
      ]);
      expect(await activeOwners(org.id), `round ${round}: ${JSON.stringify(results.map((r) => r.status))}`).toHaveLength(1);
      expectOneWinner(results);
    }
  });

  it("two owners demoting each other at the same moment still leave one active owner", async () => {
    for (let round = 0; round < 8; round++) {
      const { org, users: u } = await createOrgWithMembers(db, ["owner", "developer"]);
      const first = callerFor(db, u.owner.id, org.id);
      await first.team.changeRole({ userId: u.developer.id, role: "owner" });
      const second = callerFor(db, u.developer.id, org.id);

      const results = await Promise.allSettled([
        first.team.changeRole({ userId: u.developer.id, role: "developer" }),
        second.team.changeRole({ userId: u.owner.id, role: "developer" }),
      ]);
      expect(await activeOwners(org.id), `round ${round}`).toHaveLength(1);
      expectOneWinner(results);
    }
  });

  it("a changed role takes effect at once", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "approver"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const approver = callerFor(db, u.approver.id, org.id);

    await expectTRPCError(approver.team.list(), "FORBIDDEN");
    await expectTRPCError(approver.organization.update({ name: "Nope" }), "FORBIDDEN");
    expect((await approver.session.me()).permissions).not.toContain("users:manage");

    await owner.team.changeRole({ userId: u.approver.id, role: "owner" });
    // Same caller object: the next call already sees the new role.
    const team = await approver.team.list();
    expect(team.map((m) => m.userId).sort()).toEqual([u.owner.id, u.approver.id].sort());
    expect(team.find((m) => m.userId === u.approver.id)).toMatchObject({ role: "owner", isSelf: true });
    expect((await approver.session.me()).permissions).toContain("users:manage");

    // And back: demoted, the next call is refused again.
    await owner.team.changeRole({ userId: u.approver.id, role: "approver" });
    await expectTRPCError(approver.team.list(), "FORBIDDEN");
    expect((await approver.session.me()).role).toBe("approver");
  });

  it("changing the role of someone who is not a member answers NOT_FOUND", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const ghost = "00000000-0000-4000-8000-000000000000";
    await expectTRPCError(owner.team.changeRole({ userId: ghost, role: "business" }), "NOT_FOUND");
    await expectTRPCError(owner.team.setActive({ userId: ghost, active: false }), "NOT_FOUND");
    await expectTRPCError(owner.team.createPasswordLink({ userId: ghost }), "NOT_FOUND");
  });
});
