import { and, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { ZodError, z } from "zod";
import { auditEvents, loginAttempts, memberships, users } from "@/db/schema";
import { ServiceError } from "@/server/services/errors";
import { INVALID_CREDENTIALS, verifyCredentials } from "@/server/services/auth/verify-credentials";
import { callerFor, createOrgWithMembers, expectTRPCError, randomSuffix, TEST_PASSWORD, testDb } from "./helpers";
import { sleep } from "../support/wait";

const db = testDb();

async function serviceError(promise: Promise<unknown>): Promise<ServiceError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, "expected a ServiceError, but the call succeeded").toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

const tokenOf = (link: string | null) => {
  expect(link).toMatch(/^\/set-password\?token=/);
  return new URL(link!, "http://x").searchParams.get("token")!;
};

describe("verifyCredentials", () => {
  it("returns the user id for the right password, whatever the email's case and spacing", async () => {
    const { users: u } = await createOrgWithMembers(db, ["initiator"]);
    expect(await verifyCredentials(db, { email: u.initiator.email, password: TEST_PASSWORD, ip: "10.0.0.1" })).toBe(u.initiator.id);
    expect(await verifyCredentials(db, { email: `  ${u.initiator.email.toUpperCase()} `, password: TEST_PASSWORD, ip: "10.0.0.1" })).toBe(u.initiator.id);
    const attempts = await db.select().from(loginAttempts).where(eq(loginAttempts.email, u.initiator.email));
    expect(attempts.map((a) => a.succeeded)).toEqual([true, true]);
  });

  it("answers the same UNAUTHORIZED message for a wrong password and an unknown email", async () => {
    const { users: u } = await createOrgWithMembers(db, ["business"]);
    const wrong = await serviceError(verifyCredentials(db, { email: u.business.email, password: "not-the-password", ip: "10.0.0.2" }));
    expect(wrong.code).toBe("UNAUTHORIZED");
    expect(wrong.message).toBe("Wrong email or password.");
    expect(INVALID_CREDENTIALS).toBe("Wrong email or password.");

    const unknown = await serviceError(verifyCredentials(db, { email: `nobody-${randomSuffix()}@test.local`, password: TEST_PASSWORD, ip: "10.0.0.2" }));
    expect(unknown.code).toBe("UNAUTHORIZED");
    expect(unknown.message).toBe(wrong.message);
  });

  it("an invited user without a password cannot sign in", async () => {
    const { users: u } = await createOrgWithMembers(db, ["owner"]);
    const email = `nopw-${randomSuffix()}@test.local`;
    await callerFor(db, u.owner.id).team.invite({ email, name: "No Password", role: "approver" });
    const error = await serviceError(verifyCredentials(db, { email, password: "", ip: "10.0.0.3" }));
    expect(error.code).toBe("UNAUTHORIZED");
  });

  it("throttles after 5 failures per (email, ip) within the window; another ip still works", async () => {
    const { users: u } = await createOrgWithMembers(db, ["approver"]);
    const email = u.approver.email;
    for (let i = 0; i < 5; i++) {
      const e = await serviceError(verifyCredentials(db, { email, password: `wrong-${i}`, ip: "192.0.2.1" }));
      expect(e.code).toBe("UNAUTHORIZED");
    }
    // Sixth try: refused before the password is even checked, the right one included.
    const throttled = await serviceError(verifyCredentials(db, { email, password: TEST_PASSWORD, ip: "192.0.2.1" }));
    expect(throttled.code).toBe("TOO_MANY_REQUESTS");
    expect(throttled.message).toMatch(/Too many failed sign-in attempts. Wait \d+ seconds/);
    // The throttled attempt is not recorded as a further failure.
    const rows = await db
      .select()
      .from(loginAttempts)
      .where(and(eq(loginAttempts.email, email), eq(loginAttempts.ip, "192.0.2.1")));
    expect(rows).toHaveLength(5);
    // The same email from another address is unaffected.
    expect(await verifyCredentials(db, { email, password: TEST_PASSWORD, ip: "192.0.2.2" })).toBe(u.approver.id);
    // Other emails from the throttled address are unaffected too.
    const { users: v } = await createOrgWithMembers(db, ["approver"]);
    expect(await verifyCredentials(db, { email: v.approver.email, password: TEST_PASSWORD, ip: "192.0.2.1" })).toBe(v.approver.id);
  });

  it("rotating addresses slows the account down instead of locking the owner out", async () => {
    const { users: u } = await createOrgWithMembers(db, ["approver"]);
    const policy = { maxFailures: 2, windowSeconds: 60, accountDelayAfter: 4 };
    const sleeps: number[] = [];
    const clock = { now: () => new Date(), sleep: async (ms: number) => void sleeps.push(ms / 1000) };
    for (let i = 0; i < 8; i++) {
      // Two failures from each of four addresses: each stays under the per-address limit.
      const ip = `10.9.${Math.floor(i / 2)}.1`;
      expect((await serviceError(verifyCredentials(db, { email: u.approver.email, password: "wrong-password", ip }, policy, clock))).code).toBe("UNAUTHORIZED");
    }
    // Past 4 failures on the account every attempt waits longer before it is checked (docs/security.md).
    expect(sleeps).toEqual([1, 2, 4, 8]);
    // The right password from a fresh address still signs in (after its wait).
    expect(await verifyCredentials(db, { email: u.approver.email, password: TEST_PASSWORD, ip: "10.9.99.1" }, policy, clock)).toBe(u.approver.id);
    expect(sleeps).toHaveLength(5);
  });

  it("lets the user in again once the window has passed", async () => {
    const { users: u } = await createOrgWithMembers(db, ["developer"]);
    const policy = { maxFailures: 2, windowSeconds: 1 };
    const input = { email: u.developer.email, ip: "198.51.100.7" };
    for (let i = 0; i < 2; i++) {
      expect((await serviceError(verifyCredentials(db, { ...input, password: "wrong-password" }, policy))).code).toBe("UNAUTHORIZED");
    }
    expect((await serviceError(verifyCredentials(db, { ...input, password: TEST_PASSWORD }, policy))).code).toBe("TOO_MANY_REQUESTS");
    await sleep(1_100); // past the one-second window (a later check only makes this more true)
    expect(await verifyCredentials(db, { ...input, password: TEST_PASSWORD }, policy)).toBe(u.developer.id);
  });

  it("refuses a user deactivated in every organization with FORBIDDEN", async () => {
    const { users: u } = await createOrgWithMembers(db, ["owner", "initiator"]);
    const second = await createOrgWithMembers(db, ["owner"]);
    // The initiator also belongs to a second organization.
    await callerFor(db, second.users.owner.id).team.invite({ email: u.initiator.email, name: "x", role: "business" });
    await callerFor(db, u.initiator.id).invitations.accept({ orgId: second.org.id });

    await callerFor(db, u.owner.id).team.setActive({ userId: u.initiator.id, active: false });
    // Still active in the second organization: sign-in works.
    expect(await verifyCredentials(db, { email: u.initiator.email, password: TEST_PASSWORD, ip: "203.0.113.9" })).toBe(u.initiator.id);

    await callerFor(db, second.users.owner.id).team.setActive({ userId: u.initiator.id, active: false });
    const error = await serviceError(verifyCredentials(db, { email: u.initiator.email, password: TEST_PASSWORD, ip: "203.0.113.9" }));
    expect(error.code).toBe("FORBIDDEN");
    expect(error.message).toMatch(/deactivated/);
    // A wrong password still says only "wrong email or password" (no account-state leak).
    const wrong = await serviceError(verifyCredentials(db, { email: u.initiator.email, password: "wrong-password", ip: "203.0.113.9" }));
    expect(wrong.code).toBe("UNAUTHORIZED");
  });
});

