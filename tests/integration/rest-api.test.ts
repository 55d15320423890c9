import { readdirSync } from "node:fs";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { closeDb } from "@/db/client";
import { apiKeys, disbursements, paymentConnections, payments, routingRules } from "@/db/schema";
import type { ApiScope } from "@/server/domain/api-scopes";
import {
  AssetSchema,
  DisbursementReceiverSchema,
  DisbursementSchema,
  paginated,
  PaymentSchema,
  ReceiverDetailSchema,
  ReceiverSchema,
  REST_ROUTES,
  WalletSchema,
} from "@/server/rest/openapi";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { revokeApiKey } from "@/server/services/api-keys/revoke-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import * as assetsRoute from "@/app/api/v1/assets/route";
import * as assetRoute from "@/app/api/v1/assets/[id]/route";
import * as disbursementRoute from "@/app/api/v1/disbursements/[id]/route";
import * as instructionsRoute from "@/app/api/v1/disbursements/[id]/instructions/route";
import * as disbursementCancelRoute from "@/app/api/v1/disbursements/[id]/cancel/route";
import * as disbursementReceiversRoute from "@/app/api/v1/disbursements/[id]/receivers/route";
import * as disbursementStatusRoute from "@/app/api/v1/disbursements/[id]/status/route";
import * as disbursementsRoute from "@/app/api/v1/disbursements/route";
import * as openapiRoute from "@/app/api/v1/openapi.json/route";
import * as paymentRoute from "@/app/api/v1/payments/[id]/route";
import * as paymentStatusRoute from "@/app/api/v1/payments/[id]/status/route";
import * as retryRoute from "@/app/api/v1/payments/retry/route";
import * as paymentsRoute from "@/app/api/v1/payments/route";
import * as receiverRoute from "@/app/api/v1/receivers/[id]/route";
import * as receiversRoute from "@/app/api/v1/receivers/route";
import * as walletsRoute from "@/app/api/v1/wallets/route";
import * as walletRoute from "@/app/api/v1/wallets/[id]/route";
import * as connectionRoute from "@/app/api/v1/connections/[id]/route";
import * as connectionTestRoute from "@/app/api/v1/connections/[id]/test/route";
import * as statementRoute from "@/app/api/v1/statements/[id]/route";
import * as statementsRoute from "@/app/api/v1/statements/route";
import * as routingRuleRoute from "@/app/api/v1/routing-rules/[id]/route";
import * as disbursementRoutingRoute from "@/app/api/v1/disbursements/[id]/routing/route";
import { createOrgWithMembers, randomSuffix, testDb, type TestOrg } from "./helpers";

// The route handlers use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();

type Handler = (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>> };

const BASE = "http://localhost/api/v1";
const UNAUTHORIZED_BODY = { error: "Not authorized", extras: { status: 401, message: "Not authorized" }, reason: "UNAUTHENTICATED" };

async function orgWithCatalog(): Promise<Fixture> {
  const org = await createOrgWithMembers(db);
  return { ...org, catalog: await seedDemoCatalog(db, org.org.id) };
}

const ownerCtx = (fx: TestOrg): OrgContext => ({ db, actor: { userId: fx.users.owner.id }, org: { id: fx.org.id }, role: "owner" });

async function keyFor(fx: TestOrg, scopes: ApiScope[], extra: { expires_at?: string; allowed_ips?: string[] } = {}) {
  return (await createApiKey(ownerCtx(fx), { name: `key ${randomSuffix()}`, scopes, ...extra })).key;
}

type CallOptions = { key?: string | null; json?: unknown; rawBody?: string; form?: FormData; headers?: Record<string, string>; id?: string; query?: string };

/** Call an exported route handler with a real Request. */
async function call(handler: Handler, method: string, urlPath: string, options: CallOptions = {}) {
  const headers = new Headers(options.headers);
  if (options.key) headers.set("authorization", `Bearer ${options.key}`);
  let body: BodyInit | undefined;
  if (options.json !== undefined) {
    headers.set("content-type", "application/json");
    body = JSON.stringify(options.json);
  } else if (options.rawBody !== undefined) {
    headers.set("content-type", "application/json");
    body = options.rawBody;
  } else if (options.form) {
    // Let Request set the multipart boundary.
    const probe = new Request("http://localhost", { method: "POST", body: options.form });
    headers.set("content-type", probe.headers.get("content-type")!);
    body = await probe.arrayBuffer();
  }
  const request = new Request(`${BASE}${urlPath}${options.query ? `?${options.query}` : ""}`, { method, headers, body });
  const params: Record<string, string> = options.id ? { id: options.id } : {};
  const response = await handler(request, { params: Promise.resolve(params) });
  const text = await response.text();
  const type = response.headers.get("content-type") ?? "";
  return { status: response.status, headers: response.headers, text, body: type.includes("application/json") && text ? JSON.parse(text) : undefined };
}

function csvForm(content: string, fileName = "instructions.csv") {
  const form = new FormData();
  form.set("file", new File([content], fileName, { type: "text/csv" }));
  return form;
}

/** An EMAIL / DATE_OF_BIRTH instructions file with unique addresses. */
function emailCsv(amounts: string[]) {
  const tag = randomSuffix();
  return ["email,id,amount,verification", ...amounts.map((a, i) => `r${i}.${tag}@example.org,ext-${tag}-${i},${a},1990-02-0${(i % 9) + 1}`)].join("\n") + "\n";
}

