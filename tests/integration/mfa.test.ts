import { createHash } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { afterAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { auditEvents, loginAttempts, mfaRecoveryCodes, users } from "@/db/schema";
import { authOptions } from "@/server/auth/options";
import { totpCode } from "@/server/services/auth/mfa/totp";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { MFA_REQUIRED, verifySecondFactor } from "@/server/services/auth/mfa/verify-second-factor";
import { decryptSecret } from "@/server/services/crypto/secret-box";
import { ServiceError } from "@/server/services/errors";
import { MFA_ENROLMENT_REQUIRED_MESSAGE } from "@/server/trpc/init";
import * as walletsRoute from "@/app/api/v1/wallets/route";
import { callerFor, createOrgWithMembers, expectTRPCError, TEST_PASSWORD, testDb } from "./helpers";

// authorize() and the REST route use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
const STEP = 30_000;

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

/** Enrol through the tRPC procedures the Profile page uses; returns the secret and the recovery codes. */
async function enrol(userId: string) {
  const caller = callerFor(db, userId);
  const started = await caller.mfa.startEnrolment();
  const { recoveryCodes } = await caller.mfa.confirmEnrolment({ code: totpCode(started.secret) });
  return { secret: started.secret, recoveryCodes };
}

/** next-auth's credentials authorize() as the sign-in route runs it. */
function authorize(credentials: Record<string, string>) {
  const provider = authOptions.providers[0] as unknown as {
    options: { authorize: (c: Record<string, string>, req: { headers: Record<string, string> }) => Promise<{ id: string } | null> };
  };
  return provider.options.authorize(credentials, { headers: { "x-forwarded-for": "203.0.113.9", "user-agent": "vitest" } });
}

async function authorizeError(credentials: Record<string, string>): Promise<string> {
  try {
    await authorize(credentials);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected sign-in to be refused");
}

describe("MFA enrolment", () => {
  it("stores the secret encrypted as pending, turns on only with a right code, and returns 10 recovery codes stored hashed", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["initiator"]);
    const caller = callerFor(db, u.initiator.id);
    expect(await caller.mfa.status()).toMatchObject({ enabled: false, enrolmentStarted: false });

    const started = await caller.mfa.startEnrolment();
    expect(started.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(started.otpauthUri).toContain(`secret=${started.secret}`);
    expect(started.qr.size).toBeGreaterThanOrEqual(21);
    expect(started.qr.path).toMatch(/^M\d+ \d+h\d+v1h-\d+z/);
    let row = await db.query.users.findFirst({ where: eq(users.id, u.initiator.id) });
    expect(row?.mfaEnabledAt).toBeNull();
    expect(row?.mfaPendingSecretEncrypted).toMatch(/^v1:/);
    expect(row?.mfaPendingSecretEncrypted).not.toContain(started.secret);
    expect(decryptSecret(row!.mfaPendingSecretEncrypted!, "mfa-totp")).toBe(started.secret);
    expect(await caller.mfa.status()).toMatchObject({ enabled: false, enrolmentStarted: true });

    const wrong = String((Number(totpCode(started.secret)) + 500_000) % 1_000_000).padStart(6, "0");
    const refused = await expectTRPCError(caller.mfa.confirmEnrolment({ code: wrong }), "BAD_REQUEST");
    expect(refused.message).toMatch(/does not match/);
    expect((await db.query.users.findFirst({ where: eq(users.id, u.initiator.id) }))?.mfaEnabledAt).toBeNull();

    const { recoveryCodes } = await caller.mfa.confirmEnrolment({ code: totpCode(started.secret) });
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);
    for (const code of recoveryCodes) expect(code).toMatch(/^[a-z2-9]{5}-[a-z2-9]{5}$/);

    row = await db.query.users.findFirst({ where: eq(users.id, u.initiator.id) });
    expect(row?.mfaEnabledAt).toBeInstanceOf(Date);
    expect(row?.mfaPendingSecretEncrypted).toBeNull();
    expect(decryptSecret(row!.mfaSecretEncrypted!, "mfa-totp")).toBe(started.secret);
    const stored = await db.select().from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, u.initiator.id));
    expect(stored.map((r) => r.codeHash).sort()).toEqual(recoveryCodes.map((c) => createHash("sha256").update(c.replace("-", "")).digest("hex")).sort());
    expect(JSON.stringify(stored)).not.toContain(recoveryCodes[0]!.replace("-", ""));

    expect(await caller.mfa.status()).toMatchObject({ enabled: true, recoveryCodesLeft: 10 });
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "user.mfa_enabled")));
    expect(audit.map((a) => a.targetId)).toEqual([u.initiator.id]);
    // A second enrolment cannot silently replace the working app.
    await expectTRPCError(caller.mfa.startEnrolment(), "CONFLICT");
  });
});

