import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { apiKeys, auditEvents } from "@/db/schema";
import { API_SCOPES, grantableScopes, hasScope, PERMISSION_SCOPES, scopesAllow } from "@/server/domain/api-scopes";
import { ALL_PERMISSIONS, can } from "@/server/domain/permissions";
import { ROLES, type Role } from "@/server/domain/roles";
import { authenticateApiKey, LAST_USED_RESOLUTION_MS } from "@/server/services/api-keys/authenticate-api-key";
import { API_KEY_PATTERN, createApiKey } from "@/server/services/api-keys/create-api-key";
import { listApiKeys } from "@/server/services/api-keys/list-api-keys";
import { revokeApiKey } from "@/server/services/api-keys/revoke-api-key";
import { assertCan, type OrgContext } from "@/server/services/context";
import { ServiceError } from "@/server/services/errors";
import { callerFor, createOrgWithMembers, expectTRPCError, randomSuffix, testDb, type TestOrg } from "./helpers";

const db = testDb();

const ctxOf = (org: TestOrg, role: Role): OrgContext => ({ db, actor: { userId: org.users[role].id }, org: { id: org.org.id }, role });

async function expectUnauthorized(promise: Promise<unknown>) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).code).toBe("UNAUTHORIZED");
  expect((error as ServiceError).message).toBe("Not authorized");
}

const auth = (key: string | null, ip: string | null = "198.51.100.7") => authenticateApiKey(db, { authorization: key === null ? null : `Bearer ${key}`, ip });

describe("scope table (pure)", () => {
  it("write implies read, <level>:all covers every area, read never implies write", () => {
    expect(hasScope(["write:payments"], "read:payments")).toBe(true);
    expect(hasScope(["read:all"], "read:receivers")).toBe(true);
    expect(hasScope(["write:all"], "read:wallets")).toBe(true);
    expect(hasScope(["read:all"], "write:disbursements")).toBe(false);
    expect(hasScope(["read:payments"], "write:payments")).toBe(false);
    expect(hasScope(["write:payments"], "write:disbursements")).toBe(false);
  });

  it("no scope ever unlocks managing users, API keys or integrations", () => {
    expect(PERMISSION_SCOPES["users:manage"]).toBeNull();
    expect(PERMISSION_SCOPES["api_keys:manage"]).toBeNull();
    expect(PERMISSION_SCOPES["integrations:manage"]).toBeNull();
    // Receivers' one-time codes and registration links: people in the app only (docs/security.md).
    expect(PERMISSION_SCOPES["receivers:secrets"]).toBeNull();
    expect(scopesAllow([...API_SCOPES], "receivers:secrets")).toBe(false);
    expect(scopesAllow([...API_SCOPES], "users:manage")).toBe(false);
    expect(scopesAllow([...API_SCOPES], "api_keys:manage")).toBe(false);
    expect(scopesAllow([...API_SCOPES], "integrations:manage")).toBe(false);
  });

  it("every other permission has at least one scope", () => {
    for (const p of ALL_PERMISSIONS.filter((p) => p !== "users:manage" && p !== "api_keys:manage" && p !== "integrations:manage" && p !== "receivers:secrets")) {
      expect(scopesAllow(["write:all"], p), p).toBe(true);
    }
  });

  it("a role may grant only scopes whose permissions it holds", () => {
    expect(grantableScopes("owner")).toEqual([...API_SCOPES]);
    expect(grantableScopes("developer").sort()).toEqual(["read:assets", "read:organization", "read:wallets", "write:assets", "write:wallets", "read:connections"].sort());
    for (const role of ROLES) {
      for (const scope of grantableScopes(role)) {
        for (const p of ALL_PERMISSIONS) if (scopesAllow([scope], p)) expect(can(role, p), `${role} grants ${scope} → ${p}`).toBe(true);
      }
    }
  });
});