describe("invitation and set-password flow", () => {
  it("invite → inspect → set password once → sign in", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const anonymous = callerFor(db, null);
    const email = `Invitee-${randomSuffix()}@Test.local`;

    const invited = await owner.team.invite({ email: `  ${email} `, name: "New Person", role: "initiator" });
    expect(invited.email).toBe(email.toLowerCase());
    const token = tokenOf(invited.invitationLink);
    expect(token.length).toBeGreaterThanOrEqual(40);

    // Only the token's hash is stored.
    const stored = await db.execute(sql`select token_hash from password_tokens where user_id = ${invited.userId}`);
    expect(stored).toHaveLength(1);
    expect(JSON.stringify(stored)).not.toContain(token);

    expect(await anonymous.auth.inspectPasswordToken({ token })).toEqual({
      email: email.toLowerCase(),
      name: "New Person",
      purpose: "invite",
      orgName: org.name,
      action: "set-password",
    });
    expect(await anonymous.auth.inspectPasswordToken({ token: "not-a-real-token" })).toBeNull();

    // A too-short password is refused and does not use the token up.
    const short = await expectTRPCError(anonymous.auth.setPassword({ token, password: "short" }), "BAD_REQUEST");
    expect(short.message).toBe("Password must be at least 10 characters.");
    expect(await anonymous.auth.inspectPasswordToken({ token })).not.toBeNull();

    const newPassword = "a-good-long-password";
    expect(await anonymous.auth.setPassword({ token, password: newPassword })).toEqual({ email: email.toLowerCase() });

    // One use only.
    const again = await expectTRPCError(anonymous.auth.setPassword({ token, password: "another-long-password" }), "BAD_REQUEST");
    expect(again.message).toMatch(/invalid, expired or already used/);
    expect(await anonymous.auth.inspectPasswordToken({ token })).toBeNull();

    expect(await verifyCredentials(db, { email, password: newPassword, ip: "10.1.1.1" })).toBe(invited.userId);
    expect((await serviceError(verifyCredentials(db, { email, password: "another-long-password", ip: "10.1.1.1" }))).code).toBe("UNAUTHORIZED");

    // The new member appears in the team with a password and can work in the organization.
    const member = (await owner.team.list()).find((m) => m.userId === invited.userId);
    expect(member).toMatchObject({ role: "initiator", isActive: true, hasPassword: true });
    expect((await callerFor(db, invited.userId).session.me()).org.id).toBe(org.id);
  });

  it("refuses an invalid email, naming the field", async () => {
    const { users: u } = await createOrgWithMembers(db, ["owner"]);
    const error = await expectTRPCError(callerFor(db, u.owner.id).team.invite({ email: "not an email", name: "X", role: "business" }), "BAD_REQUEST");
    expect(error.cause).toBeInstanceOf(ZodError);
    expect(z.flattenError(error.cause as ZodError).fieldErrors).toEqual({ email: ["Enter a valid email address."] });
  });

  it("a new password link replaces the earlier one", async () => {
    const { users: u } = await createOrgWithMembers(db, ["owner"]);
    const owner = callerFor(db, u.owner.id);
    const invited = await owner.team.invite({ email: `relink-${randomSuffix()}@test.local`, name: "Re Link", role: "business" });
    const first = tokenOf(invited.invitationLink);
    const second = tokenOf((await owner.team.createPasswordLink({ userId: invited.userId })).setPasswordLink);
    expect(second).not.toBe(first);
    const anonymous = callerFor(db, null);
    expect(await anonymous.auth.inspectPasswordToken({ token: first })).toBeNull();
    expect(await anonymous.auth.inspectPasswordToken({ token: second })).toMatchObject({ purpose: "invite", action: "set-password" });
    await expectTRPCError(anonymous.auth.setPassword({ token: first, password: "long-enough-password" }), "BAD_REQUEST");
    await anonymous.auth.setPassword({ token: second, password: "long-enough-password" });
  });

  it("refuses a duplicate invitation with CONFLICT", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "developer"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const error = await expectTRPCError(owner.team.invite({ email: u.developer.email.toUpperCase(), name: "Again", role: "business" }), "CONFLICT");
    expect(error.message).toContain("already a member");
    const email = `dup-${randomSuffix()}@test.local`;
    await owner.team.invite({ email, name: "Once", role: "approver" });
    await expectTRPCError(owner.team.invite({ email, name: "Twice", role: "approver" }), "CONFLICT");
    const rows = await db
      .select()
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(and(eq(memberships.orgId, org.id), eq(users.email, email)));
    expect(rows).toHaveLength(1);
    expect(rows[0]?.memberships.role).toBe("approver");
  });

  it("inviting an existing user makes a pending membership that grants nothing until its holder accepts", async () => {
    const a = await createOrgWithMembers(db, ["owner", "business"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const result = await callerFor(db, b.users.owner.id).team.invite({ email: a.users.business.email, name: "ignored", role: "approver" });
    expect(result).toEqual({
      userId: a.users.business.id,
      email: a.users.business.email,
      invitationLink: expect.stringMatching(/^\/set-password\?token=/),
      invitationEmail: "outbox",
    });
    expect((await callerFor(db, a.users.business.id).session.me()).organizations.map((o) => o.id)).toEqual([a.org.id]);
    await callerFor(db, a.users.business.id).invitations.accept({ orgId: b.org.id });
    const orgs = await callerFor(db, a.users.business.id).session.me();
    expect(orgs.organizations.map((o) => o.id).sort()).toEqual([a.org.id, b.org.id].sort());
  });
});

