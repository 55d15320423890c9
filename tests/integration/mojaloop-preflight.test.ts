import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assets, auditEvents, disbursements, mojaloopParties, payments } from "@/db/schema";
import type { OrgContext } from "@/server/services/context";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { EXCLUDED_FAILED_MESSAGE, EXCLUDED_NOT_FOUND_MESSAGE } from "@/server/services/mojaloop/exclude-unresolved-payees";
import { callerFor, createOrgWithMembers, expectTRPCError, randomSuffix, testDb, type TestOrg } from "./helpers";

/**
 * The Mojaloop party preflight (docs/rails/mojaloop-preflight.md) against real PostgreSQL and a real
 * HTTP switch on loopback that takes GET /parties (202) — or refuses one number (400, FSPIOP 3100) —
 * and records what it was asked. The switch's PUT /parties callbacks are played by writing the
 * `mojaloop_parties` rows the way the callback side does (RESOLVED with name and FSP, NOT_FOUND 3204);
 * the whole path through the Testing Toolkit and the callbacks route is e2e/mojaloop.spec.ts.
 */

const db = testDb();

type Asked = { fspiopSource: string; path: string };
let fx: TestOrg & { kes: string; north: { id: string; name: string }; south: { id: string; name: string } };
let server: Server;
const asked: Asked[] = [];
/** The fake switch refuses GET /parties for this number (FSPIOP form) with HTTP 400, error 3100. */
let refused = "";

const ctxOf = (): OrgContext => ({ db, actor: { userId: fx.users.owner.id }, org: { id: fx.org.id }, role: "owner" });
const owner = () => callerFor(db, fx.users.owner.id, fx.org.id);
let phoneCounter = Math.floor(Math.random() * 4_000_000);
const kenyanMobile = () => `+25472${1_000_000 + (phoneCounter++ % 8_000_000)}`;

async function phoneDisbursement(rows: string[]) {
  const d = await createDisbursement(ctxOf(), {
    name: `Phones ${randomSuffix()}`,
    asset_id: fx.kes,
    registration_contact_type: "DIRECT_PHONE",
    verification_field: null,
  });
  await importInstructions(ctxOf(), { disbursementId: d.id, fileName: "phones.csv", content: Buffer.from(["phone,id,amount,region", ...rows].join("\n") + "\n") });
  return d;
}

/** The callback side's writes for a PUT /parties (or its /error form). */
async function answer(connectionId: string, phone: string, outcome: { name: string; fsp: string } | { code: string; message: string; status: "NOT_FOUND" | "FAILED" }) {
  const set =
    "name" in outcome
      ? { status: "RESOLVED" as const, name: outcome.name, fspId: outcome.fsp, resolvedAt: new Date() }
      : { status: outcome.status, errorCode: outcome.code, errorMessage: outcome.message, resolvedAt: new Date() };
  const updated = await db
    .update(mojaloopParties)
    .set(set)
    .where(and(eq(mojaloopParties.connectionId, connectionId), eq(mojaloopParties.partyIdType, "MSISDN"), eq(mojaloopParties.partyIdentifier, phone.slice(1))))
    .returning({ id: mojaloopParties.id });
  expect(updated, `a PENDING row for ${phone}`).toHaveLength(1);
}

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    asked.push({ fspiopSource: String(req.headers["fspiop-source"]), path: req.url ?? "" });
    req.resume();
    if (refused && req.url?.endsWith(`/${refused}`)) {
      res.writeHead(400, { "content-type": "application/vnd.interoperability.parties+json;version=1.1" });
      res.end(JSON.stringify({ errorInformation: { errorCode: "3100", errorDescription: "Generic validation error" } }));
      return;
    }
    res.writeHead(202).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const org = await createOrgWithMembers(db);
  const [kes] = await db.insert(assets).values({ orgId: org.org.id, kind: "FIAT", code: "KES", decimals: 2, issuer: "" }).returning({ id: assets.id });
  const caller = callerFor(db, org.users.owner.id, org.org.id);
  const connection = (fspId: string) =>
    caller.connections.create({
      rail_type: "MOJALOOP",
      name: `Switch ${fspId} ${randomSuffix()}`,
      settings: { baseUrl, fspId, callbackAllowlist: ["127.0.0.1"], callbackTimeoutSeconds: 30 },
      currency_mapping: [{ asset_id: kes!.id, rail_currency: "KES" }],
    });
  const north = await connection("payer-north");
  const south = await connection("payer-south");
  // Northern payees go to one switch connection, everyone else to the other.
  await caller.routing.create({
    name: "North phones",
    conditions: { destination_kinds: ["MSISDN"], attribute: { name: "region", values: ["north"] } },
    connection_id: north.id,
  });
  await caller.routing.create({ name: "Other phones", conditions: { destination_kinds: ["MSISDN"] }, connection_id: south.id });
  fx = { ...org, kes: kes!.id, north: { id: north.id, name: north.name }, south: { id: south.id, name: south.name } };
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

