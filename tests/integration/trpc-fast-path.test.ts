import { execFileSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { encode } from "next-auth/jwt";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { closeDb } from "@/db/client";
import { ACTIVE_ORG_COOKIE } from "@/server/auth/constants";
import { secureCookies } from "@/server/auth/cookie-security";
import { authOptions } from "@/server/auth/options";
import { config } from "@/server/config";
import { sessionIdentityFromCookies } from "@/server/auth/session-identity";
import { parseCookieHeader, withTrpcFastPath } from "@/server/http/trpc-fast-path";
import { API_CONTENT_SECURITY_POLICY } from "@/server/http/security-headers";
import { createUserSession, revokeSession } from "@/server/services/auth/sessions";
import { answerTrpcRequest } from "@/server/trpc/http-handler";
import { createOrgWithMembers, testDb } from "./helpers";

// next-auth's options read AUTH_SECRET when loaded, before the imports above run their bodies.
vi.hoisted(() => {
  process.env.AUTH_SECRET ||= "trpc-fast-path-test-secret-of-32-characters";
});

// The handler uses the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
/** What Next.js would have answered: the fast path hands it everything it does not serve. */
const NEXT_ANSWER = 299;
const COOKIE = "next-auth.session-token";

let base = "";
let server: http.Server;
let fx: Awaited<ReturnType<typeof createOrgWithMembers<"owner">>>;
let other: Awaited<ReturnType<typeof createOrgWithMembers<"owner">>>;

/** A session cookie as next-auth sets it at sign-in: a JWT naming the user and a live server-side session. */
async function sessionCookie(userId: string): Promise<{ cookie: string; sid: string }> {
  const sid = await createUserSession(db, { userId });
  const token = await encode({ token: { sub: userId, sid }, secret: authOptions.secret!, maxAge: 3600 });
  return { cookie: `${COOKIE}=${token}`, sid };
}

const call = (procedure: string, input: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}/api/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(superjson.serialize(input)))}`, { headers });

beforeAll(async () => {
  fx = await createOrgWithMembers(db, ["owner"]);
  other = await createOrgWithMembers(db, ["owner"]);
  server = http.createServer(
    withTrpcFastPath(
      (_req, res) => {
        res.writeHead(NEXT_ANSWER, { "content-type": "text/plain" });
        res.end("next");
      },
      { dev: false },
    ),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("tRPC reads answered before Next.js (server/http/trpc-fast-path.ts)", () => {
  it("loads in the web server's own module instance (node --import tsx, as scripts/web-server.ts runs), not only under the test runner", () => {
    // Under plain tsx, next-auth's provider modules do not load as they do in a bundle; a handler
    // that needed them would leave every tRPC read to Next.js (the fast path falls back).
    const out = execFileSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        'const h = await import("@/server/trpc/http-handler"); const s = await import("@/server/auth/session-identity"); console.log(typeof h.answerTrpcRequest, typeof s.sessionIdentityFromCookies); process.exit(0);',
      ],
      { cwd: path.resolve(__dirname, "../.."), env: { ...process.env, LOG_LEVEL: "silent" }, encoding: "utf8", timeout: 60_000 },
    );
    expect(out.trim().split("\n").at(-1)).toBe("function function");
  });

  it("parses cookies as Next.js does: later pairs win, values URI-decoded, undecodable ones skipped", () => {
    expect(parseCookieHeader("a=1; b=x%20y; a=2; c=%E0%A4%A; flag")).toEqual({ a: "2", b: "x y", flag: "true" });
    expect(parseCookieHeader(undefined)).toEqual({});
  });

  it("identifies with the cookie name and secret next-auth's options use (read from the same sources, without loading next-auth's providers)", () => {
    expect(config().AUTH_SECRET).toBe(authOptions.secret);
    expect(secureCookies()).toBe(authOptions.useSecureCookies);
  });

  it("answers a signed-in query like the route's handler, with the headers proxy.ts gives an API answer", async () => {
    const { cookie, sid } = await sessionCookie(fx.users.owner.id);
    const res = await call("organization.get", undefined, { cookie, "x-request-id": "req-trpc-1" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: unknown } };
    const direct = await answerTrpcRequest(new Request(`http://localhost/api/trpc/organization.get`), {
      identity: { userId: fx.users.owner.id, sessionId: sid },
      activeOrgId: null,
    });
    expect(body).toEqual(await direct.json());
    expect(superjson.deserialize(body.result.data as never)).toMatchObject({ id: fx.org.id });
    expect(res.headers.get("x-request-id")).toBe("req-trpc-1");
    expect(res.headers.get("content-security-policy")).toBe(API_CONTENT_SECURITY_POLICY);
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
  });

  it("serves batched reads and reads the active-organization cookie, checked against memberships", async () => {
    // The owner of `fx` also joins `other`; the cookie picks which one answers.
    const { addUserToOrganization } = await import("@/server/services/organization/create-organization");
    await addUserToOrganization(db, { orgId: other.org.id, email: fx.users.owner.email, name: fx.users.owner.name, role: "owner" });
    const { cookie } = await sessionCookie(fx.users.owner.id);
    const input = { 0: superjson.serialize(undefined), 1: superjson.serialize(undefined) };
    const res = await fetch(`${base}/api/trpc/organization.get,organization.get?batch=1&input=${encodeURIComponent(JSON.stringify(input))}`, {
      headers: { cookie: `${cookie}; ${ACTIVE_ORG_COOKIE}=${other.org.id}` },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: { data: unknown } }[];
    expect(body).toHaveLength(2);
    for (const item of body) expect(superjson.deserialize(item.result.data as never)).toMatchObject({ id: other.org.id });
  });

  it("refuses a signed-out, forged or revoked session (401), checking the session on every request", async () => {
    const none = await call("organization.get", undefined);
    expect(none.status).toBe(401);
    expect(none.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const forged = await call("organization.get", undefined, { cookie: `${COOKIE}=not-a-token` });
    expect(forged.status).toBe(401);
    const { cookie, sid } = await sessionCookie(fx.users.owner.id);
    expect((await call("organization.get", undefined, { cookie })).status).toBe(200);
    await revokeSession(db, sid);
    expect((await call("organization.get", undefined, { cookie })).status).toBe(401);
    expect(await sessionIdentityFromCookies(parseCookieHeader(cookie))).toBeNull();
  });

  it("leaves mutations (POST), other paths and next dev to Next.js", async () => {
    const { cookie } = await sessionCookie(fx.users.owner.id);
    const post = await fetch(`${base}/api/trpc/payments.retry`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: "{}" });
    expect(post.status).toBe(NEXT_ANSWER);
    expect((await fetch(`${base}/api/trpcx/organization.get`)).status).toBe(NEXT_ANSWER);
    expect((await fetch(`${base}/disbursements`)).status).toBe(NEXT_ANSWER);
    const dev = http.createServer(
      withTrpcFastPath(
        (_req, res) => {
          res.writeHead(NEXT_ANSWER);
          res.end();
        },
        { dev: true },
      ),
    );
    await new Promise<void>((resolve) => dev.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(dev.address() as AddressInfo).port}/api/trpc/organization.get`, { headers: { cookie } });
      expect(res.status).toBe(NEXT_ANSWER);
    } finally {
      await new Promise<void>((resolve) => dev.close(() => resolve()));
    }
  });
});