const createBody = (fx: Fixture, name = `API disbursement ${randomSuffix()}`) => ({
  name,
  wallet_id: fx.catalog.wallet.id,
  asset_id: fx.catalog.usdc.id,
  registration_contact_type: "EMAIL",
  verification_field: "DATE_OF_BIRTH",
});

/** Through the API: create a disbursement and upload instructions; returns the READY disbursement. */
async function readyDisbursement(fx: Fixture, key: string, amounts = ["10.50", "20", "0.0000001"]) {
  const created = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: createBody(fx) });
  expect(created.status, created.text).toBe(201);
  const uploaded = await call(instructionsRoute.POST, "POST", `/disbursements/${created.body.id}/instructions`, {
    key,
    id: created.body.id,
    form: csvForm(emailCsv(amounts)),
  });
  expect(uploaded.status, uploaded.text).toBe(200);
  return uploaded.body.disbursement as z.infer<typeof DisbursementSchema>;
}

describe("authentication: every failure is the same 401 body", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("no key, a bad key, a malformed header", async () => {
    const good = await keyFor(fx, ["read:all"]);
    const headerSets: Record<string, string>[] = [
      {},
      { authorization: "Bearer nope" },
      { authorization: `Basic ${good}` },
      { authorization: `Bearer ${good.slice(0, -2)}xx` },
    ];
    for (const headers of headerSets) {
      const res = await call(disbursementsRoute.GET, "GET", "/disbursements", { headers });
      expect(res.status).toBe(401);
      expect(res.body).toEqual(UNAUTHORIZED_BODY);
    }
  });

  it("an expired key", async () => {
    const key = await keyFor(fx, ["read:all"], { expires_at: "2099-01-01" });
    expect((await call(disbursementsRoute.GET, "GET", "/disbursements", { key })).status).toBe(200);
    const prefix = key.split("_")[1]!;
    await db
      .update(apiKeys)
      .set({ expiresAt: new Date(Date.now() - 1) })
      .where(eq(apiKeys.prefix, prefix));
    const res = await call(disbursementsRoute.GET, "GET", "/disbursements", { key });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNAUTHORIZED_BODY);
  });

  it("a revoked key", async () => {
    const created = await createApiKey(ownerCtx(fx), { name: "to revoke", scopes: ["write:all"] });
    expect((await call(assetsRoute.GET, "GET", "/assets", { key: created.key })).status).toBe(200);
    await revokeApiKey(ownerCtx(fx), { id: created.id });
    const res = await call(disbursementsRoute.POST, "POST", "/disbursements", { key: created.key, json: createBody(fx) });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(UNAUTHORIZED_BODY);
  });

  it("a key used from an address it does not allow", async () => {
    const key = await keyFor(fx, ["read:all"], { allowed_ips: ["192.0.2.0/24"] });
    const allowed = await call(walletsRoute.GET, "GET", "/wallets", { key, headers: { "x-forwarded-for": "192.0.2.44" } });
    expect(allowed.status).toBe(200);
    const refused = await call(walletsRoute.GET, "GET", "/wallets", { key, headers: { "x-forwarded-for": "198.51.100.1" } });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(UNAUTHORIZED_BODY);
    // The right-most X-Forwarded-For entry (the nearest proxy's view) is the one checked.
    const spoofed = await call(walletsRoute.GET, "GET", "/wallets", { key, headers: { "x-forwarded-for": "192.0.2.44, 198.51.100.1" } });
    expect(spoofed.status).toBe(401);
  });

  it("401 comes before anything else: even a malformed id or body", async () => {
    const res = await call(disbursementRoute.GET, "GET", "/disbursements/not-a-uuid", { id: "not-a-uuid" });
    expect(res.status).toBe(401);
    const post = await call(disbursementsRoute.POST, "POST", "/disbursements", { rawBody: "{oops" });
    expect(post.status).toBe(401);
  });
});