describe("Mojaloop party preflight", () => {
  it("looks up each routed payee at its connection's switch, then shows names and FSPs, and why the others are unresolved", async () => {
    const [n1, n2, s1, s2] = [kenyanMobile(), kenyanMobile(), kenyanMobile(), kenyanMobile()];
    const d = await phoneDisbursement([`${n1},n1,10,north`, `${n2},n2,20,north`, `${s1},s1,30,south`, `${s2},s2,40.5,south`]);

    // Before any lookup: every payee is listed, not looked up; nothing is polled for.
    const before = await owner().disbursements.mojaloopPreflight({ id: d.id });
    expect(before.counts).toEqual({ payees: 4, resolved: 0, pending: 0, no_answer: 0, not_found: 0, failed: 0, not_requested: 4 });
    expect(before.in_progress).toBe(false);
    expect(before.connections.map((c) => [c.name, c.payees, c.callback_timeout_seconds])).toEqual([
      [fx.north.name, 2, 30],
      [fx.south.name, 2, 30],
    ]);
    expect(before.payees.map((p) => [p.line_number, p.external_id, p.phone, p.status, p.connection_id])).toEqual([
      [2, "n1", n1, "NOT_REQUESTED", fx.north.id],
      [3, "n2", n2, "NOT_REQUESTED", fx.north.id],
      [4, "s1", s1, "NOT_REQUESTED", fx.south.id],
      [5, "s2", s2, "NOT_REQUESTED", fx.south.id],
    ]);

    // Look up: one GET /parties per payee, to the switch as the connection's FSP, in FSPIOP form (no +).
    asked.length = 0;
    refused = s2.slice(1);
    const looked = await owner().disbursements.lookUpMojaloopPayees({ id: d.id });
    expect(asked.map((a) => `${a.fspiopSource} ${a.path}`).sort()).toEqual(
      [
        `payer-north /parties/MSISDN/${n1.slice(1)}`,
        `payer-north /parties/MSISDN/${n2.slice(1)}`,
        `payer-south /parties/MSISDN/${s1.slice(1)}`,
        `payer-south /parties/MSISDN/${s2.slice(1)}`,
      ].sort(),
    );
    expect(looked.lookup).toEqual([
      { connection_id: fx.north.id, requested: 2, failed_to_send: 0 },
      { connection_id: fx.south.id, requested: 1, failed_to_send: 1 },
    ]);
    // Three wait for the switch's callbacks (the page polls); the refused one failed with the switch's words.
    expect(looked.counts).toMatchObject({ payees: 4, pending: 3, failed: 1, not_requested: 0, no_answer: 0 });
    expect(looked.in_progress).toBe(true);
    const failed = looked.payees.find((p) => p.external_id === "s2")!;
    expect(failed.status).toBe("FAILED");
    expect(failed.problem).toMatch(/3100/);

    // The callbacks arrive: two names, one party the switch does not know.
    await answer(fx.north.id, n1, { name: "Amina Otieno", fsp: "mpesa-ke" });
    await answer(fx.north.id, n2, { name: "Brian Kamau", fsp: "airtel-ke" });
    await answer(fx.south.id, s1, { status: "NOT_FOUND", code: "3204", message: "3204: Party not found: the switch knows no account for this identifier." });
    const after = await owner().disbursements.mojaloopPreflight({ id: d.id });
    expect(after.counts).toEqual({ payees: 4, resolved: 2, pending: 0, no_answer: 0, not_found: 1, failed: 1, not_requested: 0 });
    expect(after.in_progress).toBe(false);
    expect(after.excludable).toBe(2);
    expect(after.payees.map((p) => [p.external_id, p.status, p.party_name, p.fsp_id])).toEqual([
      ["n1", "RESOLVED", "Amina Otieno", "mpesa-ke"],
      ["n2", "RESOLVED", "Brian Kamau", "airtel-ke"],
      ["s1", "NOT_FOUND", null, null],
      ["s2", "FAILED", null, null],
    ]);
    expect(after.unresolved.map((p) => [p.external_id, p.problem])).toEqual([
      ["s1", "3204: Party not found: the switch knows no account for this identifier."],
      ["s2", failed.problem],
    ]);

    // Looking up again asks only what has no usable answer: the failed one.
    asked.length = 0;
    refused = "";
    const again = await owner().disbursements.lookUpMojaloopPayees({ id: d.id });
    expect(asked.map((a) => a.path)).toEqual([`/parties/MSISDN/${s2.slice(1)}`]);
    expect(again.counts).toMatchObject({ resolved: 2, not_found: 1, pending: 1, failed: 0 });

    // A lookup the switch never answers: past the connection's callback timeout it reads "no answer".
    await db.execute(sql`update mojaloop_parties set requested_at = now() - interval '31 seconds'
      where connection_id = ${fx.south.id} and party_identifier = ${s2.slice(1)}`);
    const silent = await owner().disbursements.mojaloopPreflight({ id: d.id });
    expect(silent.counts).toMatchObject({ pending: 1, no_answer: 1 });
    expect(silent.in_progress).toBe(false);
    expect(silent.payees.find((p) => p.external_id === "s2")).toMatchObject({
      status: "PENDING",
      timed_out: true,
      problem: "The switch has not answered within 30 s; look up again.",
    });

    const audit = await db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, fx.org.id), eq(auditEvents.action, "disbursement.mojaloop_payees_looked_up"), eq(auditEvents.targetId, d.id)))
      .orderBy(asc(auditEvents.createdAt));
    expect(audit.map((a) => a.details)).toEqual([
      { force: false, connections: looked.lookup },
      {
        force: false,
        connections: [
          { connection_id: fx.north.id, requested: 0, failed_to_send: 0 },
          { connection_id: fx.south.id, requested: 1, failed_to_send: 0 },
        ],
      },
    ]);
  });

  it("excludes the unresolved payees: cancels their payments with the reason, writes an audit row, keeps the others", async () => {
    const [a, b, c] = [kenyanMobile(), kenyanMobile(), kenyanMobile()];
    const d = await phoneDisbursement([`${a},a,10,south`, `${b},b,20,south`, `${c},c,30,south`]);
    // A business user may read and look up (the Stellar preflight's permission) but not cancel payments.
    const business = callerFor(db, fx.users.business.id, fx.org.id);
    await business.disbursements.lookUpMojaloopPayees({ id: d.id });
    await expectTRPCError(business.disbursements.excludeUnresolvedMojaloopPayees({ id: d.id }), "FORBIDDEN");
    await answer(fx.south.id, a, { name: "Payee A", fsp: "fsp-a" });
    await answer(fx.south.id, b, { status: "NOT_FOUND", code: "3204", message: "3204: Party not found" });
    await answer(fx.south.id, c, { status: "FAILED", code: "2003", message: "2003: The service is unavailable" });

    const result = await owner().disbursements.excludeUnresolvedMojaloopPayees({ id: d.id });
    expect(result).toEqual({ disbursement_id: d.id, cancelled: 2, not_found: 1, failed: 1 });
    const rows = await db
      .select({
        externalId: sql<string>`(select external_id from receivers r where r.id = ${payments.receiverId})`,
        status: payments.status,
        message: payments.statusMessage,
      })
      .from(payments)
      .where(eq(payments.disbursementId, d.id))
      .orderBy(asc(payments.lineNumber));
    expect(rows).toEqual([
      { externalId: "a", status: "DRAFT", message: null },
      { externalId: "b", status: "CANCELED", message: EXCLUDED_NOT_FOUND_MESSAGE },
      { externalId: "c", status: "CANCELED", message: EXCLUDED_FAILED_MESSAGE },
    ]);
    const [audit] = await db
      .select({ actor: auditEvents.actorUserId, details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "disbursement.mojaloop_unresolved_excluded"), eq(auditEvents.targetId, d.id)));
    expect(audit).toMatchObject({ actor: fx.users.owner.id, details: { payments_cancelled: 2, not_found: 1, failed: 1 } });
    expect((audit!.details as { payment_ids: string[] }).payment_ids).toHaveLength(2);

    // The canceled payments are no longer routed: the preflight shows the one payee left, nothing to exclude.
    const left = await owner().disbursements.mojaloopPreflight({ id: d.id });
    expect(left.counts).toMatchObject({ payees: 1, resolved: 1, not_found: 0, failed: 0 });
    expect(left.excludable).toBe(0);
    expect((await owner().disbursements.excludeUnresolvedMojaloopPayees({ id: d.id })).cancelled).toBe(0);

    // After start nothing is excluded here (a NOT_FOUND payee then fails on its own at the rail).
    await db.update(disbursements).set({ status: "STARTED" }).where(eq(disbursements.id, d.id));
    const started = await expectTRPCError(owner().disbursements.excludeUnresolvedMojaloopPayees({ id: d.id }), "BAD_REQUEST");
    expect(started.message).toMatch(/only before the disbursement starts; it is STARTED/);
  });

  it("is scoped to the organization", async () => {
    const d = await phoneDisbursement([`${kenyanMobile()},x,10,north`]);
    const other = await createOrgWithMembers(db, ["owner"]);
    const stranger = callerFor(db, other.users.owner.id, other.org.id);
    await expectTRPCError(stranger.disbursements.mojaloopPreflight({ id: d.id }), "NOT_FOUND");
    await expectTRPCError(stranger.disbursements.lookUpMojaloopPayees({ id: d.id }), "NOT_FOUND");
    await expectTRPCError(stranger.disbursements.excludeUnresolvedMojaloopPayees({ id: d.id }), "NOT_FOUND");
  });
});