describe("audit events", () => {
  /** The transaction id that wrote a row (rows written by one transaction share it). */
  async function xminOf(table: "users" | "memberships" | "audit_events", where: ReturnType<typeof sql>) {
    const rows = await db.execute<{ xmin: string }>(sql`select xmin::text as xmin from ${sql.identifier(table)} where ${where}`);
    expect(rows).toHaveLength(1);
    return rows[0]!.xmin;
  }

  it("invite, role change and deactivation each write an audit row in the same transaction as the change", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "approver"]);
    const owner = callerFor(db, u.owner.id, org.id);

    const invited = await owner.team.invite({ email: `audit-${randomSuffix()}@test.local`, name: "Audited", role: "business" });
    await owner.team.changeRole({ userId: u.approver.id, role: "initiator" });
    await owner.team.setActive({ userId: u.approver.id, active: false });
    await owner.team.setActive({ userId: u.approver.id, active: true });

    const events = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.actorUserId, u.owner.id)))
      .orderBy(auditEvents.id);
    expect(events.map((e) => [e.action, e.targetId])).toEqual([
      ["user.invited", invited.userId],
      ["user.role_changed", u.approver.id],
      ["user.deactivated", u.approver.id],
      ["user.reactivated", u.approver.id],
    ]);
    expect(events[0]?.details).toEqual({ email: invited.email, role: "business" });
    expect(events[1]?.details).toEqual({ from: "approver", to: "initiator" });

    // Same transaction: the invited user, the membership and the audit row share one xmin.
    const inviteTx = await xminOf("audit_events", sql`id = ${events[0]!.id}`);
    expect(await xminOf("users", sql`id = ${invited.userId}`)).toBe(inviteTx);
    expect(await xminOf("memberships", sql`org_id = ${org.id} and user_id = ${invited.userId}`)).toBe(inviteTx);
    // The membership row was last written by the reactivation, in the same transaction as its audit row.
    expect(await xminOf("memberships", sql`org_id = ${org.id} and user_id = ${u.approver.id}`)).toBe(await xminOf("audit_events", sql`id = ${events[3]!.id}`));
    // Each change ran in its own transaction.
    expect(new Set(await Promise.all(events.map((e) => xminOf("audit_events", sql`id = ${e.id}`)))).size).toBe(4);
  });

  it("role change and deactivation commit together with their audit row (checked per change)", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "approver", "developer"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const membershipXmin = () => xminOf("memberships", sql`org_id = ${org.id} and user_id = ${u.developer.id}`);
    const lastAudit = async (action: string) => {
      const [row] = await db
        .select({ id: auditEvents.id })
        .from(auditEvents)
        .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, action), eq(auditEvents.targetId, u.developer.id)));
      expect(row).toBeDefined();
      return xminOf("audit_events", sql`id = ${row!.id}`);
    };
    await owner.team.changeRole({ userId: u.developer.id, role: "business" });
    expect(await membershipXmin()).toBe(await lastAudit("user.role_changed"));
    await owner.team.setActive({ userId: u.developer.id, active: false });
    expect(await membershipXmin()).toBe(await lastAudit("user.deactivated"));
  });

  it("when the audit row cannot be written, the change is rolled back", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "approver"]);
    const owner = callerFor(db, u.owner.id, org.id);
    const suffix = randomSuffix();
    const fn = `test_refuse_audit_${suffix}`;
    const trigger = `test_refuse_audit_${suffix}`;
    // Refuse audit rows of this organization only, so other test files are unaffected.
    await db.execute(sql.raw(`create function ${fn}() returns trigger language plpgsql as $$ begin raise exception 'audit refused'; end $$`));
    await db.execute(sql.raw(`create trigger ${trigger} before insert on audit_events for each row when (new.org_id = '${org.id}') execute function ${fn}()`));
    try {
      const email = `rollback-${randomSuffix()}@test.local`;
      await expectTRPCError(owner.team.invite({ email, name: "Rolled Back", role: "business" }), "INTERNAL_SERVER_ERROR");
      expect(await db.select().from(users).where(eq(users.email, email))).toHaveLength(0);

      await expectTRPCError(owner.team.changeRole({ userId: u.approver.id, role: "business" }), "INTERNAL_SERVER_ERROR");
      await expectTRPCError(owner.team.setActive({ userId: u.approver.id, active: false }), "INTERNAL_SERVER_ERROR");
      const [member] = await db
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, org.id), eq(memberships.userId, u.approver.id)));
      expect(member).toMatchObject({ role: "approver", isActive: true });
    } finally {
      await db.execute(sql.raw(`drop trigger ${trigger} on audit_events`));
      await db.execute(sql.raw(`drop function ${fn}()`));
    }
    // With the audit row writable again, the same change goes through.
    await owner.team.changeRole({ userId: u.approver.id, role: "business" });
    expect((await owner.team.list()).find((m) => m.userId === u.approver.id)?.role).toBe("business");
  });
});
