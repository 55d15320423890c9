/**
 * SDP's soft deletes, `DELETE /api/v1/assets/{id}` and `DELETE /api/v1/wallets/{id}`
 * (server/services/catalog/, docs/security/catalog-delete.md), over real HTTP with API keys: status
 * codes and bodies as SDP answers them, deleted rows gone from lists and choices while history keeps
 * them, refusals naming what still uses the row, restore on re-adding an asset, tenancy and audit rows.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { assets, auditEvents, disbursements, g2pSenders, receiverWallets, receivers, wallets } from "@/db/schema";
import type { ApiScope } from "@/server/domain/api-scopes";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { assertSenderReferences } from "@/server/services/integrations/sender-input";
import { listSepAssets } from "@/server/services/sep/stellar-toml";
import * as assetsRoute from "@/app/api/v1/assets/route";
import * as assetRoute from "@/app/api/v1/assets/[id]/route";
import * as walletsRoute from "@/app/api/v1/wallets/route";
import * as walletRoute from "@/app/api/v1/wallets/[id]/route";
import * as disbursementsRoute from "@/app/api/v1/disbursements/route";
import * as disbursementRoute from "@/app/api/v1/disbursements/[id]/route";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";

// The route handlers use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");

const db = testDb();

type Handler = (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
type Fixture = Awaited<ReturnType<typeof orgFixture>>;

/** The route files this test serves, as Next.js maps them (static segment before `[id]`). */
const ROUTES: { pattern: RegExp; mod: Record<string, unknown> }[] = [
  { pattern: /^\/api\/v1\/assets$/, mod: assetsRoute },
  { pattern: /^\/api\/v1\/assets\/(?<id>[^/]+)$/, mod: assetRoute },
  { pattern: /^\/api\/v1\/wallets$/, mod: walletsRoute },
  { pattern: /^\/api\/v1\/wallets\/(?<id>[^/]+)$/, mod: walletRoute },
  { pattern: /^\/api\/v1\/disbursements$/, mod: disbursementsRoute },
  { pattern: /^\/api\/v1\/disbursements\/(?<id>[^/]+)$/, mod: disbursementRoute },
];

let server: http.Server;
let base = "";

beforeAll(async () => {
  // A real HTTP server in front of the route handlers: requests and answers cross a socket.
  server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const route = ROUTES.find((r) => r.pattern.test(url.pathname));
    const handler = route?.mod[req.method ?? "GET"] as Handler | undefined;
    if (!route || typeof handler !== "function") {
      res.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    const request = new Request(url, { method: req.method, headers: req.headers as Record<string, string>, body });
    const params = { ...(url.pathname.match(route.pattern)?.groups ?? {}) } as Record<string, string>;
    const response = await handler(request, { params: Promise.resolve(params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await closeDb();
});

async function api(method: string, path: string, key: string, json?: unknown) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { "content-type": "application/json" }) },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  const text = await response.text();
  return { status: response.status, text, body: text ? (JSON.parse(text) as Record<string, unknown> & unknown[]) : undefined };
}

async function orgFixture(scopes: ApiScope[] = ["write:all"]) {
  const org = await createOrgWithMembers(db, ["owner"]);
  const catalog = await seedDemoCatalog(db, org.org.id);
  const { key } = await createApiKey(
    { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" },
    { name: `catalog ${randomSuffix()}`, scopes },
  );
  return { ...org, catalog, key };
}

async function addAsset(fx: Fixture, code = `T${randomSuffix().slice(0, 5).toUpperCase()}`) {
  const res = await api("POST", "/assets", fx.key, { code, issuer: fx.catalog.usdc.issuer });
  expect(res.status, res.text).toBe(201);
  return res.body as unknown as { id: string; code: string; issuer: string };
}

async function addWallet(fx: Fixture, assetIds: string[], name = `Wallet ${randomSuffix()}`) {
  const res = await api("POST", "/wallets", fx.key, {
    name,
    homepage: "https://wallet.example.org",
    deep_link_schema: "wallet://sdp",
    sep_10_client_domain: "wallet.example.org",
    assets_ids: assetIds,
  });
  expect(res.status, res.text).toBe(201);
  return res.body as unknown as { id: string; name: string };
}

async function draftDisbursement(fx: Fixture, walletId: string, assetId: string, name = `Payroll ${randomSuffix()}`) {
  const res = await api("POST", "/disbursements", fx.key, {
    name,
    wallet_id: walletId,
    asset_id: assetId,
    registration_contact_type: "EMAIL",
    verification_field: "DATE_OF_BIRTH",
  });
  return { ...res, name };
}

const auditRows = (orgId: string, action: string, targetId: string) =>
  db
    .select()
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.action, action), eq(auditEvents.targetId, targetId)));