describe("creating keys", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createOrgWithMembers(db);
  });

  it("returns sdp_<prefix>_<secret> once and stores only a salted hash", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: `Payroll ${randomSuffix()}`, scopes: ["read:all", "write:disbursements"] });
    expect(created.key).toMatch(API_KEY_PATTERN);
    const [, prefix, secret] = API_KEY_PATTERN.exec(created.key)!;
    expect(created.prefix).toBe(prefix);
    expect(created.hint).toBe(`sdp_${prefix}_…`);
    expect(created.status).toBe("active");
    const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, created.id));
    expect(row!.createdBy).toBe(org.users.owner.id);
    expect(row!.secretHash).toMatch(/^hmac-sha256\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    expect(row!.secretHash).not.toContain(secret!);
    // The listing never carries the hash or the secret.
    const listed = JSON.stringify(await listApiKeys(ctxOf(org, "owner")));
    expect(listed).not.toContain(secret!);
    expect(listed).not.toContain(row!.secretHash);
    expect(listed).toContain(created.id);
    // Audited without the secret.
    const audit = await db.select().from(auditEvents).where(eq(auditEvents.targetId, created.id));
    expect(audit.map((a) => a.action)).toEqual(["api_key.created"]);
    expect(JSON.stringify(audit)).not.toContain(secret!);
  });

  it("two keys never share a salt or hash", async () => {
    const a = await createApiKey(ctxOf(org, "owner"), { name: "A", scopes: ["read:wallets"] });
    const b = await createApiKey(ctxOf(org, "owner"), { name: "A", scopes: ["read:wallets"] });
    const rows = await db.select().from(apiKeys).where(eq(apiKeys.orgId, org.org.id));
    const hashes = rows.filter((r) => r.id === a.id || r.id === b.id).map((r) => r.secretHash.split("$")[1]);
    expect(new Set(hashes).size).toBe(2);
  });

  it("normalizes scopes and allowed addresses", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), {
      name: "Normalized",
      scopes: ["read:payments", "write:payments", "read:all", "read:wallets"],
      allowed_ips: [" 203.0.113.7 ", "10.0.0.0/8", "2001:DB8::/32", "203.0.113.7", ""],
    });
    expect(created.scopes).toEqual(["read:all", "write:payments"]);
    expect(created.allowed_ips).toEqual(["203.0.113.7", "10.0.0.0/8", "2001:db8::/32"]);
  });

  it("refuses unknown scopes, no scopes, a past expiry and bad addresses", async () => {
    const ctx = ctxOf(org, "owner");
    await expect(createApiKey(ctx, { name: "x", scopes: ["read:everything" as never] })).rejects.toMatchObject({ name: "ZodError" });
    await expect(createApiKey(ctx, { name: "x", scopes: [] })).rejects.toMatchObject({ name: "ZodError" });
    await expect(createApiKey(ctx, { name: "x", scopes: ["read:all"], expires_at: "2020-01-01" })).rejects.toMatchObject({ name: "ZodError" });
    await expect(createApiKey(ctx, { name: "x", scopes: ["read:all"], allowed_ips: ["300.1.1.1"] })).rejects.toMatchObject({ name: "ZodError" });
    await expect(createApiKey(ctx, { name: "x", scopes: ["read:all"], allowed_ips: ["10.0.0.0/33"] })).rejects.toMatchObject({ name: "ZodError" });
    await expect(createApiKey(ctx, { name: " ", scopes: ["read:all"] })).rejects.toMatchObject({ name: "ZodError" });
  });

  it("a date-only expiry means the start of that day in UTC", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "Dated", scopes: ["read:all"], expires_at: "2099-01-01" });
    expect(created.expires_at).toBe("2099-01-01T00:00:00.000Z");
  });

  it("a developer cannot grant scopes beyond their role (no reading disbursements through a key)", async () => {
    const error = await createApiKey(ctxOf(org, "developer"), { name: "Sneaky", scopes: ["read:disbursements"] }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "BAD_REQUEST", extras: { scopes: expect.stringContaining("read:disbursements") } });
    const ok = await createApiKey(ctxOf(org, "developer"), { name: "Catalog sync", scopes: ["write:wallets", "read:assets"] });
    expect([...ok.scopes].sort()).toEqual(["read:assets", "write:wallets"]);
  });

  it("a key's own context can never create, list or revoke keys", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "All", scopes: ["write:all"] });
    const keyCtx = await auth(created.key);
    expect(keyCtx.role).toBe("owner");
    expect(() => assertCan(keyCtx, "api_keys:manage")).toThrow(ServiceError);
    expect(() => assertCan(keyCtx, "users:manage")).toThrow(ServiceError);
    await expect(createApiKey(keyCtx, { name: "child", scopes: ["read:all"] })).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(listApiKeys(keyCtx)).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(revokeApiKey(keyCtx, { id: created.id })).rejects.toMatchObject({ code: "FORBIDDEN" });
  });
});