describe("mfa procedures", () => {
  it("need a signed-in user", async () => {
    const anonymous = callerFor(db, null);
    await expectTRPCError(anonymous.mfa.status(), "UNAUTHORIZED");
    await expectTRPCError(anonymous.mfa.startEnrolment(), "UNAUTHORIZED");
    await expectTRPCError(anonymous.mfa.confirmEnrolment({ code: "123456" }), "UNAUTHORIZED");
    await expectTRPCError(anonymous.mfa.regenerateRecoveryCodes({ code: "123456" }), "UNAUTHORIZED");
    await expectTRPCError(anonymous.mfa.disable({ password: TEST_PASSWORD, code: "123456" }), "UNAUTHORIZED");
  });
});

describe("verifySecondFactor", () => {
  it("accepts a TOTP code once: the same code (same time step) is refused the second time", async () => {
    const { users: u } = await createOrgWithMembers(db, ["approver"]);
    const { secret } = await enrol(u.approver.id);
    // The enrolment code's step is used; the next step's code is within the accepted window.
    const next = totpCode(secret, Date.now() + STEP);
    expect(await verifySecondFactor(db, { userId: u.approver.id, code: next, ip: "10.1.0.1" })).toMatchObject({ method: "totp" });
    const replay = await serviceError(verifySecondFactor(db, { userId: u.approver.id, code: next, ip: "10.1.0.1" }));
    expect(replay.code).toBe("UNAUTHORIZED");
    expect(replay.message).toMatch(/already used/);
    // The enrolment code (an earlier step) is refused too.
    const earlier = await serviceError(verifySecondFactor(db, { userId: u.approver.id, code: totpCode(secret), ip: "10.1.0.1" }));
    expect(earlier.message).toMatch(/already used/);
  });

  it("a recovery code works exactly once, even when two requests race with it", async () => {
    const { users: u } = await createOrgWithMembers(db, ["business"]);
    const { recoveryCodes } = await enrol(u.business.id);
    const code = recoveryCodes[3]!;
    const results = await Promise.allSettled([
      verifySecondFactor(db, { userId: u.business.id, code: code.toUpperCase(), ip: "10.1.0.2" }),
      verifySecondFactor(db, { userId: u.business.id, code: code.replace("-", " "), ip: "10.1.0.2" }),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const ok = results.find((r) => r.status === "fulfilled") as PromiseFulfilledResult<{ method: string; recoveryCodesLeft: number }>;
    expect(ok.value).toEqual({ method: "recovery", recoveryCodesLeft: 9 });
    const again = await serviceError(verifySecondFactor(db, { userId: u.business.id, code, ip: "10.1.0.2" }));
    expect(again.message).toMatch(/not valid or was already used/);
    // Another unused code still works.
    expect(await verifySecondFactor(db, { userId: u.business.id, code: recoveryCodes[4]!, ip: "10.1.0.2" })).toMatchObject({ method: "recovery" });
    expect(await callerFor(db, u.business.id).mfa.status()).toMatchObject({ recoveryCodesLeft: 8 });
  });

  it("after 5 wrong codes the account is refused for a while, even with the right code, and says how long to wait", async () => {
    const { users: u } = await createOrgWithMembers(db, ["developer"]);
    const { secret, recoveryCodes } = await enrol(u.developer.id);
    for (let i = 0; i < 5; i++) {
      const e = await serviceError(verifySecondFactor(db, { userId: u.developer.id, code: `00000${i}`, ip: `10.2.0.${i}` }));
      expect(e.code).toBe("UNAUTHORIZED");
    }
    const right = await serviceError(verifySecondFactor(db, { userId: u.developer.id, code: totpCode(secret, Date.now() + STEP), ip: "10.9.9.9" }));
    expect(right.code).toBe("TOO_MANY_REQUESTS");
    expect(right.message).toMatch(/Too many wrong two-factor codes \(5 in 5 minutes\)\. Wait \d+ minutes? and try again\./);
    // A recovery code is refused too, and is not used up by the refusal.
    expect((await serviceError(verifySecondFactor(db, { userId: u.developer.id, code: recoveryCodes[0]!, ip: "10.9.9.9" }))).code).toBe("TOO_MANY_REQUESTS");
    expect(await callerFor(db, u.developer.id).mfa.status()).toMatchObject({ recoveryCodesLeft: 10 });
    const attempts = await db
      .select()
      .from(loginAttempts)
      .where(and(eq(loginAttempts.email, u.developer.email), eq(loginAttempts.kind, "mfa")));
    expect(attempts.filter((a) => !a.succeeded)).toHaveLength(5);
  });
});

describe("sign-in second step (next-auth authorize)", () => {
  it("answers MFA_REQUIRED after the right password, then accepts the code; a wrong code is refused", async () => {
    const { users: u } = await createOrgWithMembers(db, ["approver", "initiator"]);
    // Without MFA nothing changes.
    expect(await authorize({ email: u.initiator.email, password: TEST_PASSWORD })).toMatchObject({ id: u.initiator.id });

    const { secret, recoveryCodes } = await enrol(u.approver.id);
    expect(await authorizeError({ email: u.approver.email, password: TEST_PASSWORD })).toBe(MFA_REQUIRED);
    // A wrong password never reaches the code step.
    expect(await authorizeError({ email: u.approver.email, password: "wrong-password-1", code: totpCode(secret) })).toBe("Wrong email or password.");
    expect(await authorizeError({ email: u.approver.email, password: TEST_PASSWORD, code: "123 45" })).toMatch(/not valid/);
    expect(await authorize({ email: u.approver.email, password: TEST_PASSWORD, code: totpCode(secret, Date.now() + STEP) })).toMatchObject({
      id: u.approver.id,
    });
    expect(await authorize({ email: u.approver.email, password: TEST_PASSWORD, code: recoveryCodes[0]! })).toMatchObject({ id: u.approver.id });
    expect(await authorizeError({ email: u.approver.email, password: TEST_PASSWORD, code: recoveryCodes[0]! })).toMatch(/already used/);
  });
});

describe("managing MFA", () => {
  it("turning it off needs the current password and a code; new recovery codes replace the old ones", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["financial_controller"]);
    const id = u.financial_controller.id;
    const { recoveryCodes } = await enrol(id);
    const caller = callerFor(db, id);

    const regen = await caller.mfa.regenerateRecoveryCodes({ code: recoveryCodes[0]! });
    expect(regen.recoveryCodes).toHaveLength(10);
    expect(regen.recoveryCodes.some((c) => recoveryCodes.includes(c))).toBe(false);
    expect((await serviceError(verifySecondFactor(db, { userId: id, code: recoveryCodes[1]!, ip: "10.3.0.1" }))).code).toBe("UNAUTHORIZED");

    const wrongPassword = await expectTRPCError(caller.mfa.disable({ password: "not-my-password", code: regen.recoveryCodes[0]! }), "BAD_REQUEST");
    expect(wrongPassword.message).toMatch(/password/);
    await expectTRPCError(caller.mfa.disable({ password: TEST_PASSWORD, code: "000000" }), "BAD_REQUEST");
    expect(await caller.mfa.status()).toMatchObject({ enabled: true });

    await caller.mfa.disable({ password: TEST_PASSWORD, code: regen.recoveryCodes[1]! });
    const row = await db.query.users.findFirst({ where: eq(users.id, id) });
    expect(row).toMatchObject({ mfaEnabledAt: null, mfaSecretEncrypted: null, mfaLastUsedStep: null });
    expect(await db.select().from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, id))).toEqual([]);
    expect(await authorize({ email: u.financial_controller.email, password: TEST_PASSWORD })).toMatchObject({ id });

    const actions = (await db.select().from(auditEvents).where(eq(auditEvents.orgId, org.id))).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(["user.mfa_enabled", "user.mfa_recovery_codes_regenerated", "user.mfa_disabled"]));
  });
});

