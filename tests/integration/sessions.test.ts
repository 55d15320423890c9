import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { auditEvents, loginAttempts, userSessions, users } from "@/db/schema";
import { clientAddress } from "@/server/http/client-address";
import { withClientAddress } from "@/server/http/web-server";
import { authOptions } from "@/server/auth/options";
import { verifyPassword } from "@/server/services/auth/password";
import { createUserSession, isSessionLive, liveSessionUserId, revokeSession, SESSION_MAX_AGE_SECONDS } from "@/server/services/auth/sessions";
import { SignInThrottled, verifyCredentials, type ThrottleClock } from "@/server/services/auth/verify-credentials";
import { ServiceError } from "@/server/services/errors";
import { addUserToOrganization } from "@/server/services/organization/create-organization";
import { buildContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";
import { callerFor, createOrgWithMembers, expectTRPCError, randomSuffix, TEST_PASSWORD, testDb } from "./helpers";

// The next-auth callbacks use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();

/** A tRPC caller as the browser's tRPC route builds it: a user and the session its cookie carries. */
const browserCaller = (userId: string, sessionId: string) => appRouter.createCaller(buildContext({ db, userId, sessionId, activeOrgId: null }));

async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, "expected a ServiceError, but the call succeeded").toBeInstanceOf(ServiceError);
  return error as ServiceError;
}

/** A clock that never really waits: sleeps are recorded and advance virtual time. */
function virtualClock(start = Date.now()) {
  const state = { t: start, sleeps: [] as number[] };
  const clock: ThrottleClock = {
    now: () => new Date(state.t),
    sleep: async (ms) => {
      state.sleeps.push(ms / 1000);
      state.t += ms;
    },
  };
  return { state, clock };
}

