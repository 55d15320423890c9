import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Writable } from "node:stream";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { auditEvents, paymentConnections } from "@/db/schema";
import { withClientAddress } from "@/server/http/web-server";
import { createLogger } from "@/server/log";
import { applyMojaloopCallback } from "@/server/rails/mojaloop/apply-callback";
import type { FspiopCallbackEvent } from "@/server/rails/mojaloop/fspiop-callbacks";
import { FspiopClient } from "@/server/rails/mojaloop/fspiop-client";
import { signFspiopRequest } from "@/server/rails/mojaloop/fspiop-jws";
import { addressAllowed, respondToMojaloopCallback, type MojaloopCallbackOutcome } from "@/server/rails/mojaloop/receive-callback";
import { startTtk, TTK_FSP_ID, type TtkHandle } from "../support/ttk";
import { waitFor } from "../support/wait";
import { mojaloopCallbackUrl } from "@/server/services/connections/connection-view";
import { callerFor, createOrgWithMembers, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * The switch's callbacks (docs/rails/mojaloop-connections.md, "Callbacks") over real HTTP into the
 * route's own code (respondToMojaloopCallback, behind the web server's client-address wrapper as in
 * production) with real PostgreSQL: the allowlist, JWS verification over the raw body, the form
 * checks, unknown ids answered 200 and logged; and "Test connection" against the real Mojaloop
 * Testing Toolkit (a party lookup answered by its callback through this route).
 */

// Test connection's health check reads the party row through the process pool (getDb).
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());
const db = testDb();

const OUR_FSP = "g2p-payer";
const PAYEE_FSP = "payeefsp";

type LogLine = Record<string, unknown> & { msg: string };
const logLines: LogLine[] = [];
const log = createLogger(
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString("utf8").split("\n").filter(Boolean)) logLines.push(JSON.parse(line) as LogLine);
      done();
    },
  }),
  "debug",
);

/** What the route scheduled after its answer, and what the rail's apply said. */
const applied: { event: FspiopCallbackEvent; outcome: MojaloopCallbackOutcome }[] = [];
let scheduled: Promise<void>[] = [];
const settled = async () => {
  const pending = scheduled;
  scheduled = [];
  await Promise.all(pending);
};

let server: http.Server;
let base: string;
let org: TestOrg;

const switchKeys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});
const otherKeys = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
  publicKeyEncoding: { type: "spki", format: "pem" },
});

const conn = { open: "", signed: "", elsewhere: "" };

async function createConnection(settings: Record<string, unknown>, credentials?: Record<string, string>): Promise<string> {
  const caller = callerFor(db, org.users.owner.id, org.org.id);
  const created = await caller.connections.create({
    rail_type: "MOJALOOP",
    name: `Switch ${randomSuffix()}`,
    settings: { baseUrl: "http://127.0.0.1:4040", fspId: OUR_FSP, ...settings },
    ...(credentials ? { credentials } : {}),
  });
  return created.id;
}

