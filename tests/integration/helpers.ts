import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { sql } from "drizzle-orm";
import { afterAll, expect, inject } from "vitest";
import { createDb, type Db } from "@/db/client";
import { ROLES, type Role } from "@/server/domain/roles";
import { addUserToOrganization, createOrganization } from "@/server/services/organization/create-organization";
import { buildContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";
import { createDatabase, dropDatabase, uniqueDatabaseName } from "./global-setup";

/** Every factory-made user signs in with this password. */
export const TEST_PASSWORD = "TestPassword-123";

export const randomSuffix = () => randomBytes(5).toString("hex");

let cached: ReturnType<typeof createDb> | undefined;

/**
 * The shared, migrated test database (one pool per test file). Call it at the top level of the
 * file (or in a describe body): the pool is closed in that file's afterAll.
 */
export function testDb(): Db {
  if (!cached) {
    const handle = createDb(inject("databaseUrl"), { max: 5 });
    cached = handle;
    afterAll(async () => {
      if (cached === handle) cached = undefined;
      await handle.sql.end({ timeout: 5 });
    });
  }
  return cached.db;
}

/** A throw-away empty database on the test server; `drop()` removes it (call it in afterAll). */
export async function freshDatabase(prefix = "sdp_fresh") {
  const admin = inject("adminDatabaseUrl");
  const name = uniqueDatabaseName(prefix);
  const url = await createDatabase(admin, name);
  return { name, url, drop: () => dropDatabase(admin, name) };
}

export type TestUser = { id: string; email: string; name: string; role: Role };

/**
 * A uniquely named organization with one user per role (each with TEST_PASSWORD), made with the
 * operator verbs the CLI and the first-run seed use.
 */
export async function createOrgWithMembers<R extends Role = Role>(db: Db, roles: readonly R[] = ROLES as readonly Role[] as readonly R[]) {
  const suffix = randomSuffix();
  const org = await createOrganization(db, { name: `Test Org ${suffix}`, slug: `test-org-${suffix}` });
  const users = {} as Record<R, TestUser>;
  for (const role of roles) {
    const email = `${role}.${suffix}.${randomSuffix()}@test.local`;
    const name = `${role} ${suffix}`;
    const user = await addUserToOrganization(db, { orgId: org.id, email, name, role, password: TEST_PASSWORD });
    users[role] = { id: user.id, email: user.email, name: user.name, role };
  }
  return { org, users };
}

export type TestOrg = Awaited<ReturnType<typeof createOrgWithMembers>>;

/** A tRPC caller acting as `userId` (null: signed out) with the given organization cookie. */
export function callerFor(db: Db, userId: string | null, orgId?: string | null, options: { resHeaders?: Headers } = {}) {
  return appRouter.createCaller(buildContext({ db, userId, activeOrgId: orgId ?? null, resHeaders: options.resHeaders }));
}

export type Caller = ReturnType<typeof callerFor>;

/** Call a procedure by its dotted path ("team.list"), for tests that enumerate the router. */
export function callPath(caller: Caller, path: string, input?: unknown): Promise<unknown> {
  let target: unknown = caller;
  for (const key of path.split(".")) target = (target as Record<string, unknown>)[key];
  if (typeof target !== "function") throw new Error(`No procedure at ${path}`);
  return (target as (input?: unknown) => Promise<unknown>)(input);
}

/** Every procedure path of the app router with its type. */
export function allProcedures(): { path: string; type: "query" | "mutation" | "subscription" }[] {
  // At run time `_def.procedures` is flat, keyed by dotted path (its static type is nested).
  return Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>).map(
    ([path, procedure]) => ({ path, type: procedure._def.type }),
  );
}

/** Await a promise expected to fail with a TRPCError of this code; returns the error. */
export async function expectTRPCError(promise: Promise<unknown>, code: TRPCError["code"]): Promise<TRPCError> {
  let error: unknown;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  expect(error, `expected ${code}, but the call succeeded`).toBeInstanceOf(TRPCError);
  expect((error as TRPCError).code, (error as Error).message).toBe(code);
  return error as TRPCError;
}

/**
 * Everything an organization owns, for "nothing changed" assertions: the organization row, its
 * memberships, its members' user rows and password tokens, and its audit trail.
 */
export async function orgSnapshot(db: Db, orgId: string) {
  const organization = await db.execute(sql`select * from organizations where id = ${orgId}`);
  const members = await db.execute(
    sql`select m.*, u.email, u.name as user_name, u.password_hash, u.updated_at as user_updated_at
        from memberships m join users u on u.id = m.user_id where m.org_id = ${orgId} order by m.user_id`,
  );
  const tokens = await db.execute(
    sql`select t.* from password_tokens t join memberships m on m.user_id = t.user_id
        where m.org_id = ${orgId} order by t.id`,
  );
  const audit = await db.execute(sql`select * from audit_events where org_id = ${orgId} order by id`);
  return { organization: [...organization], members: [...members], tokens: [...tokens], audit: [...audit] };
}

/** Strings that identify an organization's data; none may appear in what another organization sees. */
export function identifiersOf(org: TestOrg): string[] {
  return [
    org.org.id,
    org.org.slug,
    org.org.name,
    ...Object.values<TestUser>(org.users).flatMap((u) => [u.id, u.email]),
  ];
}