describe("scopes", () => {
  let fx: Fixture;
  let readAll: string;
  beforeAll(async () => {
    fx = await orgWithCatalog();
    readAll = await keyFor(fx, ["read:all"]);
  });

  it("a read-only key cannot write: 403 {error: Forbidden}, nothing created", async () => {
    const name = `Forbidden ${randomSuffix()}`;
    const res = await call(disbursementsRoute.POST, "POST", "/disbursements", { key: readAll, json: createBody(fx, name) });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "Forbidden", reason: "FORBIDDEN_SCOPE" });
    expect(await db.select().from(disbursements).where(eq(disbursements.name, name))).toEqual([]);
    expect((await call(retryRoute.PATCH, "PATCH", "/payments/retry", { key: readAll, json: { payment_ids: [] } })).status).toBe(403);
  });

  it("an area scope covers its routes only", async () => {
    const paymentsOnly = await keyFor(fx, ["read:payments"]);
    expect((await call(paymentsRoute.GET, "GET", "/payments", { key: paymentsOnly })).status).toBe(200);
    for (const [handler, p] of [
      [disbursementsRoute.GET, "/disbursements"],
      [receiversRoute.GET, "/receivers"],
      [walletsRoute.GET, "/wallets"],
      [assetsRoute.GET, "/assets"],
    ] as const) {
      const res = await call(handler, "GET", p, { key: paymentsOnly });
      expect(res.status, p).toBe(403);
      expect(res.body).toEqual({ error: "Forbidden", reason: "FORBIDDEN_SCOPE" });
    }
    const walletsOnly = await keyFor(fx, ["read:wallets"]);
    expect((await call(walletsRoute.GET, "GET", "/wallets", { key: walletsOnly })).status).toBe(200);
    expect((await call(assetsRoute.GET, "GET", "/assets", { key: walletsOnly })).status).toBe(403);
  });

  it("write:disbursements can create, upload, start and read disbursements, but not cancel payments", async () => {
    const key = await keyFor(fx, ["write:disbursements"]);
    const d = await readyDisbursement(fx, key);
    const started = await call(disbursementStatusRoute.PATCH, "PATCH", `/disbursements/${d.id}/status`, { key, id: d.id, json: { status: "STARTED" } });
    expect(started.status, started.text).toBe(200);
    const [p] = await db.select().from(payments).where(eq(payments.disbursementId, d.id)).limit(1);
    const cancel = await call(paymentStatusRoute.PATCH, "PATCH", `/payments/${p!.id}/status`, { key, id: p!.id, json: { status: "CANCELED" } });
    expect(cancel.status).toBe(403);
    expect((await call(paymentsRoute.GET, "GET", "/payments", { key })).status).toBe(403);
  });

  it("write:all does everything the routes offer", async () => {
    const key = await keyFor(fx, ["write:all"]);
    for (const [handler, p] of [
      [disbursementsRoute.GET, "/disbursements"],
      [paymentsRoute.GET, "/payments"],
      [receiversRoute.GET, "/receivers"],
      [walletsRoute.GET, "/wallets"],
      [assetsRoute.GET, "/assets"],
    ] as const) {
      expect((await call(handler, "GET", p, { key })).status, p).toBe(200);
    }
  });
});

