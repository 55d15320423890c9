import { and, desc, eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { auditEvents, memberships, messages, users } from "@/db/schema";
import { hashPassword } from "@/server/services/auth/password";
import { RESET_ANSWER, RESET_LIMITS, requestPasswordReset } from "@/server/services/auth/request-password-reset";
import { resolveMembership } from "@/server/services/auth/resolve-membership";
import { createUserSession, isSessionLive } from "@/server/services/auth/sessions";
import { verifyCredentials } from "@/server/services/auth/verify-credentials";
import { ServiceError } from "@/server/services/errors";
import { callerFor, createOrgWithMembers, expectTRPCError, orgSnapshot, randomSuffix, TEST_PASSWORD, testDb } from "./helpers";

const db = testDb();

const tokenOf = (link: string) => {
  expect(link).toMatch(/\/set-password\?token=/);
  return new URL(link, "http://x").searchParams.get("token")!;
};

/** An organization's data as its members see it, without the password-link rows (another organization may add one). */
async function dataOf(orgId: string) {
  const { tokens: _tokens, ...rest } = await orgSnapshot(db, orgId);
  return rest;
}

async function auditActions(orgId: string, targetId: string) {
  const rows = await db
    .select({ action: auditEvents.action, actor: auditEvents.actorUserId })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.targetId, targetId)))
    .orderBy(auditEvents.id);
  return rows.map((r) => r.action);
}

async function accountMessages(userId: string) {
  return db.select().from(messages).where(eq(messages.userId, userId)).orderBy(desc(messages.createdAt));
}

