import { and, eq } from "drizzle-orm";
import { decodeJwt } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { auditEvents, g2pOauthClients } from "@/db/schema";
import { issueG2pAccessToken } from "@/server/services/g2p/oauth-tokens";
import { getPlatformIdentity } from "@/server/services/integrations/get-platform-identity";
import { createG2pOauthClient } from "@/server/services/integrations/create-g2p-oauth-client";
import { listG2pOauthClients } from "@/server/services/integrations/list-g2p-oauth-clients";
import { revokeG2pOauthClient } from "@/server/services/integrations/revoke-g2p-oauth-client";
import type { OrgContext } from "@/server/services/context";
import * as g2pTokenRoute from "@/app/api/g2p/oauth2/client/token/route";
import * as rootTokenRoute from "@/app/oauth2/client/token/route";
import {
  createTestSender,
  disburseItems,
  disburseMessage,
  g2pFixture,
  g2pTestDb,
  getG2pStatus,
  postG2p,
  signedRequest,
  specSearchMessage,
  type G2pFixture,
} from "./g2p-helpers";
import { randomSuffix } from "./helpers";

/**
 * G2P Connect authorization (docs/g2p-connect.md#authorization): OAuth2 client credentials created
 * on the Integrations page, the client-credentials token endpoint (RFC 6749 §4.4, errors §5.2) at
 * `/oauth2/client/token` and under `/api/g2p`, and the bearer JWT accepted by the G2P endpoints
 * beside API keys. Real Requests into the route handlers, real PostgreSQL.
 */

const db = g2pTestDb();

type TokenAnswer = { status: number; body: any; headers: Headers };

/** POST a token request to one of the two token routes; `ip` goes in X-Forwarded-For (as the launcher's web server sets it). */
async function tokenRequest(
  params: Record<string, string>,
  options: { basic?: [string, string]; contentType?: string; route?: "root" | "g2p"; ip?: string } = {},
): Promise<TokenAnswer> {
  const headers = new Headers({ "content-type": options.contentType ?? "application/x-www-form-urlencoded", "x-forwarded-for": options.ip ?? "203.0.113.10" });
  if (options.basic)
    headers.set("authorization", `Basic ${Buffer.from(`${encodeURIComponent(options.basic[0])}:${encodeURIComponent(options.basic[1])}`).toString("base64")}`);
  const route = options.route ?? "root";
  const url = route === "root" ? "http://localhost/oauth2/client/token" : "http://localhost/api/g2p/oauth2/client/token";
  const request = new Request(url, { method: "POST", headers, body: new URLSearchParams(params).toString() });
  const response = await (route === "root" ? rootTokenRoute.POST : g2pTokenRoute.POST)(request);
  return { status: response.status, body: await response.json(), headers: response.headers };
}

type Client = { id: string; client_id: string; client_secret: string };

async function newClient(ctx: OrgContext, senderRowId: string, scopes: ("read:disbursements" | "write:disbursements")[]): Promise<Client> {
  return createG2pOauthClient(ctx, { sender_row_id: senderRowId, name: `client ${randomSuffix()}`, scopes });
}

async function tokenFor(client: Client, scope?: string): Promise<string> {
  const answer = await tokenRequest({ grant_type: "client_credentials", client_id: client.client_id, client_secret: client.client_secret, ...(scope ? { scope } : {}) });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body.access_token as string;
}

const disburseBody = (fx: G2pFixture) => signedRequest(fx.sender, "disburse", disburseMessage(disburseItems(1)));

let fx: G2pFixture;
let writer: Client;

beforeAll(async () => {
  fx = await g2pFixture(db);
  writer = await newClient(fx.ownerCtx, fx.sender.row.id, ["write:disbursements"]);
});