describe("the disbursement flow through the API", () => {
  let fx: Fixture;
  let key: string;
  beforeAll(async () => {
    fx = await orgWithCatalog();
    key = await keyFor(fx, ["write:all"]);
  });

  it("create → upload → get → list → receivers → file → start → payments → cancel → retry → delete", async () => {
    // Create: 201 in SDP's shape.
    const created = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: createBody(fx, `Flow ${randomSuffix()}`) });
    expect(created.status, created.text).toBe(201);
    const draft = DisbursementSchema.parse(created.body);
    expect(draft).toMatchObject({
      status: "DRAFT",
      registration_contact_type: "EMAIL",
      verification_field: "DATE_OF_BIRTH",
      wallet: { id: fx.catalog.wallet.id, name: "Demo Wallet" },
      asset: { id: fx.catalog.usdc.id, code: "USDC" },
      total_payments: 0,
      total_amount: "0.0000000",
    });
    // The key acts as its creator.
    expect(draft.status_history).toEqual([{ user_id: fx.users.owner.id, status: "DRAFT", timestamp: expect.any(String) }]);

    // Upload: multipart `file`.
    const csv = emailCsv(["10.50", "20", "0.0000001"]);
    const uploaded = await call(instructionsRoute.POST, "POST", `/disbursements/${draft.id}/instructions`, { key, id: draft.id, form: csvForm(csv, "may.csv") });
    expect(uploaded.status, uploaded.text).toBe(200);
    expect(uploaded.body.message).toBe("File uploaded successfully");

    // Get: READY with totals.
    const got = await call(disbursementRoute.GET, "GET", `/disbursements/${draft.id}`, { key, id: draft.id });
    expect(got.status).toBe(200);
    expect(DisbursementSchema.parse(got.body)).toMatchObject({
      id: draft.id,
      status: "READY",
      file_name: "may.csv",
      total_payments: 3,
      total_amount: "30.5000001",
      total_payments_remaining: 3,
    });

    // List: pagination shape, search, status filter, page_limit.
    const list = await call(disbursementsRoute.GET, "GET", "/disbursements", {
      key,
      query: `q=${encodeURIComponent(draft.name)}&status=READY,DRAFT&page=1&page_limit=5`,
    });
    expect(list.status).toBe(200);
    const page = paginated(DisbursementSchema).parse(list.body);
    // SDP's block: next/prev omitted when there is none, no other keys (issue 15).
    expect(list.body.pagination).toEqual({ pages: 1, total: 1 });
    expect(page.data.map((d) => d.id)).toEqual([draft.id]);
    const none = await call(disbursementsRoute.GET, "GET", "/disbursements", { key, query: `q=${encodeURIComponent(draft.name)}&status=STARTED` });
    expect(none.body.pagination.total).toBe(0);

    // Receivers of the disbursement.
    const recs = await call(disbursementReceiversRoute.GET, "GET", `/disbursements/${draft.id}/receivers`, { key, id: draft.id, query: "page_limit=2" });
    expect(recs.status).toBe(200);
    const recPage = paginated(DisbursementReceiverSchema).parse(recs.body);
    expect(Object.keys(recPage.pagination).sort()).toEqual(["next", "pages", "total"]);
    expect(recPage.pagination).toMatchObject({ pages: 2, total: 3 });
    expect(recPage.data).toHaveLength(2);
    // Keyset: `next` is a URL carrying the cursor; it opens page 2 (the same rows as page=2), in file
    // order; `prev` goes back.
    const follow = (link: string) => {
      const u = new URL(link, "http://localhost");
      expect(u.pathname).toBe(`/api/v1/disbursements/${draft.id}/receivers`);
      return call(disbursementReceiversRoute.GET, "GET", `/disbursements/${draft.id}/receivers`, { key, id: draft.id, query: u.search.slice(1) });
    };
    expect(new URL(recPage.pagination.next!, "http://localhost").searchParams.get("cursor")).toEqual(expect.any(String));
    const byCursor = await follow(recPage.pagination.next!);
    const byPage = await call(disbursementReceiversRoute.GET, "GET", `/disbursements/${draft.id}/receivers`, { key, id: draft.id, query: "page_limit=2&page=2" });
    expect(byCursor.status, byCursor.text).toBe(200);
    expect(byCursor.body.data).toEqual(byPage.body.data);
    expect(byCursor.body.pagination).toEqual({ prev: expect.stringContaining("cursor="), pages: 2, total: 3 });
    expect([...recPage.data, ...byCursor.body.data].map((r: { payment: { line_number: number } }) => r.payment.line_number)).toEqual([2, 3, 4]);
    const back = await follow(byCursor.body.pagination.prev);
    expect(back.body.data).toEqual(recs.body.data);
    const nextCursor = new URL(recPage.pagination.next!, "http://localhost").searchParams.get("cursor")!;
    const foreign = await call(paymentsRoute.GET, "GET", "/payments", { key, query: `cursor=${encodeURIComponent(nextCursor)}` });
    expect(foreign.status).toBe(400);

    // The stored file, byte for byte.
    const file = await call(instructionsRoute.GET, "GET", `/disbursements/${draft.id}/instructions`, { key, id: draft.id });
    expect(file.status).toBe(200);
    expect(file.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(file.headers.get("content-disposition")).toContain('filename="may.csv"');
    expect(file.text).toBe(csv);

    // Start.
    const started = await call(disbursementStatusRoute.PATCH, "PATCH", `/disbursements/${draft.id}/status`, { key, id: draft.id, json: { status: "STARTED" } });
    expect(started.status, started.text).toBe(200);
    expect(started.body).toMatchObject({ message: "Disbursement started", disbursement: { status: "STARTED" } });

    // Payments of the disbursement, and one of them.
    const pays = await call(paymentsRoute.GET, "GET", "/payments", { key, query: `disbursement_id=${draft.id}&sort=amount&direction=asc` });
    expect(pays.status).toBe(200);
    const payPage = paginated(PaymentSchema).parse(pays.body);
    expect(payPage.data.map((p) => p.amount)).toEqual(["0.0000001", "10.5000000", "20.0000000"]);
    expect(payPage.data.every((p) => p.status === "READY")).toBe(true);
    const [first, second] = payPage.data;
    const one = await call(paymentRoute.GET, "GET", `/payments/${first!.id}`, { key, id: first!.id });
    expect(PaymentSchema.parse(one.body).id).toBe(first!.id);

    // Receiver list and detail.
    const receiverId = first!.receiver_wallet.receiver.id;
    const receiverList = await call(receiversRoute.GET, "GET", "/receivers", { key, query: `q=${encodeURIComponent(first!.receiver_wallet.receiver.email!)}` });
    expect(
      paginated(ReceiverSchema)
        .parse(receiverList.body)
        .data.map((r) => r.id),
    ).toEqual([receiverId]);
    const receiver = await call(receiverRoute.GET, "GET", `/receivers/${receiverId}`, { key, id: receiverId });
    // SDP's stats are strings (issue 15).
    expect(ReceiverDetailSchema.parse(receiver.body)).toMatchObject({ id: receiverId, total_payments: "1" });

    // Cancel a READY payment.
    const canceled = await call(paymentStatusRoute.PATCH, "PATCH", `/payments/${first!.id}/status`, { key, id: first!.id, json: { status: "CANCELED" } });
    expect(canceled.status, canceled.text).toBe(200);
    expect(canceled.body).toMatchObject({ message: "Payment canceled", payment: { id: first!.id, status: "CANCELED" } });
    const again = await call(paymentStatusRoute.PATCH, "PATCH", `/payments/${first!.id}/status`, { key, id: first!.id, json: { status: "CANCELED" } });
    expect(again.status).toBe(400);
    expect(again.body.error).toBe("Bad request");
    expect(again.body.reason).toBe("INVALID_TRANSITION");
    const wrongStatus = await call(paymentStatusRoute.PATCH, "PATCH", `/payments/${second!.id}/status`, { key, id: second!.id, json: { status: "SUCCESS" } });
    expect(wrongStatus.status).toBe(400);
    expect(wrongStatus.body).toEqual({ error: "Bad request", extras: { status: "status must be CANCELED" }, reason: "VALIDATION_FAILED" });

    // Retry: only FAILED payments (the engine fails one here).
    const notFailed = await call(retryRoute.PATCH, "PATCH", "/payments/retry", { key, json: { payment_ids: [second!.id] } });
    expect(notFailed.status).toBe(400);
    expect(notFailed.body.extras[second!.id]).toMatch(/not FAILED/);
    expect(notFailed.body.reason).toBe("INVALID_TRANSITION");
    await db.update(payments).set({ status: "FAILED" }).where(eq(payments.id, second!.id));
    const retried = await call(retryRoute.PATCH, "PATCH", "/payments/retry", { key, json: { payment_ids: [second!.id] } });
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.payments.map((p: { status: string }) => p.status)).toEqual(["READY"]);

    // Pause.
    const paused = await call(disbursementStatusRoute.PATCH, "PATCH", `/disbursements/${draft.id}/status`, { key, id: draft.id, json: { status: "PAUSED" } });
    expect(paused.body).toMatchObject({ message: "Disbursement paused", disbursement: { status: "PAUSED" } });

    // A started disbursement cannot be deleted; a draft can.
    const refused = await call(disbursementRoute.DELETE, "DELETE", `/disbursements/${draft.id}`, { key, id: draft.id });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({ error: "Bad request", extras: { status: 400, message: expect.stringContaining("DRAFT or READY") }, reason: "INVALID_STATE" });
    const other = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: createBody(fx) });
    const deleted = await call(disbursementRoute.DELETE, "DELETE", `/disbursements/${other.body.id}`, { key, id: other.body.id });
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect((await call(disbursementRoute.GET, "GET", `/disbursements/${other.body.id}`, { key, id: other.body.id })).status).toBe(404);
  });

  it("wallets and assets", async () => {
    const wallets = await call(walletsRoute.GET, "GET", "/wallets", { key });
    expect(
      z
        .array(WalletSchema)
        .parse(wallets.body)
        .map((w) => w.name),
    ).toEqual(["Demo Wallet"]);
    // Each wallet with the assets it supports (one query: server/services/catalog/wallets.ts).
    const linked = await db.execute<{ id: string }>(sql`select wa.asset_id as id from wallet_assets wa where wa.wallet_id = ${fx.catalog.wallet.id}`);
    expect(linked.length).toBeGreaterThan(0);
    expect(wallets.body[0].assets.map((a: { id: string }) => a.id).sort()).toEqual([...linked].map((r) => r.id).sort());
    // SDP's asset keys, `deleted_at` included (issue 15).
    expect(wallets.body[0].assets[0]).toEqual({ id: expect.any(String), code: expect.any(String), issuer: expect.any(String), deleted_at: null });
    const enabled = await call(walletsRoute.GET, "GET", "/wallets", { key, query: "enabled=false" });
    expect(enabled.body).toEqual([]);
    const badFilter = await call(walletsRoute.GET, "GET", "/wallets", { key, query: "enabled=maybe" });
    expect(badFilter.status).toBe(400);
    expect(badFilter.body).toEqual({ error: "Bad request", extras: { enabled: "enabled must be true or false" }, reason: "VALIDATION_FAILED" });
    const assets = await call(assetsRoute.GET, "GET", "/assets", { key });
    expect(
      z
        .array(AssetSchema)
        .parse(assets.body)
        .map((a) => a.code),
    ).toEqual(["USDC", "XLM"]);
  });
});

