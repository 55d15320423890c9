import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { withRestFastPath, restRoutes } from "@/server/http/rest-fast-path";
import { API_CONTENT_SECURITY_POLICY } from "@/server/http/security-headers";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import * as walletsRoute from "@/app/api/v1/wallets/route";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";

// The route handlers use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
const APP_DIR = path.resolve(__dirname, "../../app");

/** What Next.js would have answered: the fast path hands it everything it does not serve. */
const NEXT_ANSWER = 299;

let base = "";
let server: http.Server;
let key = "";

beforeAll(async () => {
  const fx = await createOrgWithMembers(db, ["owner"]);
  await seedDemoCatalog(db, fx.org.id);
  key = (
    await createApiKey({ db, actor: { userId: fx.users.owner.id }, org: { id: fx.org.id }, role: "owner" }, { name: `fast ${randomSuffix()}`, scopes: ["read:all"] })
  ).key;
  server = http.createServer(
    withRestFastPath(
      (_req, res) => {
        res.writeHead(NEXT_ANSWER, { "content-type": "text/plain" });
        res.end("next");
      },
      { appDir: APP_DIR, dev: false },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("REST reads answered before Next.js (server/http/rest-fast-path.ts)", () => {
  it("matches route files like Next.js: static segments before [id]", () => {
    const routes = restRoutes(APP_DIR);
    const match = (p: string) => routes.find((r) => r.pattern.test(p))?.file.replace(APP_DIR, "");
    expect(match("/api/v1/payments/retry")).toBe("/api/v1/payments/retry/route.ts");
    expect(match("/api/v1/payments/0b6f7c1e-2d7a-4c55-9a55-0b0b6f7c1e2d")).toBe("/api/v1/payments/[id]/route.ts");
    expect(match("/api/v1/disbursements/abc/receivers")).toBe("/api/v1/disbursements/[id]/receivers/route.ts");
    expect(match("/api/v1/openapi.json")).toBe("/api/v1/openapi.json/route.ts");
    // Anything else under /api/v1 reaches the catch-all JSON 404 (issue 15), after every other route.
    expect(match("/api/v1/openapiXjson")).toBe("/api/v1/[...path]/route.ts");
    expect(match("/api/v1/wallets/extra/segments")).toBe("/api/v1/[...path]/route.ts");
    expect(routes.at(-1)?.file.replace(APP_DIR, "")).toBe("/api/v1/[...path]/route.ts");
  });

  it("answers like the route handler, with the headers proxy.ts gives an API answer", async () => {
    const res = await fetch(`${base}/api/v1/wallets?page_limit=5`, { headers: { authorization: `Bearer ${key}`, "x-request-id": "req-fast-1" } });
    expect(res.status).toBe(200);
    const direct = await walletsRoute.GET(new Request("http://localhost/api/v1/wallets?page_limit=5", { headers: { authorization: `Bearer ${key}` } }));
    expect(await res.json()).toEqual(await direct.json());
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("x-request-id")).toBe("req-fast-1");
    expect(res.headers.get("content-security-policy")).toBe(API_CONTENT_SECURITY_POLICY);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cross-origin-opener-policy")).toBe("same-origin");
  });

  it("refuses a missing or wrong key exactly as the handler does (401), and gives every answer a request id", async () => {
    const none = await fetch(`${base}/api/v1/wallets`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ error: "Not authorized" });
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const wrong = await fetch(`${base}/api/v1/wallets`, { headers: { authorization: `Bearer ${key.slice(0, -2)}xx` } });
    expect(wrong.status).toBe(401);
  });

  it("passes the path parameter, decoded, to the handler (404 for an id that is not a UUID)", async () => {
    const res = await fetch(`${base}/api/v1/payments/not-a-uuid`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    const missing = await fetch(`${base}/api/v1/payments/0b6f7c1e-2d7a-4c55-9a55-0b0b6f7c1e2d`, { headers: { authorization: `Bearer ${key}` } });
    expect(missing.status).toBe(404);
  });

  it("leaves writes and routes without GET to Next.js; unknown paths get a JSON 404", async () => {
    const auth = { authorization: `Bearer ${key}` };
    expect((await fetch(`${base}/api/v1/disbursements`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: "{}" })).status).toBe(
      NEXT_ANSWER,
    );
    expect((await fetch(`${base}/api/v1/payments/retry`, { headers: auth })).status).toBe(NEXT_ANSWER);
    const unknown = await fetch(`${base}/api/v1/no-such-route`, { headers: auth });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await unknown.json()).toMatchObject({ error: "Resource not found", extras: { status: 404 } });
    expect((await fetch(`${base}/api/trpc/disbursements.list`, { headers: auth })).status).toBe(NEXT_ANSWER);
    expect((await fetch(`${base}/disbursements`, { headers: auth })).status).toBe(NEXT_ANSWER);
  });
});