describe("the tRPC router: only owner and developer manage keys", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createOrgWithMembers(db);
  });

  it.each(ROLES.filter((r) => !can(r, "api_keys:manage")))("%s is refused every procedure", async (role) => {
    const caller = callerFor(db, org.users[role].id, org.org.id);
    await expectTRPCError(caller.apiKeys.list(), "FORBIDDEN");
    await expectTRPCError(caller.apiKeys.create({ name: "x", scopes: ["read:wallets"] }), "FORBIDDEN");
    await expectTRPCError(caller.apiKeys.revoke({ id: "00000000-0000-4000-8000-000000000000" }), "FORBIDDEN");
  });

  it.each(ROLES.filter((r) => can(r, "api_keys:manage")))("%s creates, lists and revokes", async (role) => {
    const caller = callerFor(db, org.users[role].id, org.org.id);
    const created = await caller.apiKeys.create({ name: `By ${role}`, scopes: ["read:wallets"], expires_at: "2099-06-30", allowed_ips: ["192.0.2.0/24"] });
    expect(created.key).toMatch(API_KEY_PATTERN);
    const listed = (await caller.apiKeys.list()).find((k) => k.id === created.id);
    expect(listed).toMatchObject({ name: `By ${role}`, status: "active", created_by: { id: org.users[role].id }, allowed_ips: ["192.0.2.0/24"] });
    expect(listed).not.toHaveProperty("key");
    const revoked = await caller.apiKeys.revoke({ id: created.id });
    expect(revoked.status).toBe("revoked");
    // Idempotent.
    expect((await caller.apiKeys.revoke({ id: created.id })).status).toBe("revoked");
  });

  it("validation errors come back per field", async () => {
    const caller = callerFor(db, org.users.owner.id, org.org.id);
    const error = await expectTRPCError(caller.apiKeys.create({ name: "", scopes: [], allowed_ips: ["nope"] }), "BAD_REQUEST");
    const issues = (error.cause as unknown as { issues: { path: string[] }[] }).issues;
    expect(issues.map((i) => i.path[0]).sort()).toEqual(["allowed_ips", "name", "scopes"]);
  });

  it("another organization's key is not found, and not revoked", async () => {
    const other = await createOrgWithMembers(db, ["owner"]);
    const theirs = await createApiKey(ctxOf(other as TestOrg, "owner"), { name: "Theirs", scopes: ["read:all"] });
    const caller = callerFor(db, org.users.owner.id, org.org.id);
    await expectTRPCError(caller.apiKeys.revoke({ id: theirs.id }), "NOT_FOUND");
    expect((await caller.apiKeys.list()).map((k) => k.id)).not.toContain(theirs.id);
    expect((await auth(theirs.key)).org.id).toBe(other.org.id);
  });
});