describe("error shapes", () => {
  let fx: Fixture;
  let key: string;
  beforeAll(async () => {
    fx = await orgWithCatalog();
    key = await keyFor(fx, ["write:all"]);
  });

  it("400 with field extras for validation errors", async () => {
    const res = await call(disbursementsRoute.POST, "POST", "/disbursements", {
      key,
      json: { name: "", wallet_id: "nope", asset_id: fx.catalog.usdc.id, registration_contact_type: "FAX" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("Bad request");
    expect(Object.keys(res.body.extras).sort()).toEqual(["name", "registration_contact_type", "wallet_id"]);
    expect(res.body.extras.registration_contact_type).toMatch(/must be one of EMAIL/);
  });

  it("400 with status and message when no field is at fault", async () => {
    for (const rawBody of ["{oops", "", "[1,2]"]) {
      const res = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, rawBody });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error: "Bad request", extras: { status: 400, message: expect.any(String) }, reason: "VALIDATION_FAILED" });
    }
    const wallet = await call(disbursementsRoute.POST, "POST", "/disbursements", {
      key,
      json: { ...createBody(fx), wallet_id: "00000000-0000-4000-8000-000000000000" },
    });
    expect(wallet.status).toBe(400);
    expect(wallet.body).toEqual({ error: "Bad request", extras: { wallet_id: "wallet not found" }, reason: "VALIDATION_FAILED" });
  });

  it("400 with `line N - field` extras for CSV rows, and nothing stored", async () => {
    const created = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: createBody(fx) });
    const tag = randomSuffix();
    const csv = `email,id,amount,verification\na.${tag}@example.org,a,10,1990-01-01\nnot-an-email,b,-1,1990-01-01\n`;
    const res = await call(instructionsRoute.POST, "POST", `/disbursements/${created.body.id}/instructions`, { key, id: created.body.id, form: csvForm(csv) });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe("Bad request");
    expect(Object.keys(res.body.extras)).toEqual(expect.arrayContaining(["line 3 - email", "line 3 - amount"]));
    const after = await call(disbursementRoute.GET, "GET", `/disbursements/${created.body.id}`, { key, id: created.body.id });
    // No file: `file_name` omitted, as SDP omits it (issue 15).
    expect(after.body).toMatchObject({ status: "DRAFT", total_payments: 0 });
    expect(after.body).not.toHaveProperty("file_name");
  });

  it("400 when the multipart body has no file", async () => {
    const created = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: createBody(fx) });
    const form = new FormData();
    form.set("other", "x");
    const res = await call(instructionsRoute.POST, "POST", `/disbursements/${created.body.id}/instructions`, { key, id: created.body.id, form });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "Bad request", extras: { file: expect.stringContaining('"file"') }, reason: "VALIDATION_FAILED" });
    const json = await call(instructionsRoute.POST, "POST", `/disbursements/${created.body.id}/instructions`, { key, id: created.body.id, json: {} });
    expect(json.status).toBe(400);
  });

  it("400 for list parameters out of range", async () => {
    const res = await call(disbursementsRoute.GET, "GET", "/disbursements", { key, query: "page_limit=101&page=0" });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: "Bad request",
      extras: { page_limit: "page_limit must be at most 100", page: "page must be 1 or more" },
      reason: "VALIDATION_FAILED",
    });
    const status = await call(disbursementsRoute.GET, "GET", "/disbursements", { key, query: "status=NOPE" });
    expect(status.status).toBe(400);
    expect(Object.keys(status.body.extras)[0]).toMatch(/^status/);
  });

  it("400 naming the allowed transitions", async () => {
    const created = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: createBody(fx) });
    const res = await call(disbursementStatusRoute.PATCH, "PATCH", `/disbursements/${created.body.id}/status`, { key, id: created.body.id, json: { status: "STARTED" } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: "Bad request", extras: { status: "allowed from DRAFT: READY, CANCELED" }, reason: "INVALID_TRANSITION" });
    const bad = await call(disbursementStatusRoute.PATCH, "PATCH", `/disbursements/${created.body.id}/status`, {
      key,
      id: created.body.id,
      json: { status: "COMPLETED" },
    });
    expect(bad.body).toEqual({ error: "Bad request", extras: { status: "status must be STARTED or PAUSED" }, reason: "VALIDATION_FAILED" });
  });

  it("409 for a duplicate name", async () => {
    const body = createBody(fx, `Duplicate ${randomSuffix()}`);
    expect((await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: body })).status).toBe(201);
    const res = await call(disbursementsRoute.POST, "POST", "/disbursements", { key, json: body });
    expect(res.status).toBe(409);
    expect(res.body).toEqual({ error: "disbursement already exists", extras: { name: `a disbursement named "${body.name}" already exists` }, reason: "ALREADY_EXISTS" });
  });

  it("403 for the two-person rule, when the key's creator authored the disbursement", async () => {
    const strict = await orgWithCatalog();
    const { organizations } = await import("@/db/schema");
    await db.update(organizations).set({ approvalRequired: true }).where(eq(organizations.id, strict.org.id));
    const strictKey = await keyFor(strict, ["write:disbursements"]);
    const d = await readyDisbursement(strict, strictKey);
    const res = await call(disbursementStatusRoute.PATCH, "PATCH", `/disbursements/${d.id}/status`, { key: strictKey, id: d.id, json: { status: "STARTED" } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "Forbidden", reason: "APPROVAL_REQUIRED" });
  });

  it("409 with reason INSUFFICIENT_BALANCE and the amounts in extras when the balance is short", async () => {
    const d = await readyDisbursement(fx, key, ["3"]);
    setDistributionBalanceProvider({ availableStroops: async () => 10_000_000n }); // 1
    try {
      const res = await call(disbursementStatusRoute.PATCH, "PATCH", `/disbursements/${d.id}/status`, { key, id: d.id, json: { status: "STARTED" } });
      expect(res.status).toBe(409);
      expect(res.body).toEqual({
        error: "Insufficient balance: the distribution account is short of 2.0000000 USDC",
        extras: { available: "1.0000000", required: "3.0000000", shortfall: "2.0000000" },
        reason: "INSUFFICIENT_BALANCE",
      });
    } finally {
      setDistributionBalanceProvider(demoBalanceProvider);
    }
    expect((await call(disbursementRoute.GET, "GET", `/disbursements/${d.id}`, { key, id: d.id })).body).toMatchObject({ status: "READY" });
  });

  it("404 for unknown and malformed ids", async () => {
    for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-uuid", "1; drop table payments"]) {
      const res = await call(disbursementRoute.GET, "GET", `/disbursements/${encodeURIComponent(id)}`, { key, id });
      expect(res.status, id).toBe(404);
      expect(res.body).toMatchObject({ error: "Resource not found", extras: { status: 404 }, reason: "NOT_FOUND" });
      expect((await call(disbursementRoute.DELETE, "DELETE", `/disbursements/x`, { key, id })).status).toBe(404);
      expect((await call(paymentRoute.GET, "GET", `/payments/x`, { key, id })).status).toBe(404);
    }
  });

  it("every answer carries a request id", async () => {
    const res = await call(assetsRoute.GET, "GET", "/assets", { key, headers: { "x-request-id": "req-123" } });
    expect(res.headers.get("x-request-id")).toBe("req-123");
  });
});