const uniqueIp = () => `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe("server-side sessions", () => {
  it("a session is live until revoked or expired, and only for its own user", async () => {
    const { users: u } = await createOrgWithMembers(db, ["business", "approver"]);
    const sid = await createUserSession(db, { userId: u.business.id, userAgent: "UA", ip: "192.0.2.1" });
    expect(await isSessionLive(db, sid, u.business.id)).toBe(true);
    expect(await isSessionLive(db, sid, u.approver.id)).toBe(false);
    expect(await liveSessionUserId(db, { sub: u.business.id, sid })).toBe(u.business.id);
    // A cookie without a session id (as every cookie issued before this change) counts as signed out.
    expect(await liveSessionUserId(db, { sub: u.business.id })).toBeNull();
    expect(await liveSessionUserId(db, { sub: u.business.id, sid: "not-a-uuid" })).toBeNull();
    // Expired: checked against the clock.
    const later = new Date(Date.now() + (SESSION_MAX_AGE_SECONDS + 1) * 1000);
    expect(await isSessionLive(db, sid, u.business.id, later)).toBe(false);
    await revokeSession(db, sid);
    expect(await liveSessionUserId(db, { sub: u.business.id, sid })).toBeNull();
  });

  it("sign-in creates a session row whose id the cookie carries; the session callback and sign-out honour it", async () => {
    const { users: u } = await createOrgWithMembers(db, ["initiator"]);
    const provider = authOptions.providers[0] as unknown as {
      options: { authorize: (c: Record<string, string>, req: { headers: Record<string, string> }) => Promise<{ id: string }> };
    };
    const ip = uniqueIp();
    const user = await provider.options.authorize(
      { email: u.initiator.email, password: TEST_PASSWORD },
      { headers: { "x-forwarded-for": ip, "user-agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0" } },
    );
    expect(user.id).toBe(u.initiator.id);

    const jwt = authOptions.callbacks!.jwt! as unknown as (p: { token: Record<string, unknown>; user?: unknown }) => Promise<Record<string, unknown>>;
    const session = authOptions.callbacks!.session! as unknown as (p: {
      session: { expires: string };
      token: Record<string, unknown>;
    }) => Promise<Record<string, unknown>>;
    const token = await jwt({ token: { jti: "x" }, user });
    expect(token.sub).toBe(u.initiator.id);
    expect(typeof token.sid).toBe("string");
    const [row] = await db
      .select()
      .from(userSessions)
      .where(eq(userSessions.id, token.sid as string));
    expect(row).toMatchObject({ userId: u.initiator.id, ip, userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/140.0", revokedAt: null });
    expect(row!.expiresAt.getTime() - row!.createdAt.getTime()).toBeGreaterThan((SESSION_MAX_AGE_SECONDS - 5) * 1000);
    expect(authOptions.session?.maxAge).toBe(SESSION_MAX_AGE_SECONDS);

    // A later request: the token passes through; the session callback answers the user while live.
    expect(await jwt({ token })).toBe(token);
    expect(await session({ session: { expires: "x" }, token })).toEqual({ expires: "x", user: { id: u.initiator.id } });

    await authOptions.events!.signOut!({ token } as never);
    const [after] = await db
      .select()
      .from(userSessions)
      .where(eq(userSessions.id, token.sid as string));
    expect(after!.revokedAt).not.toBeNull();
    expect(await session({ session: { expires: "x" }, token })).toEqual({});
  });
});

describe("profile: sign out everywhere, password change, name", () => {
  it("sign out everywhere ends every session of the account, this one included, and no one else's", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["approver", "business"]);
    const a = await createUserSession(db, { userId: u.approver.id });
    const b = await createUserSession(db, { userId: u.approver.id });
    const other = await createUserSession(db, { userId: u.business.id });

    const sessions = await browserCaller(u.approver.id, a).profile.sessions();
    expect(sessions.map((s) => [s.id, s.current]).sort()).toEqual(
      [
        [a, true],
        [b, false],
      ].sort(),
    );

    expect(await browserCaller(u.approver.id, a).profile.signOutEverywhere()).toEqual({ sessionsEnded: 2 });
    expect(await isSessionLive(db, a, u.approver.id)).toBe(false);
    expect(await isSessionLive(db, b, u.approver.id)).toBe(false);
    expect(await isSessionLive(db, other, u.business.id)).toBe(true);
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "user.signed_out_everywhere")));
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actorUserId: u.approver.id, targetId: u.approver.id });
  });

  it("ending one other session: own sessions only", async () => {
    const { users: u } = await createOrgWithMembers(db, ["approver", "business"]);
    const mine = await createUserSession(db, { userId: u.approver.id });
    const second = await createUserSession(db, { userId: u.approver.id });
    const theirs = await createUserSession(db, { userId: u.business.id });
    await expectTRPCError(browserCaller(u.approver.id, mine).profile.endSession({ sessionId: theirs }), "NOT_FOUND");
    expect(await isSessionLive(db, theirs, u.business.id)).toBe(true);
    expect(await browserCaller(u.approver.id, mine).profile.endSession({ sessionId: second })).toEqual({ ended: true, current: false });
    expect(await isSessionLive(db, second, u.approver.id)).toBe(false);
    expect(await isSessionLive(db, mine, u.approver.id)).toBe(true);
  });

  it("password change requires the current password, follows the rules, and ends every session", async () => {
    const first = await createOrgWithMembers(db, ["owner", "developer"]);
    const second = await createOrgWithMembers(db, ["owner"]);
    const dev = first.users.developer;
    // The developer also belongs to a second organization: the change is audited in both, and not
    // in a third one that merely invited them (a pending membership grants nothing).
    await addUserToOrganization(db, { orgId: second.org.id, email: dev.email, name: dev.name, role: "business" });
    const third = await createOrgWithMembers(db, ["owner"]);
    await callerFor(db, third.users.owner.id, third.org.id).team.invite({ email: dev.email, name: "x", role: "business" });
    const s1 = await createUserSession(db, { userId: dev.id });
    const s2 = await createUserSession(db, { userId: dev.id });
    const me = browserCaller(dev.id, s1);

    const wrong = await expectTRPCError(me.profile.changePassword({ currentPassword: "not-my-password", newPassword: "a-brand-new-password" }), "BAD_REQUEST");
    expect(wrong.message).toBe("The current password is not right.");
    const short = await expectTRPCError(me.profile.changePassword({ currentPassword: TEST_PASSWORD, newPassword: "short" }), "BAD_REQUEST");
    expect(short.message).toBe("Password must be at least 10 characters.");
    // Nothing changed so far: same hash, sessions live.
    expect(await isSessionLive(db, s1, dev.id)).toBe(true);

    expect(await me.profile.changePassword({ currentPassword: TEST_PASSWORD, newPassword: "a-brand-new-password" })).toEqual({ sessionsEnded: 2 });
    const [row] = await db.select().from(users).where(eq(users.id, dev.id));
    expect(await verifyPassword("a-brand-new-password", row!.passwordHash!)).toBe(true);
    expect(await isSessionLive(db, s1, dev.id)).toBe(false);
    expect(await isSessionLive(db, s2, dev.id)).toBe(false);
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(inArray(auditEvents.orgId, [first.org.id, second.org.id, third.org.id]), eq(auditEvents.action, "user.password_changed")));
    expect(audit.map((e) => e.orgId).sort()).toEqual([first.org.id, second.org.id].sort());
    expect(JSON.stringify(audit)).not.toContain("a-brand-new-password");

    expect(await verifyCredentials(db, { email: dev.email, password: "a-brand-new-password", ip: uniqueIp() })).toBe(dev.id);
    expect((await failure(verifyCredentials(db, { email: dev.email, password: TEST_PASSWORD, ip: uniqueIp() }))).code).toBe("UNAUTHORIZED");
  });

  it("guessing the current password through a stolen session is throttled like sign-in", async () => {
    const { users: u } = await createOrgWithMembers(db, ["initiator"]);
    const me = callerFor(db, u.initiator.id);
    for (let i = 0; i < 5; i++) {
      await expectTRPCError(me.profile.changePassword({ currentPassword: `guess-${i}-xxxxx`, newPassword: "a-brand-new-password" }), "BAD_REQUEST");
    }
    const throttled = await expectTRPCError(me.profile.changePassword({ currentPassword: TEST_PASSWORD, newPassword: "a-brand-new-password" }), "TOO_MANY_REQUESTS");
    expect(throttled.message).toMatch(/Too many failed sign-in attempts/);
    // Signing in from a real address is unaffected.
    expect(await verifyCredentials(db, { email: u.initiator.email, password: TEST_PASSWORD, ip: uniqueIp() })).toBe(u.initiator.id);
  });

  it("a signed-out caller cannot reach the profile", async () => {
    await expectTRPCError(callerFor(db, null).profile.get(), "UNAUTHORIZED");
    await expectTRPCError(callerFor(db, null).profile.signOutEverywhere(), "UNAUTHORIZED");
  });

  it("renaming yourself is audited in each of your organizations", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["business"]);
    const me = callerFor(db, u.business.id);
    await expectTRPCError(me.profile.updateName({ name: "   " }), "BAD_REQUEST");
    expect(await me.profile.updateName({ name: "  Bea Business " })).toEqual({ name: "Bea Business" });
    expect((await me.profile.get()).name).toBe("Bea Business");
    const [event] = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "user.name_changed")));
    expect(event?.details).toEqual({ from: u.business.name, to: "Bea Business" });
  });
});

describe("sign-in throttling", () => {
  it("the right password from a second address signs in while the first address is throttled", async () => {
    const { users: u } = await createOrgWithMembers(db, ["approver"]);
    const email = u.approver.email;
    const { clock } = virtualClock();
    const attacker = uniqueIp();
    for (let i = 0; i < 5; i++) {
      expect((await failure(verifyCredentials(db, { email, password: `wrong-${i}`, ip: attacker }, {}, clock))).code).toBe("UNAUTHORIZED");
    }
    const throttled = await failure(verifyCredentials(db, { email, password: TEST_PASSWORD, ip: attacker }, {}, clock));
    expect(throttled).toBeInstanceOf(SignInThrottled);
    expect(throttled.message).toMatch(/Too many failed sign-in attempts. Wait \d+ seconds and try again./);
    // Meanwhile the owner, from another address, signs in.
    expect(await verifyCredentials(db, { email, password: TEST_PASSWORD, ip: uniqueIp() }, {}, clock)).toBe(u.approver.id);
    expect((await failure(verifyCredentials(db, { email, password: TEST_PASSWORD, ip: attacker }, {}, clock))).code).toBe("TOO_MANY_REQUESTS");

    // Many more failures from rotating addresses (the old per-email lock tripped at 20 a minute):
    // the account is slowed down, and the right password still works.
    for (let i = 0; i < 20; i++) {
      await failure(verifyCredentials(db, { email, password: "wrong-password", ip: `203.0.113.${i}` }, {}, clock));
    }
    expect(await verifyCredentials(db, { email, password: TEST_PASSWORD, ip: uniqueIp() }, {}, clock)).toBe(u.approver.id);
  });

  it("an account under attack is slowed down progressively, never locked", async () => {
    const { users: u } = await createOrgWithMembers(db, ["developer"]);
    const email = u.developer.email;
    const { state, clock } = virtualClock();
    const policy = { accountDelayAfter: 3, accountMaxDelaySeconds: 8 };
    for (let i = 0; i < 8; i++) {
      await failure(verifyCredentials(db, { email, password: "wrong-password", ip: `203.0.113.${100 + i}` }, policy, clock));
    }
    // Failures 4..8 waited 1, 2, 4, 8, 8 seconds before being checked.
    expect(state.sleeps).toEqual([1, 2, 4, 8, 8]);
    // The owner, from an address of their own, gets in after the same wait.
    expect(await verifyCredentials(db, { email, password: TEST_PASSWORD, ip: uniqueIp() }, policy, clock)).toBe(u.developer.id);
    expect(state.sleeps.at(-1)).toBe(8);
  });

  it("limits one address across many emails (credential stuffing); other addresses are unaffected", async () => {
    const { users: u } = await createOrgWithMembers(db, ["business"]);
    const { clock } = virtualClock();
    const stuffer = uniqueIp();
    const policy = { ipMaxFailures: 6 };
    for (let i = 0; i < 6; i++) {
      await failure(verifyCredentials(db, { email: `victim-${i}-${randomSuffix()}@test.local`, password: "Summer2026!", ip: stuffer }, policy, clock));
    }
    const refused = await failure(verifyCredentials(db, { email: u.business.email, password: TEST_PASSWORD, ip: stuffer }, policy, clock));
    expect(refused.code).toBe("TOO_MANY_REQUESTS");
    expect(refused.message).toMatch(/from your network address. Wait 10 minutes/);
    expect(await verifyCredentials(db, { email: u.business.email, password: TEST_PASSWORD, ip: uniqueIp() }, policy, clock)).toBe(u.business.id);
    // Refused attempts are not stored as further failures.
    const rows = await db.select().from(loginAttempts).where(eq(loginAttempts.ip, stuffer));
    expect(rows).toHaveLength(6);
  });

  it("measures the guesses per hour one address gets against one account (virtual time, defaults)", async () => {
    const { users: u } = await createOrgWithMembers(db, ["approver"]);
    const start = Date.now() - 2 * 3600_000;
    const { state, clock } = virtualClock(start);
    const ip = uniqueIp();
    let guesses = 0;
    let refused = 0;
    // A patient attacker: retries exactly when told, never waits otherwise; each check takes 0.1 s.
    while (state.t < start + 3600_000) {
      try {
        await verifyCredentials(db, { email: u.approver.email, password: `guess-${guesses}`, ip }, {}, clock);
      } catch (error) {
        if (error instanceof SignInThrottled) {
          refused++;
          state.t += error.retryAfterSeconds * 1000;
          continue;
        }
        guesses++;
        state.t += 100;
      }
    }
    console.info(`[throttle measurement] one address, one account, defaults: ${guesses} password guesses in one hour (${refused} refusals)`);
    // 5 per (email, address) per 60 s, at most 30 s apart once the account delay is full: ≤ 2 a minute.
    expect(guesses).toBeGreaterThan(0);
    expect(guesses).toBeLessThanOrEqual(5 * 60);
  });
});

describe("client address", () => {
  async function echoServer(hops: number) {
    const server = http.createServer(
      withClientAddress((req, res) => {
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ xff: req.headers["x-forwarded-for"] ?? null, realIp: req.headers["x-real-ip"] ?? null }));
      }, hops),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    const port = (server.address() as AddressInfo).port;
    return { url: `http://127.0.0.1:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
  }

  it("with TRUSTED_PROXY_HOPS=0 a spoofed X-Forwarded-For does not change the address the app sees (real HTTP)", async () => {
    const echo = await echoServer(0);
    try {
      const res = await fetch(echo.url, { headers: { "x-forwarded-for": "6.6.6.6, 7.7.7.7", "x-real-ip": "8.8.8.8" } });
      expect(await res.json()).toEqual({ xff: "127.0.0.1", realIp: null });
    } finally {
      await echo.close();
    }
    expect(clientAddress("127.0.0.1", "6.6.6.6", 0)).toBe("127.0.0.1");
  });

  it("with one trusted proxy the address it appended is used, and what the client wrote to its left is not", async () => {
    const echo = await echoServer(1);
    try {
      const res = await fetch(echo.url, { headers: { "x-forwarded-for": "6.6.6.6, 198.51.100.23" } });
      expect(await res.json()).toEqual({ xff: "198.51.100.23", realIp: null });
    } finally {
      await echo.close();
    }
  });
});