describe("authenticating keys", () => {
  let org: TestOrg;
  beforeAll(async () => {
    org = await createOrgWithMembers(db);
  });

  it("a valid key gives its organization, its creator and its scopes", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "ok", scopes: ["read:payments"] });
    const ctx = await auth(created.key);
    expect(ctx).toMatchObject({ org: { id: org.org.id }, actor: { userId: org.users.owner.id }, role: "owner", scopes: ["read:payments"], apiKeyId: created.id });
    // Scopes bound the owner role: reading passes, writing does not.
    expect(() => assertCan(ctx, "disbursements:read")).not.toThrow();
    expect(() => assertCan(ctx, "payments:cancel")).toThrow(ServiceError);
    expect(() => assertCan(ctx, "disbursements:write")).toThrow(ServiceError);
  });

  it("refuses a missing, malformed, unknown or wrong key alike", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "victim", scopes: ["read:all"] });
    const [, prefix, secret] = API_KEY_PATTERN.exec(created.key)!;
    await expectUnauthorized(auth(null));
    await expectUnauthorized(authenticateApiKey(db, { authorization: "Basic abc", ip: null }));
    await expectUnauthorized(authenticateApiKey(db, { authorization: `Token ${created.key}`, ip: null })); // another scheme
    await expectUnauthorized(auth("sdp_short_secret"));
    await expectUnauthorized(auth(`sdp_ZZZZZZZZZZ_${secret}`));
    const flipped = secret!.slice(0, -1) + (secret!.endsWith("A") ? "B" : "A");
    await expectUnauthorized(auth(`sdp_${prefix}_${flipped}`));
    // The real one still works, case-insensitive scheme.
    await expect(authenticateApiKey(db, { authorization: `bearer ${created.key}`, ip: null })).resolves.toMatchObject({ apiKeyId: created.id });
    // As SDP: the key alone, without "Bearer ", is accepted too (issue 15).
    await expect(authenticateApiKey(db, { authorization: created.key, ip: null })).resolves.toMatchObject({ apiKeyId: created.id });
  });

  it("refuses a revoked key", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "revoked", scopes: ["read:all"] });
    await auth(created.key);
    await revokeApiKey(ctxOf(org, "developer"), { id: created.id });
    await expectUnauthorized(auth(created.key));
  });

  it("refuses an expired key from the moment it expires", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "expiring", scopes: ["read:all"], expires_at: "2099-01-01" });
    await auth(created.key);
    await db
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(apiKeys.id, created.id));
    await expectUnauthorized(auth(created.key));
    expect((await listApiKeys(ctxOf(org, "owner"))).find((k) => k.id === created.id)?.status).toBe("expired");
  });

  it("honours allowed addresses and CIDR blocks, IPv4-mapped IPv6 included", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "fenced", scopes: ["read:all"], allowed_ips: ["203.0.113.7", "10.1.0.0/16", "2001:db8::/32"] });
    await expect(auth(created.key, "203.0.113.7")).resolves.toBeTruthy();
    await expect(auth(created.key, "10.1.200.3")).resolves.toBeTruthy();
    await expect(auth(created.key, "::ffff:10.1.0.9")).resolves.toBeTruthy();
    await expect(auth(created.key, "2001:db8:1::5")).resolves.toBeTruthy();
    await expectUnauthorized(auth(created.key, "203.0.113.8"));
    await expectUnauthorized(auth(created.key, "10.2.0.1"));
    await expectUnauthorized(auth(created.key, null));
    await expectUnauthorized(auth(created.key, "not-an-ip"));
  });

  it("writes last_used_at at most once per minute", async () => {
    const created = await createApiKey(ctxOf(org, "owner"), { name: "busy", scopes: ["read:all"] });
    const lastUsed = async () => (await db.select({ t: apiKeys.lastUsedAt }).from(apiKeys).where(eq(apiKeys.id, created.id)))[0]!.t;
    expect(await lastUsed()).toBeNull();
    await auth(created.key);
    const first = await lastUsed();
    expect(first).toBeInstanceOf(Date);
    await Promise.all([auth(created.key), auth(created.key), auth(created.key)]);
    expect((await lastUsed())!.getTime()).toBe(first!.getTime());
    // Once the resolution has passed, the next use writes again.
    await db
      .update(apiKeys)
      .set({ lastUsedAt: new Date(Date.now() - LAST_USED_RESOLUTION_MS - 1000) })
      .where(eq(apiKeys.id, created.id));
    const before = new Date();
    await auth(created.key);
    expect((await lastUsed())!.getTime()).toBeGreaterThanOrEqual(before.getTime());
  });
});