describe("tenancy: another organization's ids answer 404 on every {id} route, and change nothing", () => {
  let a: Fixture;
  let b: Fixture;
  let bKey: string;
  let target: {
    disbursementId: string;
    draftId: string;
    paymentId: string;
    receiverId: string;
    connectionId: string;
    bankFileId: string;
    ruleId: string;
    walletId: string;
    assetId: string;
  };

  beforeAll(async () => {
    a = await orgWithCatalog();
    b = await orgWithCatalog();
    const aKey = await keyFor(a, ["write:all"]);
    bKey = await keyFor(b, ["write:all"]);
    const d = await readyDisbursement(a, aKey);
    const draft = await call(disbursementsRoute.POST, "POST", "/disbursements", { key: aKey, json: createBody(a) });
    const [p] = await db.select().from(payments).where(eq(payments.disbursementId, d.id)).limit(1);
    const [connection] = await db.select({ id: paymentConnections.id }).from(paymentConnections).where(eq(paymentConnections.orgId, a.org.id));
    const [rule] = await db.select({ id: routingRules.id }).from(routingRules).where(eq(routingRules.orgId, a.org.id));
    const statementForm = new FormData();
    statementForm.set(
      "statement_file",
      new File([`:20:T-${randomSuffix()}\n:25:NL91ABNA0417164300\n:28C:1/1\n:60F:C261203EUR10,00\n:62F:C261203EUR10,00\n-\n`], "a.sta"),
    );
    const statement = await call(statementsRoute.POST, "POST", "/statements", { key: aKey, form: statementForm });
    expect(statement.status, statement.text).toBe(200);
    target = {
      disbursementId: d.id,
      draftId: draft.body.id,
      paymentId: p!.id,
      receiverId: p!.receiverId,
      connectionId: connection!.id,
      bankFileId: statement.body.file.id,
      ruleId: rule!.id,
      walletId: a.catalog.wallet.id,
      assetId: a.catalog.xlm.id,
    };
  });

  const ID_ROUTES = REST_ROUTES.filter((r) => r.path.includes("{id}"));

  it("the table below covers every {id} route", () => {
    expect(ID_ROUTES.map((r) => `${r.method} ${r.path}`).sort()).toEqual(Object.keys(PROBES).sort());
  });

  const PROBES: Record<string, (t: typeof target) => { handler: Handler; id: string; options?: CallOptions }> = {
    "GET /disbursements/{id}": (t) => ({ handler: disbursementRoute.GET, id: t.disbursementId }),
    "DELETE /disbursements/{id}": (t) => ({ handler: disbursementRoute.DELETE, id: t.draftId }),
    "POST /disbursements/{id}/instructions": (t) => ({ handler: instructionsRoute.POST, id: t.draftId, options: { form: csvForm(emailCsv(["1"])) } }),
    "GET /disbursements/{id}/instructions": (t) => ({ handler: instructionsRoute.GET, id: t.disbursementId }),
    "PATCH /disbursements/{id}/status": (t) => ({ handler: disbursementStatusRoute.PATCH, id: t.disbursementId, options: { json: { status: "STARTED" } } }),
    "GET /disbursements/{id}/receivers": (t) => ({ handler: disbursementReceiversRoute.GET, id: t.disbursementId }),
    "POST /disbursements/{id}/cancel": (t) => ({ handler: disbursementCancelRoute.POST, id: t.disbursementId }),
    "GET /payments/{id}": (t) => ({ handler: paymentRoute.GET, id: t.paymentId }),
    "PATCH /payments/{id}/status": (t) => ({ handler: paymentStatusRoute.PATCH, id: t.paymentId, options: { json: { status: "CANCELED" } } }),
    "GET /receivers/{id}": (t) => ({ handler: receiverRoute.GET, id: t.receiverId }),
    "PATCH /receivers/{id}": (t) => ({ handler: receiverRoute.PATCH, id: t.receiverId, options: { json: { external_id: "Hijacked" } } }),
    "GET /connections/{id}": (t) => ({ handler: connectionRoute.GET, id: t.connectionId }),
    "PATCH /connections/{id}": (t) => ({ handler: connectionRoute.PATCH, id: t.connectionId, options: { json: { name: "Hijacked" } } }),
    "DELETE /connections/{id}": (t) => ({ handler: connectionRoute.DELETE, id: t.connectionId }),
    "POST /connections/{id}/test": (t) => ({ handler: connectionTestRoute.POST, id: t.connectionId }),
    "GET /statements/{id}": (t) => ({ handler: statementRoute.GET, id: t.bankFileId }),
    "GET /routing-rules/{id}": (t) => ({ handler: routingRuleRoute.GET, id: t.ruleId }),
    "PATCH /routing-rules/{id}": (t) => ({ handler: routingRuleRoute.PATCH, id: t.ruleId, options: { json: { name: "Hijacked" } } }),
    "DELETE /routing-rules/{id}": (t) => ({ handler: routingRuleRoute.DELETE, id: t.ruleId }),
    "GET /disbursements/{id}/routing": (t) => ({ handler: disbursementRoutingRoute.GET, id: t.disbursementId }),
    "PATCH /wallets/{id}": (t) => ({ handler: walletRoute.PATCH, id: t.walletId, options: { json: { enabled: false } } }),
    "DELETE /wallets/{id}": (t) => ({ handler: walletRoute.DELETE, id: t.walletId }),
    "DELETE /assets/{id}": (t) => ({ handler: assetRoute.DELETE, id: t.assetId }),
  };

  it.each(Object.keys(PROBES))("%s → 404", async (key) => {
    const before = await db.select().from(disbursements).where(eq(disbursements.orgId, a.org.id));
    const beforePayments = await db.select().from(payments).where(eq(payments.orgId, a.org.id));
    const { handler, id, options } = PROBES[key]!(target);
    const [method, p] = key.split(" ") as [string, string];
    const res = await call(handler, method, p.replace("{id}", id), { key: bKey, id, ...options });
    expect(res.status, res.text).toBe(404);
    expect(res.body).toMatchObject({ error: "Resource not found" });
    expect(res.text).not.toContain(a.org.id);
    expect(await db.select().from(disbursements).where(eq(disbursements.orgId, a.org.id))).toEqual(before);
    expect(await db.select().from(payments).where(eq(payments.orgId, a.org.id))).toEqual(beforePayments);
  });

  it("retrying another organization's payment is 404 too", async () => {
    await db
      .update(payments)
      .set({ status: "FAILED" })
      .where(and(eq(payments.id, target.paymentId), eq(payments.orgId, a.org.id)));
    const res = await call(retryRoute.PATCH, "PATCH", "/payments/retry", { key: bKey, json: { payment_ids: [target.paymentId] } });
    expect(res.status).toBe(404);
    const [p] = await db.select().from(payments).where(eq(payments.id, target.paymentId));
    expect(p!.status).toBe("FAILED");
  });

  it("lists show only the key's organization", async () => {
    for (const [handler, p] of [
      [disbursementsRoute.GET, "/disbursements"],
      [paymentsRoute.GET, "/payments"],
      [receiversRoute.GET, "/receivers"],
      [walletsRoute.GET, "/wallets"],
      [assetsRoute.GET, "/assets"],
    ] as const) {
      const res = await call(handler, "GET", p, { key: bKey });
      expect(res.status).toBe(200);
      for (const id of [target.disbursementId, target.draftId, target.paymentId, target.receiverId, a.catalog.wallet.id, a.catalog.usdc.id]) {
        expect(res.text, `${p} leaks ${id}`).not.toContain(id);
      }
    }
    const filtered = await call(paymentsRoute.GET, "GET", "/payments", { key: bKey, query: `disbursement_id=${target.disbursementId}` });
    expect(filtered.body.pagination.total).toBe(0);
  });
});