describe("organization setting: MFA required for all members", () => {
  it("only an owner with MFA can turn it on; members without MFA are refused by org procedures until they enrol; API keys keep working", async () => {
    const { org, users: u } = await createOrgWithMembers(db, ["owner", "financial_controller", "business"]);
    const owner = callerFor(db, u.owner.id);
    const key = (await createApiKey({ db, actor: { userId: u.owner.id }, org: { id: org.id }, role: "owner" }, { name: "mfa test", scopes: ["read:all"] })).key;

    const notEnrolled = await expectTRPCError(owner.organization.update({ mfaRequired: true }), "BAD_REQUEST");
    expect(notEnrolled.message).toBe("Turn on two-factor authentication for your own account (Profile) before requiring it for all members.");
    await enrol(u.financial_controller.id);
    const notOwner = await expectTRPCError(callerFor(db, u.financial_controller.id).organization.update({ mfaRequired: true }), "FORBIDDEN");
    expect(notOwner.message).toMatch(/Only an owner/);
    expect((await owner.organization.get()).mfaRequired).toBe(false);

    await enrol(u.owner.id);
    expect((await owner.organization.update({ mfaRequired: true })).mfaRequired).toBe(true);
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "organization.mfa_required_on")));
    expect(audit).toHaveLength(1);

    // The business member has no MFA: every org-scoped procedure refuses, the account-level ones work.
    const member = callerFor(db, u.business.id);
    for (const call of [() => member.organization.get(), () => member.session.me(), () => member.disbursements.list({})]) {
      const refused = await expectTRPCError(call(), "FORBIDDEN");
      expect(refused.message).toBe(MFA_ENROLMENT_REQUIRED_MESSAGE);
    }
    expect(await member.mfa.status()).toMatchObject({ enabled: false, requiredBy: [org.name] });
    // Enrolled members and API keys are not affected.
    expect((await owner.organization.get()).mfaRequired).toBe(true);
    const rest = await walletsRoute.GET(new Request("http://localhost/api/v1/wallets", { headers: { authorization: `Bearer ${key}` } }));
    expect(rest.status).toBe(200);

    await enrol(u.business.id);
    expect((await member.organization.get()).id).toBe(org.id);

    // Turning MFA off is allowed, and sends the member back to enrolment.
    const row = await db.query.users.findFirst({ where: eq(users.id, u.business.id) });
    const codes = await member.mfa.regenerateRecoveryCodes({ code: totpCode(decryptSecret(row!.mfaSecretEncrypted!, "mfa-totp"), Date.now() + STEP) });
    await member.mfa.disable({ password: TEST_PASSWORD, code: codes.recoveryCodes[0]! });
    await expectTRPCError(member.organization.get(), "FORBIDDEN");
  });
});

