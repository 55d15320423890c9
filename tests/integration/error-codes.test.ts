/**
 * Domain error reasons on the wire (docs/errors.md): the tRPC answer the browser parses carries
 * `data.reason` beside `data.code`, for the refusals the UI branches on. Requests go through the
 * real fetch adapter, error formatter and superjson, as app/api/trpc/[trpc]/route.ts serves them.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { eq } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { organizations } from "@/db/schema";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { buildContext } from "@/server/trpc/context";
import { appRouter } from "@/server/trpc/root";
import { callerFor, createOrgWithMembers, randomSuffix, testDb, type TestOrg } from "./helpers";

const db = testDb();

type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>> };
type WireError = { message: string; data: { code: string; httpStatus: number; reason: string; fieldErrors: Record<string, string[]> | null } };

async function orgWithCatalog(): Promise<Fixture> {
  const org = await createOrgWithMembers(db);
  return { ...org, catalog: await seedDemoCatalog(db, org.org.id) };
}

/** One tRPC call over the fetch adapter, as the browser's client sends it; returns the error JSON. */
async function trpcError(userId: string | null, orgId: string | null, path: string, input: unknown, method: "GET" | "POST" = "POST"): Promise<WireError> {
  const body = JSON.stringify({ json: input });
  const url = method === "GET" ? `http://localhost/api/trpc/${path}?input=${encodeURIComponent(body)}` : `http://localhost/api/trpc/${path}`;
  const req = new Request(url, method === "GET" ? { method } : { method, body, headers: { "content-type": "application/json" } });
  const res = await fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: ({ resHeaders }) => buildContext({ db, userId, activeOrgId: orgId, resHeaders }),
  });
  const parsed = (await res.json()) as { error?: { json: WireError } };
  expect(parsed.error, `expected ${path} to fail, got ${JSON.stringify(parsed)}`).toBeDefined();
  expect(res.status).toBe(parsed.error!.json.data.httpStatus);
  return parsed.error!.json;
}

async function readyDisbursement(fx: Fixture, amounts: string[], author: "owner" | "initiator" = "initiator") {
  const caller = callerFor(db, fx.users[author].id, fx.org.id);
  const d = await caller.disbursements.create({
    name: `Wire ${randomSuffix()}`,
    wallet_id: fx.catalog.wallet.id,
    asset_id: fx.catalog.usdc.id,
    registration_contact_type: "EMAIL",
    verification_field: "DATE_OF_BIRTH",
  });
  const tag = randomSuffix();
  const csv = ["email,id,amount,verification", ...amounts.map((a, i) => `r${i}.${tag}@example.org,ext-${i},${a},1990-01-0${(i % 9) + 1}`)].join("\n");
  const ctx = { db, actor: { userId: fx.users[author].id }, org: { id: fx.org.id }, role: author } as const;
  return importInstructions(ctx, { disbursementId: d.id, fileName: "wire.csv", content: Buffer.from(csv) });
}

afterEach(() => setDistributionBalanceProvider(demoBalanceProvider));

describe("tRPC answers name the domain reason in data.reason", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("INSUFFICIENT_BALANCE when the distribution account is short, with the amounts as field errors", async () => {
    const d = await readyDisbursement(fx, ["3"]);
    setDistributionBalanceProvider({ availableStroops: async () => 10_000_000n }); // 1
    const error = await trpcError(fx.users.owner.id, fx.org.id, "disbursements.changeStatus", { id: d.id, status: "STARTED" });
    expect(error.message).toBe("Insufficient balance: the distribution account is short of 2.0000000 USDC");
    expect(error.data).toMatchObject({
      code: "CONFLICT",
      httpStatus: 409,
      reason: "INSUFFICIENT_BALANCE",
      fieldErrors: { available: ["1.0000000"], required: ["3.0000000"], shortfall: ["2.0000000"] },
    });
  });

  it("APPROVAL_REQUIRED for the two-person rule", async () => {
    const strict = await orgWithCatalog();
    await db.update(organizations).set({ approvalRequired: true }).where(eq(organizations.id, strict.org.id));
    const d = await readyDisbursement(strict, ["1"], "owner");
    const error = await trpcError(strict.users.owner.id, strict.org.id, "disbursements.changeStatus", { id: d.id, status: "STARTED" });
    expect(error.data).toMatchObject({ code: "FORBIDDEN", reason: "APPROVAL_REQUIRED" });
    expect(error.message).toMatch(/^Approval is required/);
  });

  it("INVALID_TRANSITION when the state machine refuses, VALIDATION_FAILED for bad input", async () => {
    const owner = callerFor(db, fx.users.owner.id, fx.org.id);
    const draft = await owner.disbursements.create({
      name: `Draft ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.usdc.id,
      registration_contact_type: "EMAIL",
      verification_field: "DATE_OF_BIRTH",
    });
    const refused = await trpcError(fx.users.owner.id, fx.org.id, "disbursements.changeStatus", { id: draft.id, status: "STARTED" });
    expect(refused.data).toMatchObject({ code: "BAD_REQUEST", reason: "INVALID_TRANSITION", fieldErrors: { status: ["allowed from DRAFT: READY, CANCELED"] } });
    const invalid = await trpcError(fx.users.owner.id, fx.org.id, "disbursements.changeStatus", { id: draft.id, status: "COMPLETED" });
    expect(invalid.data).toMatchObject({ code: "BAD_REQUEST", reason: "VALIDATION_FAILED" });
  });

  it("the access tiers: UNAUTHENTICATED, FORBIDDEN_ROLE, NOT_FOUND", async () => {
    expect((await trpcError(null, null, "session.me", undefined, "GET")).data).toMatchObject({ code: "UNAUTHORIZED", reason: "UNAUTHENTICATED" });
    const d = await readyDisbursement(fx, ["1"]);
    const business = await trpcError(fx.users.business.id, fx.org.id, "disbursements.changeStatus", { id: d.id, status: "STARTED" });
    expect(business.data).toMatchObject({ code: "FORBIDDEN", reason: "FORBIDDEN_ROLE" });
    const missing = await trpcError(fx.users.owner.id, fx.org.id, "disbursements.get", { id: "00000000-0000-4000-8000-000000000000" }, "GET");
    expect(missing.data).toMatchObject({ code: "NOT_FOUND", reason: "NOT_FOUND" });
  });
});