describe("GET /api/v1/openapi.json", () => {
  type Doc = {
    openapi: string;
    paths: Record<
      string,
      Record<
        string,
        {
          security: unknown[];
          responses: Record<string, unknown>;
          requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
          parameters?: { name: string; in: string; schema: Record<string, unknown> }[];
        }
      >
    >;
    components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
  };
  let doc: Doc;
  let raw: string;

  beforeAll(async () => {
    const res = await openapiRoute.GET();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    raw = await res.text();
    doc = JSON.parse(raw) as Doc;
  });

  it("is OpenAPI 3.1.0 with a bearer security scheme", () => {
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
  });

  it("has every route of the list, and every route handler under app/api/v1 is in it", async () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`));
    expect(documented.sort()).toEqual(REST_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    // Walk the route files and compare with what they export.
    const root = path.resolve(import.meta.dirname, "../../app/api/v1");
    const found: string[] = [];
    const walk = async (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name === "route.ts") {
          const rel = path
            .relative(root, dir)
            .split(path.sep)
            .map((s) => s.replace(/^\[(.+)\]$/, "{$1}"));
          const apiPath = `/${rel.join("/")}`;
          // The document itself, and the catch-all JSON 404 for unknown paths (no operation).
          if (apiPath === "/openapi.json" || apiPath === "/{...path}") continue;
          const mod = (await import(/* @vite-ignore */ full)) as Record<string, unknown>;
          for (const method of ["GET", "POST", "PATCH", "PUT", "DELETE"]) if (typeof mod[method] === "function") found.push(`${method} ${apiPath}`);
        }
      }
    };
    await walk(root);
    expect(found.sort()).toEqual(documented.sort());
  });

  it("every operation requires a scope, documents its errors in SDP's shape, and uses JSON Schema", () => {
    for (const [p, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method} ${p}`;
        expect(op.security, where).toEqual([{ bearerAuth: [expect.stringMatching(/^(read|write):/)] }]);
        expect(op.responses["401"], where).toMatchObject({ content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } });
        expect(op.responses["403"], where).toBeDefined();
        if (p.includes("{id}")) expect(op.responses["404"], where).toBeDefined();
        if (op.requestBody) {
          const [type, media] = Object.entries(op.requestBody.content)[0]!;
          expect(["application/json", "multipart/form-data"], where).toContain(type);
          expect(media.schema.type, where).toBe("object");
          expect(media.schema.properties, where).toBeTypeOf("object");
        }
      }
    }
    expect(doc.paths["/disbursements"]!.post!.requestBody!.content["application/json"]!.schema).toMatchObject({
      type: "object",
      // wallet_id is required by every contact type but BANK_ACCOUNT and DIRECT_PHONE (checked beside the schema).
      required: expect.arrayContaining(["name", "asset_id", "registration_contact_type"]),
      properties: {
        registration_contact_type: { enum: ["EMAIL", "PHONE_NUMBER", "EMAIL_AND_WALLET_ADDRESS", "PHONE_NUMBER_AND_WALLET_ADDRESS", "BANK_ACCOUNT", "DIRECT_PHONE"] },
      },
    });
    expect(doc.paths["/disbursements/{id}/instructions"]!.post!.requestBody!.content["multipart/form-data"]!.schema).toMatchObject({
      required: ["file"],
      properties: { file: { type: "string", format: "binary" } },
    });
    const limit = doc.paths["/disbursements"]!.get!.parameters!.find((q) => q.name === "page_limit");
    expect(limit).toMatchObject({ in: "query", schema: { type: "integer", maximum: 100 } });
  });

  it("every $ref resolves to a component", () => {
    const refs = [...raw.matchAll(/"\$ref":"([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of new Set(refs)) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(doc.components.schemas, ref).toHaveProperty(ref.replace("#/components/schemas/", ""));
    }
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(["Disbursement", "Payment", "Receiver", "Wallet", "Asset", "Error", "Pagination"]));
  });
});
