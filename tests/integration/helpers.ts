import { randomBytes } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { asc, eq, inArray, sql, type SQL } from "drizzle-orm";
import { afterAll, expect, inject } from "vitest";
import { createDb, type Db } from "@/db/client";
import { payments, receivers } from "@/db/schema";
import { ROLES, type Role } from "@/server/domain/roles";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
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
  return Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: "query" | "mutation" | "subscription" } }>).map(([path, procedure]) => ({
    path,
    type: procedure._def.type,
  }));
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
 * memberships, its members' user rows and password tokens, its audit trail, its catalog (assets,
 * wallets and their links), disbursements with their files, payments, receivers with their
 * verifications and wallets, and its API keys.
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
  const rows = async (query: SQL) => [...(await db.execute(query))];
  return {
    organization: [...organization],
    members: [...members],
    tokens: [...tokens],
    audit: [...audit],
    assets: await rows(sql`select * from assets where org_id = ${orgId} order by id`),
    wallets: await rows(sql`select * from wallets where org_id = ${orgId} order by id`),
    walletAssets: await rows(sql`select wa.* from wallet_assets wa join wallets w on w.id = wa.wallet_id where w.org_id = ${orgId} order by wa.wallet_id, wa.asset_id`),
    disbursements: await rows(sql`select * from disbursements where org_id = ${orgId} order by id`),
    disbursementFiles: await rows(sql`select * from disbursement_files where org_id = ${orgId} order by disbursement_id`),
    payments: await rows(sql`select * from payments where org_id = ${orgId} order by id`),
    receivers: await rows(sql`select * from receivers where org_id = ${orgId} order by id`),
    receiverVerifications: await rows(sql`select * from receiver_verifications where org_id = ${orgId} order by receiver_id, verification_field`),
    receiverWallets: await rows(sql`select * from receiver_wallets where org_id = ${orgId} order by id`),
    apiKeys: await rows(sql`select * from api_keys where org_id = ${orgId} order by id`),
  };
}

/** Strings that identify an organization's data; none may appear in what another organization sees. */
export function identifiersOf(org: TestOrg): string[] {
  return [org.org.id, org.org.slug, org.org.name, ...Object.values<TestUser>(org.users).flatMap((u) => [u.id, u.email])];
}

// +447911 numbers are valid UK mobiles (libphonenumber) only for the next digits 1, 2, 7 and 8.
let phoneCounter = 100_000 + Math.floor(Math.random() * 190_000);

/** The next UK mobile number (+447911 1xxxxx or 2xxxxx), unique within this test file. */
export function nextUkMobile(): string {
  phoneCounter = phoneCounter >= 299_999 ? 100_000 : phoneCounter + 1;
  return `+447911${phoneCounter}`;
}

/** What `seedOrgData` made: the demo catalog, a READY disbursement with its payments and receivers, and an API key. */
export type OrgData = {
  catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;
  disbursement: { id: string; name: string };
  /** Payments in line order: one left DRAFT, one READY and one FAILED (the last two set directly in the database), one more DRAFT. */
  payments: { all: string[]; draft: string; ready: string; failed: string };
  receivers: { id: string; phone: string; externalId: string }[];
  receiverWalletIds: string[];
  apiKey: { id: string; name: string; prefix: string };
};

/**
 * Give an organization made by `createOrgWithMembers` (with an owner) real data through the real
 * services: its demo catalog, a PHONE_NUMBER/DATE_OF_BIRTH disbursement made READY by importing a
 * four-row CSV, one payment set READY and one FAILED, and an API key (read:all).
 */
export async function seedOrgData(db: Db, org: TestOrg): Promise<OrgData> {
  const owner = (org.users as Partial<Record<Role, TestUser>>).owner;
  if (!owner) throw new Error("seedOrgData needs an organization with an owner");
  const ctx: OrgContext = { db, actor: { userId: owner.id }, org: { id: org.org.id }, role: "owner" };
  const suffix = randomSuffix();
  const catalog = await seedDemoCatalog(db, org.org.id);
  const created = await createDisbursement(ctx, {
    name: `Seeded ${suffix}`,
    wallet_id: catalog.wallet.id,
    asset_id: catalog.usdc.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  const rows = ["10.50", "20", "30.25", "5"].map((amount, i) => ({ phone: nextUkMobile(), externalId: `rcv-${suffix}-${i + 1}`, amount, dob: `1990-01-0${i + 2}` }));
  const csv = ["phone,id,amount,verification", ...rows.map((r) => `${r.phone},${r.externalId},${r.amount},${r.dob}`)].join("\n");
  const ready = await importInstructions(ctx, { disbursementId: created.id, fileName: `seeded-${suffix}.csv`, content: Buffer.from(csv) });
  if (ready.status !== "READY" || ready.total_payments !== rows.length)
    throw new Error(`seeding left the disbursement ${ready.status} with ${ready.total_payments} payments`);

  const paymentRows = await db
    .select({ id: payments.id, receiverId: payments.receiverId, receiverWalletId: payments.receiverWalletId })
    .from(payments)
    .where(eq(payments.disbursementId, created.id))
    .orderBy(asc(payments.lineNumber));
  const [draft, readyPayment, failed] = paymentRows;
  if (!draft || !readyPayment || !failed) throw new Error("seeding made too few payments");
  await db.update(payments).set({ status: "READY" }).where(eq(payments.id, readyPayment.id));
  await db.update(payments).set({ status: "FAILED", statusMessage: "seeded failure" }).where(eq(payments.id, failed.id));

  const receiverRows = await db
    .select({ id: receivers.id, phone: receivers.phoneNumber, externalId: receivers.externalId })
    .from(receivers)
    .where(
      inArray(
        receivers.id,
        paymentRows.map((p) => p.receiverId),
      ),
    );
  const key = await createApiKey(ctx, { name: `Seeded key ${suffix}`, scopes: ["read:all"] });

  return {
    catalog,
    disbursement: { id: created.id, name: created.name },
    payments: { all: paymentRows.map((p) => p.id), draft: draft.id, ready: readyPayment.id, failed: failed.id },
    receivers: receiverRows.map((r) => ({ id: r.id, phone: r.phone ?? "", externalId: r.externalId })),
    receiverWalletIds: paymentRows.map((p) => p.receiverWalletId),
    apiKey: { id: key.id, name: key.name, prefix: key.prefix },
  };
}

/** Strings that identify what `seedOrgData` made; none may appear in what another organization sees. */
export function dataIdentifiersOf(data: OrgData): string[] {
  return [
    data.catalog.xlm.id,
    data.catalog.usdc.id,
    data.catalog.usdc.issuer,
    data.catalog.wallet.id,
    data.disbursement.id,
    data.disbursement.name,
    ...data.payments.all,
    ...data.receivers.flatMap((r) => [r.id, r.phone, r.externalId]),
    ...data.receiverWalletIds,
    data.apiKey.id,
    data.apiKey.name,
    data.apiKey.prefix,
  ].filter((s) => s !== "");
}