describe("operator: npm run cli -- reset-mfa", () => {
  it("removes a user's second factor and recovery codes, ends their sessions and audits it; refuses a user without MFA", async () => {
    const { execFile } = await import("node:child_process");
    const path = await import("node:path");
    const { createUserSession, isSessionLive } = await import("@/server/services/auth/sessions");
    const run = (args: string[]) =>
      new Promise<{ code: number; out: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.join("node_modules", "tsx", "dist", "cli.mjs"), "scripts/cli.ts", ...args],
          { env: { ...process.env, DATABASE_URL: inject("databaseUrl"), LOG_LEVEL: "silent" } },
          (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
        );
      });
    const { org, users: members } = await createOrgWithMembers(db, ["owner"]);
    const owner = members.owner;
    await enrol(owner.id);
    const sid = await createUserSession(db, { userId: owner.id });

    const done = await run(["reset-mfa", "--email", owner.email]);
    expect(done.out).toContain(`Two-factor authentication of ${owner.email} removed`);
    expect(done.code).toBe(0);
    const [row] = await db.select().from(users).where(eq(users.id, owner.id));
    expect(row!.mfaEnabledAt).toBeNull();
    expect(row!.mfaSecretEncrypted).toBeNull();
    expect(await db.select().from(mfaRecoveryCodes).where(eq(mfaRecoveryCodes.userId, owner.id))).toEqual([]);
    expect(await isSessionLive(db, sid, owner.id)).toBe(false);
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, org.id), eq(auditEvents.action, "user.mfa_reset_by_operator")));
    expect(audit).toHaveLength(1);
    // Signing in needs only the password again.
    expect(await authorize({ email: owner.email, password: TEST_PASSWORD })).toMatchObject({ id: owner.id });

    const again = await run(["reset-mfa", "--email", owner.email]);
    expect(again.code).not.toBe(0);
    expect(again.out).toContain("has no two-factor authentication to reset");
  }, 120_000);
});