describe("DELETE /assets/{id} (SDP's soft delete)", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgFixture();
  });

  it("answers the asset with deleted_at, hides it from lists, wallets and stellar.toml, and 204 when already deleted", async () => {
    const asset = await addAsset(fx);
    const wallet = await addWallet(fx, [asset.id, fx.catalog.xlm.id]);
    expect((await listSepAssets(db)).some((a) => a.code === asset.code && a.issuer === asset.issuer)).toBe(true);

    const res = await api("DELETE", `/assets/${asset.id}`, fx.key);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id: asset.id, code: asset.code, deleted_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    const list = await api("GET", "/assets", fx.key);
    expect((list.body as unknown as { id: string }[]).map((a) => a.id)).not.toContain(asset.id);
    const walletsList = (await api("GET", "/wallets", fx.key)).body as unknown as { id: string; assets: { id: string }[] }[];
    expect(walletsList.find((w) => w.id === wallet.id)!.assets.map((a) => a.id)).toEqual([fx.catalog.xlm.id]);
    expect((await listSepAssets(db)).some((a) => a.code === asset.code && a.issuer === asset.issuer)).toBe(false);

    // As SDP: deleting it again answers 204 without a body.
    const again = await api("DELETE", `/assets/${asset.id}`, fx.key);
    expect(again.status).toBe(204);
    expect(again.text).toBe("");

    const audit = await auditRows(fx.org.id, "asset.deleted", asset.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ code: asset.code, api_key_id: expect.any(String) });
  });

  it("re-adding a deleted asset restores it with the same id (as SDP), back in its wallets", async () => {
    const asset = await addAsset(fx);
    const wallet = await addWallet(fx, [asset.id]);
    expect((await api("DELETE", `/assets/${asset.id}`, fx.key)).status).toBe(200);

    const again = await api("POST", "/assets", fx.key, { code: asset.code, issuer: asset.issuer });
    expect(again.status, again.text).toBe(201);
    expect(again.body).toMatchObject({ id: asset.id, code: asset.code, enabled: true, deleted_at: null });
    const list = (await api("GET", "/assets", fx.key)).body as unknown as { id: string }[];
    expect(list.map((a) => a.id)).toContain(asset.id);
    const walletsList = (await api("GET", "/wallets", fx.key)).body as unknown as { id: string; assets: { id: string }[] }[];
    expect(walletsList.find((w) => w.id === wallet.id)!.assets.map((a) => a.id)).toEqual([asset.id]);
    expect(await auditRows(fx.org.id, "asset.restored", asset.id)).toHaveLength(1);
    // A live asset added twice is still a conflict.
    expect((await api("POST", "/assets", fx.key, { code: asset.code, issuer: asset.issuer })).status).toBe(409);
  });

  it("is refused, naming the disbursement, while an unfinished disbursement pays in it; history keeps it once finished", async () => {
    const asset = await addAsset(fx);
    const wallet = await addWallet(fx, [asset.id]);
    const draft = await draftDisbursement(fx, wallet.id, asset.id);
    expect(draft.status, draft.text).toBe(201);
    const draftId = (draft.body as unknown as { id: string }).id;

    const refused = await api("DELETE", `/assets/${asset.id}`, fx.key);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.body).toMatchObject({ reason: "INVALID_STATE" });
    expect(refused.text).toContain(`the disbursement “${draft.name}” uses it and is not finished`);
    const [row] = await db.select().from(assets).where(eq(assets.id, asset.id));
    expect(row!.deletedAt).toBeNull();
    expect(await auditRows(fx.org.id, "asset.deleted", asset.id)).toHaveLength(0);

    // Once the disbursement is finished the asset can go; the disbursement still shows it, marked deleted.
    await db.update(disbursements).set({ status: "CANCELED" }).where(eq(disbursements.id, draftId));
    expect((await api("DELETE", `/assets/${asset.id}`, fx.key)).status).toBe(200);
    const shown = await api("GET", `/disbursements/${draftId}`, fx.key);
    expect(shown.status, shown.text).toBe(200);
    expect(shown.body).toMatchObject({ asset: { id: asset.id, code: asset.code, deleted_at: expect.any(String) } });

    // New disbursements cannot choose it.
    const fresh = await draftDisbursement(fx, wallet.id, asset.id);
    expect(fresh.status, fresh.text).toBe(400);
    expect(fresh.text).toContain(`${asset.code} was deleted`);
  });

  it("is refused, naming the sender, while a G2P sender defaults to it", async () => {
    const asset = await addAsset(fx);
    const wallet = await addWallet(fx, [asset.id]);
    const senderName = `Ministry ${randomSuffix()}`;
    await db.insert(g2pSenders).values({
      orgId: fx.org.id,
      senderId: `sender-${randomSuffix()}`,
      name: senderName,
      callbackUrl: "https://sender.example.org/callback",
      publicKey: "unused",
      walletId: wallet.id,
      defaultAssetId: asset.id,
    });
    const refused = await api("DELETE", `/assets/${asset.id}`, fx.key);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.text).toContain(`the G2P sender “${senderName}” defaults to it`);
    const wallet400 = await api("DELETE", `/wallets/${wallet.id}`, fx.key);
    expect(wallet400.status, wallet400.text).toBe(400);
    expect(wallet400.text).toContain(`the G2P sender “${senderName}” pays into it`);
  });

  it("another organization's key answers 404 and changes nothing; a read-only key answers 403", async () => {
    const other = await orgFixture();
    const asset = await addAsset(fx);
    const res = await api("DELETE", `/assets/${asset.id}`, other.key);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: "Resource not found" });
    const reader = await orgFixture(["read:all"]);
    expect((await api("DELETE", `/assets/${reader.catalog.xlm.id}`, reader.key)).status).toBe(403);
    const [row] = await db.select().from(assets).where(eq(assets.id, asset.id));
    expect(row!.deletedAt).toBeNull();
  });
});