describe("client credentials on the Integrations page", () => {
  it("shows the secret once, stores only a keyed hash, lists without it and audits create and revoke", async () => {
    const client = await newClient(fx.ownerCtx, fx.sender.row.id, ["read:disbursements"]);
    expect(client.client_id).toMatch(/^g2pc_[0-9A-Za-z]{16}$/);
    expect(client.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [row] = await db.select().from(g2pOauthClients).where(eq(g2pOauthClients.id, client.id));
    expect(row!.secretHash).toMatch(/^hmac-sha256\$/);
    expect(row!.secretHash).not.toContain(client.client_secret);
    const listed = (await listG2pOauthClients(fx.ownerCtx)).find((c) => c.id === client.id);
    expect(listed).toMatchObject({ client_id: client.client_id, sender_id: fx.sender.senderId, scopes: ["read:disbursements"], revoked_at: null });
    expect(JSON.stringify(listed)).not.toContain(client.client_secret);

    const revoked = await revokeG2pOauthClient(fx.ownerCtx, { id: client.id });
    expect(revoked.revoked_at).not.toBeNull();
    await revokeG2pOauthClient(fx.ownerCtx, { id: client.id }); // twice is harmless
    const audit = await db
      .select({ action: auditEvents.action, details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, fx.org.id), eq(auditEvents.targetId, client.id)))
      .orderBy(auditEvents.createdAt, auditEvents.id);
    expect(audit.map((a) => a.action)).toEqual(["g2p_oauth_client.created", "g2p_oauth_client.revoked"]);
    expect(JSON.stringify(audit)).not.toContain(client.client_secret);
  });

  it("needs integrations:manage and a role that may grant the scopes", async () => {
    const as = (role: "business" | "developer"): OrgContext => ({ db, actor: { userId: fx.users[role].id }, org: { id: fx.org.id }, role });
    await expect(newClient(as("business"), fx.sender.row.id, ["read:disbursements"])).rejects.toMatchObject({ code: "FORBIDDEN" });
    // A developer manages integrations but cannot read disbursements, so cannot mint credentials that do.
    await expect(newClient(as("developer"), fx.sender.row.id, ["read:disbursements"])).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("is scoped to the organization: another organization's sender or client is not found", async () => {
    const other = await g2pFixture(db);
    await expect(newClient(fx.ownerCtx, other.sender.row.id, ["write:disbursements"])).rejects.toMatchObject({ code: "NOT_FOUND" });
    const theirs = await newClient(other.ownerCtx, other.sender.row.id, ["write:disbursements"]);
    await expect(revokeG2pOauthClient(fx.ownerCtx, { id: theirs.id })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await listG2pOauthClients(fx.ownerCtx)).map((c) => c.id)).not.toContain(theirs.id);
    expect((await tokenRequest({ grant_type: "client_credentials", client_id: theirs.client_id, client_secret: theirs.client_secret })).status).toBe(200);
  });
});

describe("POST /oauth2/client/token", () => {
  it("issues a short-lived bearer JWT for credentials in the body (root) or HTTP Basic (under /api/g2p)", async () => {
    const inBody = await tokenRequest({ grant_type: "client_credentials", client_id: writer.client_id, client_secret: writer.client_secret });
    expect(inBody.status).toBe(200);
    expect(inBody.body).toEqual({ access_token: expect.any(String), token_type: "Bearer", expires_in: 300, scope: "write:disbursements" });
    expect(inBody.headers.get("cache-control")).toBe("no-store");
    const claims = decodeJwt(inBody.body.access_token);
    expect(claims.sub).toBe(writer.client_id);
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(inBody.body.access_token).not.toContain(writer.client_secret);

    const basic = await tokenRequest(
      { grant_type: "client_credentials", scope: "read:disbursements" },
      { basic: [writer.client_id, writer.client_secret], route: "g2p" },
    );
    expect(basic.status).toBe(200);
    expect(basic.body).toMatchObject({ token_type: "Bearer", scope: "read:disbursements" });
  });

  it("is listed among the endpoints on the Integrations page", async () => {
    const identity = await getPlatformIdentity(fx.ownerCtx);
    expect(identity.endpoints.map((e) => `${e.method} ${e.url}`)).toContain(`POST ${identity.base_url}/oauth2/client/token`);
    expect(identity.authentication).toMatch(/oauth2\/client\/token/);
  });

  it("answers RFC 6749 §5.2 errors", async () => {
    const ok = { grant_type: "client_credentials", client_id: writer.client_id, client_secret: writer.client_secret };
    const ip = "198.51.100.7";
    const wrong = await tokenRequest({ ...ok, client_secret: "A".repeat(43) }, { ip });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toBe("invalid_client");
    expect(wrong.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect((await tokenRequest({ ...ok, client_id: "g2pc_0000000000000000" }, { ip })).body.error).toBe("invalid_client");
    expect((await tokenRequest({ grant_type: "client_credentials" }, { ip })).body.error).toBe("invalid_client");

    const grant = await tokenRequest({ ...ok, grant_type: "password" });
    expect([grant.status, grant.body.error]).toEqual([400, "unsupported_grant_type"]);
    expect((await tokenRequest({ client_id: writer.client_id, client_secret: writer.client_secret })).body.error).toBe("invalid_request");
    const json = await tokenRequest(ok, { contentType: "application/json" });
    expect([json.status, json.body.error]).toEqual([400, "invalid_request"]);
    expect((await tokenRequest(ok, { basic: [writer.client_id, writer.client_secret] })).body.error).toBe("invalid_request");
    const scope = await tokenRequest({ ...ok, scope: "write:payments" });
    expect([scope.status, scope.body.error]).toEqual([400, "invalid_scope"]);

    const reader = await newClient(fx.ownerCtx, fx.sender.row.id, ["read:disbursements"]);
    const upscope = await tokenRequest({
      grant_type: "client_credentials",
      client_id: reader.client_id,
      client_secret: reader.client_secret,
      scope: "write:disbursements",
    });
    expect([upscope.status, upscope.body.error]).toEqual([400, "invalid_scope"]);
  });

  it("refuses a revoked client (invalid_client) and a disabled sender's client (invalid_grant)", async () => {
    const client = await newClient(fx.ownerCtx, fx.sender.row.id, ["write:disbursements"]);
    await revokeG2pOauthClient(fx.ownerCtx, { id: client.id });
    const revoked = await tokenRequest({ grant_type: "client_credentials", client_id: client.client_id, client_secret: client.client_secret });
    expect([revoked.status, revoked.body.error]).toEqual([401, "invalid_client"]);

    const disabled = await createTestSender(db, fx.org.id, { walletId: fx.catalog.wallet.id, enabled: false });
    const ofDisabled = await newClient(fx.ownerCtx, disabled.row.id, ["write:disbursements"]);
    const answer = await tokenRequest({ grant_type: "client_credentials", client_id: ofDisabled.client_id, client_secret: ofDisabled.client_secret });
    expect([answer.status, answer.body.error]).toEqual([400, "invalid_grant"]);
  });

  it("throttles failed client authentications per client and address like sign-in (429), leaving other addresses alone", async () => {
    const client = await newClient(fx.ownerCtx, fx.sender.row.id, ["write:disbursements"]);
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const good = { grant_type: "client_credentials", client_id: client.client_id, client_secret: client.client_secret };
    for (let i = 0; i < 5; i++) expect((await tokenRequest({ ...good, client_secret: "B".repeat(43) }, { ip })).status).toBe(401);
    const throttled = await tokenRequest(good, { ip });
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((await tokenRequest(good, { ip: "2001:db8::77" })).status).toBe(200);
  });
});

describe("the G2P endpoints accept the access token", () => {
  it("takes it for /disburse and the GET status, as Authorization: Bearer or x-access-token", async () => {
    const token = await tokenFor(writer);
    const body = disburseBody(fx);
    const res = await postG2p("/disburse", body, { key: token });
    expect(res.status, res.text).toBe(200);
    expect(res.body.message.ack_status).toBe("ACK");
    const status = await getG2pStatus({ key: token, id: body.message.transaction_id as string, summaryOnly: false });
    expect(status.status, status.text).toBe(200);

    const search = await postG2p("/disburse/sync/search", signedRequest(fx.sender, "search", specSearchMessage([{ type: "payee_fa", value: "stellar:x" }])), {
      key: null,
      headers: { "x-access-token": token },
    });
    expect(search.status, search.text).toBe(200);
  });

  it("refuses an expired token, a forged one and one of a revoked client with 401 err.request.unauthorized (HttpErrorResponse)", async () => {
    const client = await newClient(fx.ownerCtx, fx.sender.row.id, ["write:disbursements"]);
    const form = `grant_type=client_credentials&client_id=${client.client_id}&client_secret=${client.client_secret}`;
    const old = await issueG2pAccessToken(
      db,
      { contentType: "application/x-www-form-urlencoded", authorization: null, body: form, ip: "203.0.113.5" },
      new Date(Date.now() - 301_000),
    );
    expect(old.status).toBe(200);
    const expired = await postG2p("/disburse", disburseBody(fx), { key: old.body.access_token as string });
    expect(expired.status).toBe(401);
    expect(expired.body).toEqual({ errors: [{ code: "err.request.unauthorized", message: expect.stringMatching(/access token/) }] });

    const token = await tokenFor(client);
    const [h, p] = token.split(".");
    const forged = await postG2p("/disburse", disburseBody(fx), { key: `${h}.${p}.${"A".repeat(43)}` });
    expect(forged.body.errors[0].code).toBe("err.request.unauthorized");

    expect((await postG2p("/disburse", disburseBody(fx), { key: token })).status).toBe(200);
    await revokeG2pOauthClient(fx.ownerCtx, { id: client.id });
    const revoked = await postG2p("/disburse", disburseBody(fx), { key: token });
    expect(revoked.status).toBe(401);
    expect(revoked.body.errors[0].code).toBe("err.request.unauthorized");
  });

  it("enforces the token's scope: a read token cannot disburse (403 err.request.forbidden) but can search", async () => {
    const readToken = await tokenFor(writer, "read:disbursements");
    const res = await postG2p("/disburse", disburseBody(fx), { key: readToken });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ errors: [{ code: "err.request.forbidden", message: expect.stringMatching(/write:disbursements/) }] });
    const search = await postG2p("/disburse/sync/search", signedRequest(fx.sender, "search", specSearchMessage([{ type: "payee_fa", value: "stellar:x" }])), {
      key: readToken,
    });
    expect(search.status, search.text).toBe(200);
  });

  it("acts only for its own sender and organization", async () => {
    const token = await tokenFor(writer);
    // Another sender of the same organization, signing its own message correctly.
    const sibling = await createTestSender(db, fx.org.id, { walletId: fx.catalog.wallet.id, defaultAssetId: fx.catalog.usdc.id });
    const res = await postG2p("/disburse", signedRequest(sibling, "disburse", disburseMessage(disburseItems(1))), { key: token });
    expect(res.status).toBe(403);
    expect(res.body.errors[0]).toEqual({ code: "err.request.forbidden", message: expect.stringContaining(sibling.senderId) });
    // The sibling's transactions are not visible through the token either.
    const siblingBody = signedRequest(sibling, "disburse", disburseMessage(disburseItems(1)));
    expect((await postG2p("/disburse", siblingBody, { key: fx.writeKey })).status).toBe(200);
    expect((await getG2pStatus({ key: token, id: siblingBody.message.transaction_id as string, summaryOnly: true })).status).toBe(404);
    expect((await getG2pStatus({ key: token, id: siblingBody.message.transaction_id as string, summaryOnly: true, senderId: sibling.senderId })).status).toBe(403);

    // Another organization's sender: unknown to the token's organization.
    const other = await g2pFixture(db);
    const theirs = await postG2p("/disburse", signedRequest(other.sender, "disburse", disburseMessage(disburseItems(1))), { key: token });
    expect(theirs.status).toBe(403);
    expect(theirs.body.errors[0].code).toBe("err.sender_id.invalid");
  });

  it("keeps API keys working beside tokens", async () => {
    const res = await postG2p("/disburse", disburseBody(fx), { key: fx.writeKey });
    expect(res.status, res.text).toBe(200);
  });
});