async function signInFails(email: string, password: string) {
  const error = await verifyCredentials(db, { email, password, ip: `198.18.${Math.floor(Math.random() * 250)}.1` }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

describe("takeover, variant 1: another organization's owner and an account that has a password", () => {
  it("gets a pending invitation that grants nothing, and no link B gets can set the password", async () => {
    const a = await createOrgWithMembers(db, ["owner", "business"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const victim = a.users.business;
    const attacker = callerFor(db, b.users.owner.id, b.org.id);
    const anonymous = callerFor(db, null);
    const before = await dataOf(a.org.id);
    const [userBefore] = await db.select().from(users).where(eq(users.id, victim.id));

    const invited = await attacker.team.invite({ email: victim.email.toUpperCase(), name: "Attacker's Name", role: "owner" });
    expect(invited).toEqual({ userId: victim.id, email: victim.email, invitationLink: expect.stringMatching(/^\/set-password\?token=/), invitationEmail: "outbox" });

    // Pending: no membership that grants anything, the account untouched, A's data unchanged.
    const [pending] = await db
      .select()
      .from(memberships)
      .where(and(eq(memberships.orgId, b.org.id), eq(memberships.userId, victim.id)));
    expect(pending).toMatchObject({ acceptedAt: null, role: "owner", invitedBy: b.users.owner.id });
    expect(await resolveMembership(db, victim.id, b.org.id)).toMatchObject({ org: { id: a.org.id }, role: "business" });
    expect((await callerFor(db, victim.id, b.org.id).session.me()).organizations.map((o) => o.id)).toEqual([a.org.id]);
    const [userAfter] = await db.select().from(users).where(eq(users.id, victim.id));
    expect(userAfter).toEqual(userBefore);
    expect(await dataOf(a.org.id)).toEqual(before);

    // B's team list shows only what B's owner typed or knows: the email, not the account's name.
    const row = (await attacker.team.list()).find((m) => m.userId === victim.id);
    expect(row).toMatchObject({ name: victim.email, invitationPending: true, hasPassword: false });
    expect(JSON.stringify(row)).not.toContain(victim.name);

    // The invitation link leads to "sign in to accept", never to a password form.
    const inviteToken = tokenOf(invited.invitationLink);
    expect(await anonymous.auth.inspectPasswordToken({ token: inviteToken })).toMatchObject({ action: "sign-in", orgName: b.org.name });
    const refused = await expectTRPCError(anonymous.auth.setPassword({ token: inviteToken, password: "attacker-password-1" }), "FORBIDDEN");
    expect(refused.message).toMatch(/already has a password or belongs to another organization/);

    // "New link" for the pending invitation: again only an invitation link, which cannot set the password either.
    const relink = tokenOf((await attacker.team.createPasswordLink({ userId: victim.id })).setPasswordLink);
    await expectTRPCError(anonymous.auth.setPassword({ token: relink, password: "attacker-password-2" }), "FORBIDDEN");
    // Nor can B have a reset e-mail sent for someone who has not joined.
    await expectTRPCError(attacker.team.sendPasswordReset({ userId: victim.id }), "BAD_REQUEST");

    // The victim's password still works; the attacker's do not; A's data is as it was.
    expect(await verifyCredentials(db, { email: victim.email, password: TEST_PASSWORD, ip: "198.18.0.1" })).toBe(victim.id);
    expect((await signInFails(victim.email, "attacker-password-1")).code).toBe("UNAUTHORIZED");
    expect((await signInFails(victim.email, "attacker-password-2")).code).toBe("UNAUTHORIZED");
    expect(await dataOf(a.org.id)).toEqual(before);
  });

  it("an owner cannot mint a set-password link for a member who has a password, even in their own organization", async () => {
    const a = await createOrgWithMembers(db, ["owner", "developer"]);
    const error = await expectTRPCError(callerFor(db, a.users.owner.id).team.createPasswordLink({ userId: a.users.developer.id }), "BAD_REQUEST");
    expect(error.message).toMatch(/no password yet and belongs to no other organization/);
  });
});

describe("takeover, variant 2: an invited account without a password, invited again by another organization", () => {
  it("keeps A's link working; B's link cannot set the password", async () => {
    const a = await createOrgWithMembers(db, ["owner"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const anonymous = callerFor(db, null);
    const email = `fresh-${randomSuffix()}@test.local`;
    const fromA = await callerFor(db, a.users.owner.id).team.invite({ email, name: "Fresh Person", role: "approver" });
    const fromB = await callerFor(db, b.users.owner.id).team.invite({ email, name: "Someone Else", role: "owner" });
    expect(fromB.userId).toBe(fromA.userId);
    const tokenA = tokenOf(fromA.invitationLink);
    const tokenB = tokenOf(fromB.invitationLink);

    // A second organization's invitation never kills the first link.
    expect(await anonymous.auth.inspectPasswordToken({ token: tokenA })).toMatchObject({ action: "set-password", orgName: a.org.name });
    expect(await anonymous.auth.inspectPasswordToken({ token: tokenB })).toMatchObject({ action: "sign-in", orgName: b.org.name });
    await expectTRPCError(anonymous.auth.setPassword({ token: tokenB, password: "attacker-password-1" }), "FORBIDDEN");
    const relinkB = tokenOf((await callerFor(db, b.users.owner.id).team.createPasswordLink({ userId: fromB.userId })).setPasswordLink);
    await expectTRPCError(anonymous.auth.setPassword({ token: relinkB, password: "attacker-password-2" }), "FORBIDDEN");
    const [user] = await db.select().from(users).where(eq(users.id, fromA.userId));
    expect(user?.passwordHash).toBeNull();

    // The real invitee uses A's link; B's invitation stays pending for them to decide.
    await anonymous.auth.setPassword({ token: tokenA, password: "the-real-password" });
    expect(await verifyCredentials(db, { email, password: "the-real-password", ip: "198.18.1.1" })).toBe(fromA.userId);
    const me = await callerFor(db, fromA.userId, b.org.id).session.me();
    expect(me).toMatchObject({ org: { id: a.org.id }, role: "approver" });
    expect(me.organizations.map((o) => o.id)).toEqual([a.org.id]);
    expect((await callerFor(db, fromA.userId).invitations.list()).map((i) => i.orgId)).toEqual([b.org.id]);
  });

  it("a link of the organization that alone brought the account in sets the password and accepts its pending membership", async () => {
    // The account exists without a password and belongs to no organization any more (A revoked it).
    const a = await createOrgWithMembers(db, ["owner"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const email = `orphan-${randomSuffix()}@test.local`;
    const fromA = await callerFor(db, a.users.owner.id).team.invite({ email, name: "Orphan", role: "approver" });
    const fromB = await callerFor(db, b.users.owner.id).team.invite({ email, name: "Orphan", role: "business" });
    await callerFor(db, a.users.owner.id).team.revokeInvitation({ userId: fromA.userId });
    expect(await callerFor(db, null).auth.inspectPasswordToken({ token: tokenOf(fromA.invitationLink) })).toBeNull();
    await callerFor(db, null).auth.setPassword({ token: tokenOf(fromB.invitationLink), password: "orphan-password-1" });
    expect(await resolveMembership(db, fromB.userId)).toMatchObject({ org: { id: b.org.id }, role: "business" });
    expect(await auditActions(b.org.id, fromB.userId)).toEqual(["user.invited", "user.invitation_accepted"]);
  });
});

describe("inviting does not reveal whether an account exists", () => {
  it("answers, e-mails and lists a new email and an existing account the same way", async () => {
    const a = await createOrgWithMembers(db, ["owner", "initiator"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const owner = callerFor(db, b.users.owner.id, b.org.id);
    const newEmail = `new-${randomSuffix()}@test.local`;
    const existing = await owner.team.invite({ email: a.users.initiator.email, name: "Typed Name", role: "initiator" });
    const created = await owner.team.invite({ email: newEmail, name: "Typed Name", role: "initiator" });
    expect(Object.keys(existing).sort()).toEqual(["email", "invitationEmail", "invitationLink", "userId"]);
    expect(existing.invitationEmail).toBe(created.invitationEmail);
    expect(Object.keys(created).sort()).toEqual(Object.keys(existing).sort());
    expect(created.invitationLink).toMatch(/^\/set-password\?token=[A-Za-z0-9_-]{43}$/);
    expect(existing.invitationLink).toMatch(/^\/set-password\?token=[A-Za-z0-9_-]{43}$/);

    // Both get the same invitation e-mail, with an absolute link, kept out of the Outbox page.
    for (const answer of [existing, created]) {
      const [mail] = await accountMessages(answer.userId);
      expect(mail).toMatchObject({ type: "ACCOUNT_INVITATION", orgId: b.org.id, destination: answer.email, channel: "EMAIL", status: "SUCCESS" });
      expect(mail!.subject).toBe(`Invitation to join ${b.org.name}`);
      expect(mail!.body).toContain(`http://localhost:3000${answer.invitationLink}`);
    }
    const outbox = await owner.messages.list({});
    expect(outbox.data.filter((m) => m.destination === newEmail || m.destination === a.users.initiator.email)).toEqual([]);

    const list = await owner.team.list();
    const strip = (email: string) => {
      const { userId: _u, email: _e, name, createdAt: _c, ...rest } = list.find((m) => m.email === email)!;
      return { ...rest, nameIsEmail: name === email };
    };
    expect(strip(a.users.initiator.email)).toEqual(strip(newEmail));
    expect(strip(newEmail)).toMatchObject({ invitationPending: true, hasPassword: false, nameIsEmail: true });

    // Inviting a member of this organization again stays a clear conflict (pending or not).
    await expectTRPCError(owner.team.invite({ email: newEmail, name: "Again", role: "business" }), "CONFLICT");
    await expectTRPCError(owner.team.invite({ email: a.users.initiator.email, name: "Again", role: "business" }), "CONFLICT");
  });
});

describe("pending invitations: the account holder accepts or declines", () => {
  it("lists, accepts (access from then on) and declines, with audit rows in the inviting organization", async () => {
    const a = await createOrgWithMembers(db, ["owner", "developer"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const c = await createOrgWithMembers(db, ["owner"]);
    const holder = a.users.developer;
    const fromB = await callerFor(db, b.users.owner.id).team.invite({ email: holder.email, name: "x", role: "financial_controller" });
    await callerFor(db, c.users.owner.id).team.invite({ email: holder.email, name: "x", role: "business" });
    const me = callerFor(db, holder.id);

    const listed = await me.invitations.list();
    expect(listed).toEqual([
      expect.objectContaining({
        orgId: b.org.id,
        orgName: b.org.name,
        role: "financial_controller",
        invitedByName: b.users.owner.name,
        invitedByEmail: b.users.owner.email,
      }),
      expect.objectContaining({ orgId: c.org.id, orgName: c.org.name, role: "business", invitedByName: c.users.owner.name }),
    ]);
    expect(listed[0]!.invitedAt).toBeInstanceOf(Date);
    // Only the holder's own invitations: someone else accepting B's invitation for them finds nothing.
    await expectTRPCError(callerFor(db, a.users.owner.id).invitations.accept({ orgId: b.org.id }), "NOT_FOUND");
    await expectTRPCError(callerFor(db, null).invitations.list(), "UNAUTHORIZED");

    expect(await me.invitations.accept({ orgId: b.org.id })).toEqual({ orgId: b.org.id, orgName: b.org.name, role: "financial_controller" });
    expect(await callerFor(db, holder.id, b.org.id).session.me()).toMatchObject({ org: { id: b.org.id }, role: "financial_controller" });
    // The invitation link served its purpose.
    expect(await callerFor(db, null).auth.inspectPasswordToken({ token: tokenOf(fromB.invitationLink) })).toBeNull();
    await expectTRPCError(me.invitations.accept({ orgId: b.org.id }), "NOT_FOUND");

    await me.invitations.decline({ orgId: c.org.id });
    expect(
      await db
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, c.org.id), eq(memberships.userId, holder.id))),
    ).toEqual([]);
    expect(await me.invitations.list()).toEqual([]);
    expect((await callerFor(db, holder.id).session.me()).organizations.map((o) => o.id).sort()).toEqual([a.org.id, b.org.id].sort());

    expect(await auditActions(b.org.id, holder.id)).toEqual(["user.invited", "user.invitation_accepted"]);
    expect(await auditActions(c.org.id, holder.id)).toEqual(["user.invited", "user.invitation_declined"]);
    const [accepted] = await db
      .select({ actor: auditEvents.actorUserId })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, b.org.id), eq(auditEvents.action, "user.invitation_accepted")));
    expect(accepted?.actor).toBe(holder.id);
  });

  it("an account whose only memberships are pending signs in and sees them, but reaches no organization", async () => {
    const b = await createOrgWithMembers(db, ["owner"]);
    const email = `outsider-${randomSuffix()}@test.local`;
    const [outsider] = await db
      .insert(users)
      .values({ email, name: "Outsider", passwordHash: await hashPassword(TEST_PASSWORD) })
      .returning();
    await callerFor(db, b.users.owner.id).team.invite({ email, name: "x", role: "developer" });
    expect(await verifyCredentials(db, { email, password: TEST_PASSWORD, ip: "198.18.2.1" })).toBe(outsider!.id);
    expect(await resolveMembership(db, outsider!.id, b.org.id)).toBeNull();
    await expectTRPCError(callerFor(db, outsider!.id, b.org.id).organization.get(), "FORBIDDEN");
    expect((await callerFor(db, outsider!.id).invitations.list()).map((i) => i.orgId)).toEqual([b.org.id]);
    // After declining there is nothing left: sign-in is refused like a deactivated account.
    await callerFor(db, outsider!.id).invitations.decline({ orgId: b.org.id });
    expect((await signInFails(email, TEST_PASSWORD)).code).toBe("FORBIDDEN");
  });
});

describe("the Team page: revoke, remove, deactivate", () => {
  it("revokes a pending invitation: membership and links gone, audited; a joined member is removed instead", async () => {
    const a = await createOrgWithMembers(db, ["owner", "approver"]);
    const owner = callerFor(db, a.users.owner.id, a.org.id);
    const invited = await owner.team.invite({ email: `revoke-${randomSuffix()}@test.local`, name: "To Revoke", role: "business" });
    expect(await owner.team.revokeInvitation({ userId: invited.userId })).toEqual({ userId: invited.userId });
    expect((await owner.team.list()).some((m) => m.userId === invited.userId)).toBe(false);
    expect(await callerFor(db, null).auth.inspectPasswordToken({ token: tokenOf(invited.invitationLink) })).toBeNull();
    await expectTRPCError(callerFor(db, null).auth.setPassword({ token: tokenOf(invited.invitationLink), password: "long-enough-pass" }), "BAD_REQUEST");
    expect(await auditActions(a.org.id, invited.userId)).toEqual(["user.invited", "user.invitation_revoked"]);

    const joined = await expectTRPCError(owner.team.revokeInvitation({ userId: a.users.approver.id }), "BAD_REQUEST");
    expect(joined.message).toMatch(/Remove from organization/);
    await expectTRPCError(owner.team.revokeInvitation({ userId: a.users.owner.id }), "BAD_REQUEST");
  });

  it("removing a member ends every session of theirs at once and is audited; never yourself", async () => {
    const a = await createOrgWithMembers(db, ["owner", "approver"]);
    const owner = callerFor(db, a.users.owner.id, a.org.id);
    const s1 = await createUserSession(db, { userId: a.users.approver.id });
    const s2 = await createUserSession(db, { userId: a.users.approver.id });
    const ownerSession = await createUserSession(db, { userId: a.users.owner.id });
    expect(await isSessionLive(db, s1, a.users.approver.id)).toBe(true);

    await owner.team.remove({ userId: a.users.approver.id });
    expect(await isSessionLive(db, s1, a.users.approver.id)).toBe(false);
    expect(await isSessionLive(db, s2, a.users.approver.id)).toBe(false);
    expect(await isSessionLive(db, ownerSession, a.users.owner.id)).toBe(true);
    expect(
      await db
        .select()
        .from(memberships)
        .where(and(eq(memberships.orgId, a.org.id), eq(memberships.userId, a.users.approver.id))),
    ).toEqual([]);
    expect(await auditActions(a.org.id, a.users.approver.id)).toEqual(["user.added_by_operator", "user.removed"]);
    await expectTRPCError(callerFor(db, a.users.approver.id, a.org.id).organization.get(), "FORBIDDEN");
    expect((await expectTRPCError(owner.team.remove({ userId: a.users.owner.id }), "BAD_REQUEST")).message).toMatch(/yourself/);
  });

  it("deactivating a member ends their sessions too", async () => {
    const a = await createOrgWithMembers(db, ["owner", "initiator"]);
    const session = await createUserSession(db, { userId: a.users.initiator.id });
    await callerFor(db, a.users.owner.id, a.org.id).team.setActive({ userId: a.users.initiator.id, active: false });
    expect(await isSessionLive(db, session, a.users.initiator.id)).toBe(false);
  });
});

describe("forgot password", () => {
  it("e-mails a working one-time link to an existing account and answers the same for an unknown address", async () => {
    const a = await createOrgWithMembers(db, ["owner", "developer"]);
    const b = await createOrgWithMembers(db, ["owner"]);
    const holder = a.users.developer;
    // The holder belongs to two organizations: only they can reset, through their own e-mail.
    await callerFor(db, b.users.owner.id).team.invite({ email: holder.email, name: "x", role: "business" });
    await callerFor(db, holder.id).invitations.accept({ orgId: b.org.id });
    const session = await createUserSession(db, { userId: holder.id });

    const known = await callerFor(db, null).auth.requestPasswordReset({ email: ` ${holder.email.toUpperCase()} ` });
    const unknownEmail = `nobody-${randomSuffix()}@test.local`;
    const unknown = await requestPasswordReset(db, { email: unknownEmail, ip: "198.18.3.1" });
    expect(known).toEqual({ message: RESET_ANSWER });
    expect(unknown).toEqual(known);
    expect(RESET_ANSWER).toMatch(/^If an account exists for that address, we sent/);
    expect(await db.select().from(messages).where(eq(messages.destination, unknownEmail))).toEqual([]);

    const [mail] = await accountMessages(holder.id);
    expect(mail).toMatchObject({ type: "PASSWORD_RESET", orgId: null, destination: holder.email, channel: "EMAIL", status: "SUCCESS" });
    const link = /(http:\/\/localhost:3000\/set-password\?token=[A-Za-z0-9_-]+)/.exec(mail!.body)?.[1];
    expect(link).toBeDefined();
    const token = tokenOf(link!);
    expect(await callerFor(db, null).auth.inspectPasswordToken({ token })).toMatchObject({ purpose: "reset", action: "set-password", orgName: null });
    await callerFor(db, null).auth.setPassword({ token, password: "my-new-password-1" });
    expect(await verifyCredentials(db, { email: holder.email, password: "my-new-password-1", ip: "198.18.3.2" })).toBe(holder.id);
    // A reset signs the account out everywhere.
    expect(await isSessionLive(db, session, holder.id)).toBe(false);
    // Reset e-mails are account messages: no organization's Outbox lists them.
    const outbox = await callerFor(db, a.users.owner.id, a.org.id).messages.list({});
    expect(outbox.data.some((m) => m.destination === holder.email)).toBe(false);
  });

  it("throttles per e-mail address and per client address, whether or not an account exists", async () => {
    const a = await createOrgWithMembers(db, ["owner"]);
    const ip = `198.18.4.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < RESET_LIMITS.perEmailPerHour; i++) {
      await requestPasswordReset(db, { email: a.users.owner.email, ip: `${ip}-${i}` });
    }
    const tooMany = await requestPasswordReset(db, { email: a.users.owner.email, ip: "198.18.4.251" }).catch((e: unknown) => e);
    expect(tooMany).toMatchObject({ code: "TOO_MANY_REQUESTS" });
    expect((await accountMessages(a.users.owner.id)).filter((m) => m.type === "PASSWORD_RESET")).toHaveLength(RESET_LIMITS.perEmailPerHour);

    const addressIp = `198.18.5.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < RESET_LIMITS.perIpPerHour; i++) {
      await requestPasswordReset(db, { email: `spray-${i}-${randomSuffix()}@test.local`, ip: addressIp });
    }
    const fromAddress = await requestPasswordReset(db, { email: `spray-${randomSuffix()}@test.local`, ip: addressIp }).catch((e: unknown) => e);
    expect(fromAddress).toMatchObject({ code: "TOO_MANY_REQUESTS" });
  });

  it("an owner sends a member a reset e-mail without ever seeing the link", async () => {
    const a = await createOrgWithMembers(db, ["owner", "approver"]);
    const result = await callerFor(db, a.users.owner.id, a.org.id).team.sendPasswordReset({ userId: a.users.approver.id });
    expect(result).toEqual({ email: a.users.approver.email });
    expect(JSON.stringify(result)).not.toContain("token");
    const [mail] = await accountMessages(a.users.approver.id);
    expect(mail).toMatchObject({ type: "PASSWORD_RESET", orgId: null, destination: a.users.approver.email });
    expect(await auditActions(a.org.id, a.users.approver.id)).toContain("user.password_reset_sent");
  });
});