describe("DELETE /wallets/{id} (SDP's soft delete)", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgFixture();
  });

  it("answers 204, hides it from lists, G2P sender and disbursement choices, then 404 (as SDP)", async () => {
    const wallet = await addWallet(fx, [fx.catalog.usdc.id]);
    const res = await api("DELETE", `/wallets/${wallet.id}`, fx.key);
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe("");

    const list = (await api("GET", "/wallets", fx.key)).body as unknown as { id: string }[];
    expect(list.map((w) => w.id)).not.toContain(wallet.id);
    const withDeleted = (await api("GET", "/wallets?include_deleted=true", fx.key)).body as unknown as { id: string; deleted_at: string | null }[];
    expect(withDeleted.find((w) => w.id === wallet.id)).toMatchObject({ deleted_at: expect.any(String) });

    expect((await api("DELETE", `/wallets/${wallet.id}`, fx.key)).status).toBe(404);
    expect((await api("PATCH", `/wallets/${wallet.id}`, fx.key, { enabled: false })).status).toBe(404);

    const ctx = { db, actor: { userId: fx.users.owner.id }, org: { id: fx.org.id }, role: "owner" as const };
    await expect(assertSenderReferences(ctx, { wallet_id: wallet.id, default_asset_id: null })).rejects.toThrow("Unknown wallet");
    const fresh = await draftDisbursement(fx, wallet.id, fx.catalog.usdc.id);
    expect(fresh.status, fresh.text).toBe(400);
    expect(fresh.text).toContain(`${wallet.name} was deleted`);

    const audit = await auditRows(fx.org.id, "wallet.deleted", wallet.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]!.details).toMatchObject({ name: wallet.name });
  });

  it("is refused, naming the disbursement, while an unfinished disbursement pays through it", async () => {
    const wallet = await addWallet(fx, [fx.catalog.usdc.id]);
    const draft = await draftDisbursement(fx, wallet.id, fx.catalog.usdc.id);
    expect(draft.status, draft.text).toBe(201);
    const refused = await api("DELETE", `/wallets/${wallet.id}`, fx.key);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.text).toContain(`The wallet ${wallet.name} cannot be deleted: the disbursement “${draft.name}” uses it and is not finished`);
    const [row] = await db.select().from(wallets).where(eq(wallets.id, wallet.id));
    expect(row!.deletedAt).toBeNull();
  });

  it("is refused while receivers are still registering with it (SDP's pending registrations), allowed once they registered", async () => {
    const wallet = await addWallet(fx, [fx.catalog.usdc.id]);
    const [receiver] = await db
      .insert(receivers)
      .values({ orgId: fx.org.id, externalId: `ext-${randomSuffix()}`, email: `r.${randomSuffix()}@example.org` })
      .returning();
    const [rw] = await db.insert(receiverWallets).values({ orgId: fx.org.id, receiverId: receiver!.id, walletId: wallet.id, status: "READY" }).returning();
    const refused = await api("DELETE", `/wallets/${wallet.id}`, fx.key);
    expect(refused.status, refused.text).toBe(400);
    expect(refused.text).toContain("1 receiver has not finished registering with it");
    await db.update(receiverWallets).set({ status: "REGISTERED" }).where(eq(receiverWallets.id, rw!.id));
    expect((await api("DELETE", `/wallets/${wallet.id}`, fx.key)).status).toBe(204);
  });

  it("a deleted wallet's name is refused in words for a new wallet (SDP does not restore wallets)", async () => {
    const wallet = await addWallet(fx, [fx.catalog.usdc.id]);
    expect((await api("DELETE", `/wallets/${wallet.id}`, fx.key)).status).toBe(204);
    const again = await api("POST", "/wallets", fx.key, {
      name: wallet.name,
      homepage: "https://wallet.example.org",
      deep_link_schema: "wallet://sdp",
      sep_10_client_domain: "wallet.example.org",
      assets_ids: [fx.catalog.usdc.id],
    });
    expect(again.status, again.text).toBe(409);
    expect(again.text).toContain(`A deleted wallet is named \\"${wallet.name}\\"`);
  });

  it("another organization's key answers 404 and changes nothing", async () => {
    const other = await orgFixture();
    const res = await api("DELETE", `/wallets/${fx.catalog.wallet.id}`, other.key);
    expect(res.status).toBe(404);
    const [row] = await db.select().from(wallets).where(eq(wallets.id, fx.catalog.wallet.id));
    expect(row!.deletedAt).toBeNull();
  });
});
