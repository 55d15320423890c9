import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mojaloopParties } from "@/db/schema";
import { loadRailConnection } from "@/server/services/connections/rail-connection";
import { fspiopPartyId, payerOf } from "@/server/rails/mojaloop/mojaloop-connection";
import { readParties, requestPartyLookups } from "@/server/rails/mojaloop/party-lookups";
import type { RailConnection } from "@/server/rails/payment-rail";
import { callerFor, createOrgWithMembers, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * Party lookups (docs/rails/mojaloop.md "Party lookups"): each payee's row is stored PENDING before
 * its `GET /parties` goes out; fresh answers are not asked again, stale, failed and unanswered ones
 * are; a GET the switch refuses is stored FAILED with its words. The switch here is a loopback HTTP
 * server that records the GETs and answers 202 (the answers themselves are callbacks, covered with
 * the Mojaloop Testing Toolkit in mojaloop-rail.test.ts and mojaloop-callbacks.test.ts).
 */

const db = testDb();
let org: TestOrg;
let server: Server;
const received: string[] = [];
/** Identifiers the switch answers 400 / 3204-style to. */
const refused = new Set<string>();
let connection: RailConnection;
let connectionId: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "";
    received.push(`${req.method} ${path} ${req.headers["fspiop-source"]}`);
    const id = path.split("/").pop() ?? "";
    if (refused.has(id)) {
      res.writeHead(400, { "content-type": "application/vnd.interoperability.parties+json;version=1.1" });
      res.end(JSON.stringify({ errorInformation: { errorCode: "3100", errorDescription: "Generic validation error" } }));
      return;
    }
    res.writeHead(202).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  org = await createOrgWithMembers(db);
  const caller = callerFor(db, org.users.owner.id, org.org.id);
  const created = await caller.connections.create({
    rail_type: "MOJALOOP",
    name: `Switch ${randomSuffix()}`,
    settings: { baseUrl: `http://127.0.0.1:${port}`, fspId: "g2p-payer", callbackAllowlist: ["127.0.0.1"], callbackTimeoutSeconds: 5 },
  });
  connectionId = created.id;
  connection = (await loadRailConnection(db, org.org.id, connectionId))!;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const gets = () => received.filter((r) => r.startsWith("GET /parties/MSISDN/"));

describe("requestPartyLookups", () => {
  it("stores each payee PENDING and asks the switch once per payee, digits without the +", async () => {
    const ids = ["+254711000001", "+254711000002", "+254711000002"].map(fspiopPartyId);
    const before = gets().length;
    const result = await requestPartyLookups(db, connection, ids);
    expect(result).toEqual({ requested: 2, failedToSend: 0 });
    expect(gets().slice(before).sort()).toEqual(["GET /parties/MSISDN/254711000001 g2p-payer", "GET /parties/MSISDN/254711000002 g2p-payer"]);
    const parties = await readParties(db, connectionId, ["254711000001", "254711000002"]);
    expect([...parties.values()].map((p) => [p.partyIdentifier, p.status, p.orgId])).toEqual(
      expect.arrayContaining([
        ["254711000001", "PENDING", org.org.id],
        ["254711000002", "PENDING", org.org.id],
      ]),
    );
  });

  it("does not ask again while an answer is fresh or a request is within the callback timeout; force asks anyway", async () => {
    await db
      .update(mojaloopParties)
      .set({ status: "RESOLVED", fspId: "payeefsp", name: "Ada", resolvedAt: new Date() })
      .where(and(eq(mojaloopParties.connectionId, connectionId), eq(mojaloopParties.partyIdentifier, "254711000001")));
    const before = gets().length;
    expect(await requestPartyLookups(db, connection, ["254711000001", "254711000002"])).toEqual({ requested: 0, failedToSend: 0 });
    expect(gets().length).toBe(before);
    expect(await requestPartyLookups(db, connection, ["254711000001"], { force: true })).toEqual({ requested: 1, failedToSend: 0 });
    const party = (await readParties(db, connectionId, ["254711000001"])).get("254711000001")!;
    // Asked again, the last answer is kept until the new one comes.
    expect([party.status, party.fspId, party.name]).toEqual(["PENDING", "payeefsp", "Ada"]);
  });

  it("asks again what went unanswered past the callback timeout, failed, or is older than maxAgeMs", async () => {
    await db.execute(
      sql`update mojaloop_parties set requested_at = now() - interval '10 seconds' where connection_id = ${connectionId} and party_identifier = '254711000002'`,
    );
    await db.insert(mojaloopParties).values([
      { orgId: org.org.id, connectionId, partyIdType: "MSISDN", partyIdentifier: "254711000003", status: "FAILED", errorCode: "2001" },
      { orgId: org.org.id, connectionId, partyIdType: "MSISDN", partyIdentifier: "254711000004", status: "NOT_FOUND", resolvedAt: new Date(Date.now() - 3_600_000) },
    ]);
    const before = gets().length;
    const result = await requestPartyLookups(db, connection, ["254711000002", "254711000003", "254711000004"], { maxAgeMs: 7_200_000 });
    expect(result.requested).toBe(2);
    expect(
      gets()
        .slice(before)
        .map((g) => g.split(" ")[1])
        .sort(),
    ).toEqual(["/parties/MSISDN/254711000002", "/parties/MSISDN/254711000003"]);
    expect(await requestPartyLookups(db, connection, ["254711000004"], { maxAgeMs: 60_000 })).toEqual({ requested: 1, failedToSend: 0 });
  });

  it("stores FAILED with the switch's answer in words when it refuses the GET", async () => {
    refused.add("254711000009");
    const result = await requestPartyLookups(db, connection, ["254711000009"]);
    expect(result).toEqual({ requested: 0, failedToSend: 1 });
    const party = (await readParties(db, connectionId, ["254711000009"])).get("254711000009")!;
    expect(party.status).toBe("FAILED");
    expect(party.errorCode).toBe("3100");
    expect(party.errorMessage).toMatch(/HTTP 400.*GET \/parties\/MSISDN\/254711000009/);
  });

  it("keeps each connection's lookups to itself", async () => {
    const caller = callerFor(db, org.users.owner.id, org.org.id);
    const second = await caller.connections.create({
      rail_type: "MOJALOOP",
      name: `Second switch ${randomSuffix()}`,
      settings: { ...(connection.settings as Record<string, unknown>), fspId: "g2p-payer-2" },
    });
    const secondConnection = (await loadRailConnection(db, org.org.id, second.id))!;
    expect((await readParties(db, second.id, ["254711000001"])).size).toBe(0);
    const before = gets().length;
    expect(await requestPartyLookups(db, secondConnection, ["254711000001"])).toEqual({ requested: 1, failedToSend: 0 });
    expect(gets().slice(before)).toEqual(["GET /parties/MSISDN/254711000001 g2p-payer-2"]);
    expect((await readParties(db, connectionId, ["254711000001"])).get("254711000001")!.name).toBe("Ada");
  });
});

describe("payerOf", () => {
  it("is the business named by our FSP id unless the connection names a payer", () => {
    expect(payerOf(connection, "Relief Org")).toEqual({ type: "BUSINESS", identifier: "g2p-payer", fspId: "g2p-payer", name: "Relief Org" });
    const named = { ...connection, settings: { ...connection.settings, payer: { type: "ACCOUNT_ID", identifier: "PROG-001", name: "Cash aid" } } };
    expect(payerOf(named, "Relief Org")).toEqual({ type: "ACCOUNT_ID", identifier: "PROG-001", fspId: "g2p-payer", name: "Cash aid" });
  });
});