beforeAll(async () => {
  // The route as the web server runs it: X-Forwarded-For rewritten from the socket (no trusted proxy).
  server = http.createServer(
    withClientAddress(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const match = /^\/api\/mojaloop\/([^/]+)(?:\/(.*))?$/.exec(url.pathname);
      if (!match) {
        res.writeHead(404).end();
        return;
      }
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) if (typeof value === "string") headers.set(name, value);
      const method = req.method ?? "GET";
      const request = new Request(url, { method, headers, body: method === "GET" || method === "HEAD" ? undefined : Buffer.concat(chunks) });
      const response = await respondToMojaloopCallback(
        request,
        { connectionId: decodeURIComponent(match[1]!), path: (match[2] ?? "").split("/").map(decodeURIComponent) },
        {
          db,
          log,
          schedule: (task) => scheduled.push(new Promise<void>((resolve) => setImmediate(() => void task().then(resolve)))),
          apply: async (d, target, event, l) => {
            const outcome = await applyMojaloopCallback(d, target, event, l);
            applied.push({ event, outcome });
            return outcome;
          },
        },
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    }, 0),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/mojaloop`;

  org = await createOrgWithMembers(db);
  conn.open = await createConnection({ callbackAllowlist: ["127.0.0.1"] });
  conn.signed = await createConnection({ callbackAllowlist: ["10.9.0.0/16", "127.0.0.0/8"] }, { switchCertificate: switchKeys.publicKey });
  conn.elsewhere = await createConnection({ callbackAllowlist: ["192.0.2.10", "2001:db8::/32"] });
});

afterAll(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

const fulfilment = () => randomBytes(32).toString("base64url");

function fspiopHeaders(resource: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    "content-type": `application/vnd.interoperability.${resource}+json;version=1.1`,
    "fspiop-source": PAYEE_FSP,
    "fspiop-destination": OUR_FSP,
    date: new Date().toUTCString(),
    ...extra,
  };
}

async function put(connectionId: string, path: string, body: string, headers: Record<string, string>, method = "PUT") {
  const response = await fetch(`${base}/${connectionId}${path}`, { method, headers, body });
  const text = await response.text();
  return { status: response.status, text, json: text ? (JSON.parse(text) as { errorInformation?: { errorCode: string; errorDescription: string } }) : null };
}

/** A signed transfer callback for `signedPath`, the body signed as given. */
function signed(signedPath: string, body: string, privateKey = switchKeys.privateKey, headers = fspiopHeaders("transfers")) {
  return { ...headers, ...signFspiopRequest({ method: "PUT", uri: signedPath, headers, body, privateKey }) };
}

const refusals = (connectionId: string) => logLines.filter((l) => l.connectionId === connectionId && l.outcome === "refused");

describe("the source address", () => {
  it("matches addresses and CIDR ranges of both families; a mapped IPv4 counts as IPv4", () => {
    expect(addressAllowed("10.0.0.5", ["10.0.0.0/24"])).toBe(true);
    expect(addressAllowed("::ffff:10.0.0.5", ["10.0.0.0/24"])).toBe(true);
    expect(addressAllowed("10.0.1.5", ["10.0.0.0/24", "10.0.1.6"])).toBe(false);
    expect(addressAllowed("2001:db8::7", ["2001:db8::/32"])).toBe(true);
    expect(addressAllowed("2001:db9::7", ["2001:db8::/32", "::1"])).toBe(false);
    expect(addressAllowed(null, ["0.0.0.0/0"])).toBe(false);
  });

  it("refuses a callback from outside the allowlist with 403 and an FSPIOP error, even with a forged X-Forwarded-For, and logs why", async () => {
    const transferId = randomUUID();
    const body = JSON.stringify({ transferState: "COMMITTED", fulfilment: fulfilment() });
    const before = applied.length;
    const refused = await put(conn.elsewhere, `/transfers/${transferId}`, body, { ...fspiopHeaders("transfers"), "x-forwarded-for": "192.0.2.10" });
    expect(refused.status).toBe(403);
    expect(refused.json?.errorInformation).toEqual({
      errorCode: "3000",
      errorDescription: expect.stringMatching(/only from the connection's switch addresses; 127\.0\.0\.1 is not one of them/),
    });
    await settled();
    expect(applied.length).toBe(before);
    expect(refusals(conn.elsewhere).at(-1)).toMatchObject({ status: 403, field: "source address", source: "127.0.0.1", resource: `/transfers/${transferId}` });
    // Never the body: no fulfilment in the log.
    expect(JSON.stringify(refusals(conn.elsewhere))).not.toContain(JSON.parse(body).fulfilment);

    // The same callback from an allowed address is taken.
    expect((await put(conn.open, `/transfers/${transferId}`, body, fspiopHeaders("transfers"))).status).toBe(200);
    await settled();
  });

  it("answers 404 for a connection that does not exist or is not a Mojaloop one, 405 for another method", async () => {
    const body = JSON.stringify({ transferState: "COMMITTED" });
    expect((await put(randomUUID(), `/transfers/${randomUUID()}`, body, fspiopHeaders("transfers"))).json?.errorInformation?.errorCode).toBe("3002");
    expect((await put("not-a-uuid", `/transfers/${randomUUID()}`, body, fspiopHeaders("transfers"))).status).toBe(404);
    const stellar = (
      await db
        .select({ id: paymentConnections.id })
        .from(paymentConnections)
        .where(and(eq(paymentConnections.orgId, org.org.id), eq(paymentConnections.railType, "STELLAR")))
    )[0];
    if (stellar) expect((await put(stellar.id, `/transfers/${randomUUID()}`, body, fspiopHeaders("transfers"))).status).toBe(404);
    const post = await put(conn.open, `/transfers/${randomUUID()}`, body, fspiopHeaders("transfers"), "POST");
    expect(post.status).toBe(405);
  });
});

describe("the JWS signature, when a switch certificate is configured", () => {
  it("refuses a missing signature, another key's, a changed body and a signature for another path; takes a good one", async () => {
    const transferId = randomUUID();
    const path = `/transfers/${transferId}`;
    const body = JSON.stringify({ transferState: "COMMITTED", fulfilment: fulfilment(), completedTimestamp: new Date().toISOString() });

    const missing = await put(conn.signed, path, body, fspiopHeaders("transfers"));
    expect([missing.status, missing.json?.errorInformation?.errorCode]).toEqual([403, "3105"]);
    expect(missing.json?.errorInformation?.errorDescription).toMatch(/no FSPIOP-Signature header/);

    const otherKey = await put(conn.signed, path, body, signed(path, body, otherKeys.privateKey));
    expect([otherKey.status, otherKey.json?.errorInformation?.errorDescription]).toEqual([403, expect.stringMatching(/does not verify/)]);

    const changed = await put(conn.signed, path, body.replace("COMMITTED", "ABORTED"), signed(path, body));
    expect([changed.status, changed.json?.errorInformation?.errorCode]).toEqual([403, "3105"]);

    // A body signed for another transfer, replayed to this one.
    const elsewhere = `/transfers/${randomUUID()}`;
    const replayed = await put(conn.signed, path, body, signed(elsewhere, body));
    expect([replayed.status, replayed.json?.errorInformation?.errorCode]).toEqual([403, "3106"]);
    await settled();
    expect(applied.some((a) => a.event.kind === "TRANSFER" && a.event.transferId === transferId)).toBe(false);
    expect(refusals(conn.signed).map((l) => l.field)).toEqual(["header fspiop-signature", "header fspiop-signature", "header fspiop-signature", "header fspiop-uri"]);

    const good = await put(conn.signed, path, body, signed(path, body));
    expect(good.status, good.text).toBe(200);
    expect(good.text).toBe("");
    await settled();
    expect(applied.find((a) => a.event.kind === "TRANSFER" && a.event.transferId === transferId)?.event).toMatchObject({ source: PAYEE_FSP, destination: OUR_FSP });
  });
});

describe("the form", () => {
  it("answers 400 naming the field of an invalid body, a body that is not JSON, a wrong content type; our own FSP id as source is refused", async () => {
    const path = `/transfers/${randomUUID()}`;
    const invalid = await put(conn.open, path, JSON.stringify({ transferState: "DONE" }), fspiopHeaders("transfers"));
    expect([invalid.status, invalid.json?.errorInformation?.errorCode]).toEqual([400, "3100"]);
    expect(invalid.json?.errorInformation?.errorDescription).toMatch(/transferState/);
    expect(refusals(conn.open).at(-1)).toMatchObject({ status: 400, field: "transferState" });

    const notJson = await put(conn.open, path, "{transferState", fspiopHeaders("transfers"));
    expect([notJson.status, notJson.json?.errorInformation?.errorCode]).toEqual([400, "3101"]);
    const wrongType = await put(conn.open, path, JSON.stringify({ transferState: "COMMITTED" }), fspiopHeaders("transfers", { "content-type": "application/json" }));
    expect([wrongType.status, refusals(conn.open).at(-1)?.field]).toEqual([400, "header content-type"]);
    const unknownResource = await put(conn.open, `/accounts/${randomUUID()}`, "{}", fspiopHeaders("transfers"));
    expect([unknownResource.status, unknownResource.json?.errorInformation?.errorCode]).toEqual([404, "3002"]);
    const ourOwn = await put(conn.open, path, JSON.stringify({ transferState: "COMMITTED" }), fspiopHeaders("transfers", { "fspiop-source": OUR_FSP }));
    expect([ourOwn.status, refusals(conn.open).at(-1)?.field]).toEqual([403, "header fspiop-source"]);
    const notOurs = await put(conn.open, path, JSON.stringify({ transferState: "COMMITTED" }), fspiopHeaders("transfers", { "fspiop-destination": "otherfsp" }));
    expect([notOurs.status, refusals(conn.open).at(-1)?.field]).toEqual([400, "header fspiop-destination"]);
  });
});

describe("unknown ids", () => {
  it("answers 200 and logs that the callback was ignored, with the rail's reason", async () => {
    const bulkTransferId = randomUUID();
    const answer = await put(
      conn.open,
      `/bulkTransfers/${bulkTransferId}`,
      JSON.stringify({ bulkTransferState: "COMPLETED", individualTransferResults: [{ transferId: randomUUID(), fulfilment: fulfilment() }] }),
      fspiopHeaders("bulkTransfers"),
    );
    expect(answer.status, answer.text).toBe(200);
    const errorId = randomUUID();
    expect(
      (
        await put(
          conn.open,
          `/transfers/${errorId}/error`,
          JSON.stringify({ errorInformation: { errorCode: "3208", errorDescription: "Transfer ID not found" } }),
          fspiopHeaders("transfers"),
        )
      ).status,
    ).toBe(200);
    await settled();
    for (const id of [bulkTransferId, errorId]) {
      expect(applied.find((a) => JSON.stringify(a.event).includes(id))?.outcome).toEqual({ applied: false, reason: expect.any(String) });
      const line = logLines.find((l) => l.outcome === "ignored" && String(l.subject).includes(id));
      expect(line, `the ignored callback ${id} is logged`).toMatchObject({ connectionId: conn.open, reason: expect.any(String), level: 40 });
    }
  });
});

describe("Test connection against the Mojaloop Testing Toolkit", () => {
  let ttk: TtkHandle;
  let connectionId: string;
  const caller = () => callerFor(db, org.users.owner.id, org.org.id);
  const settings = (extra: Record<string, unknown>) => ({
    baseUrl: "http://127.0.0.1:4040",
    fspId: OUR_FSP,
    callbackAllowlist: ["127.0.0.1"],
    callbackTimeoutSeconds: 30,
    ...extra,
  });

  beforeAll(async () => {
    connectionId = await createConnection(settings({ testParty: { type: "MSISDN", identifier: "+254700000001" } }));
    ttk = await startTtk({ callbackUrl: `${base}/${connectionId}` });
    // Warm the toolkit up (its first answer can take many seconds on a loaded machine, more than Test
    // connection waits): one lookup straight through the FSPIOP client, its callback seen by the route.
    await new FspiopClient({ baseUrl: ttk.fspiopUrl, fspId: OUR_FSP, timeoutMs: 60_000 }).lookupParty({ type: "MSISDN", identifier: "254700000009" });
    await waitFor(() => logLines.find((l) => l.connectionId === connectionId && l.subject === "PARTY MSISDN 254700000009"), {
      message: "the toolkit's first callback",
      details: () => ttk.log().slice(-1500),
    });
  }, 700_000);

  afterAll(async () => {
    await ttk?.stop();
  });

  it("looks up the test party and reports its name and FSP: HEALTHY, shown on the connection with an audit row", async () => {
    const tested = await caller().connections.test({ id: connectionId });
    expect(tested, JSON.stringify(logLines.slice(-5))).toMatchObject({
      healthy: true,
      status: "HEALTHY",
      message: `Found Payee 254700000001 at ${TTK_FSP_ID}: the switch answered the lookup of MSISDN +254700000001.`,
    });
    const request = (await ttk.requests()).find((r) => r.path === "/parties/MSISDN/254700000001");
    expect(request?.headers).toMatchObject({ "fspiop-source": OUR_FSP });
    const view = await caller().connections.get({ id: connectionId });
    expect(view.health).toMatchObject({ status: "HEALTHY", message: tested.message });
    const audit = await db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, connectionId), eq(auditEvents.action, "connection.tested")));
    expect(audit.at(-1)?.details).toMatchObject({ status: "HEALTHY" });
  });

  it("a party the switch does not know (3204) is still a working connection, said in words", async () => {
    await caller().connections.update({ id: connectionId, settings: settings({ testParty: { type: "MSISDN", identifier: "+254799000404" } }) });
    const tested = await caller().connections.test({ id: connectionId });
    expect(tested).toMatchObject({ healthy: true, status: "HEALTHY" });
    expect(tested.message).toMatch(/^The switch answered: MSISDN \+254799000404 is not known there \(3204: No account was found for this payee/);
  });

  it("no callback (the switch's address is not allowed) is UNHEALTHY naming the callback URL to check", async () => {
    await caller().connections.update({
      id: connectionId,
      settings: settings({ callbackAllowlist: ["192.0.2.10"], callbackTimeoutSeconds: 5, testParty: { type: "MSISDN", identifier: "+254700000002" } }),
    });
    const tested = await caller().connections.test({ id: connectionId });
    expect(tested).toMatchObject({ healthy: false, status: "UNHEALTHY" });
    expect(tested.message).toContain(
      `no callback arrived within 5 s. Check that the switch has ${mojaloopCallbackUrl(connectionId)} as the callback URL of FSP ${OUR_FSP}`,
    );
    // The toolkit did call back: the route refused it for its address, and said so.
    expect(refusals(connectionId).some((l) => l.field === "source address" && String(l.resource) === "/parties/MSISDN/254700000002")).toBe(true);
  });

  it("without a test party the switch is not asked: UNKNOWN, telling staff to set one", async () => {
    await caller().connections.update({ id: connectionId, settings: settings({}) });
    const before = (await ttk.requests()).length;
    const tested = await caller().connections.test({ id: connectionId });
    expect(tested).toMatchObject({ healthy: false, status: "UNKNOWN", message: expect.stringMatching(/^No test party is set/) });
    expect((await ttk.requests()).length).toBe(before);
  });
});
