/**
 * SDP's POST /receivers and PATCH /receivers/{id} (issue 15, "SDP REST API"), over real HTTP with
 * an API key: SDP's bodies, status codes and refusals naming the field (the SDP backend's
 * ReceiverValidator and UpdateReceiverValidator), hashed verification values, audit rows, and one
 * organization never reaching another's receivers.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { and, eq } from "drizzle-orm";
import { Keypair } from "@stellar/stellar-sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { auditEvents, receivers, receiverVerifications, receiverWallets } from "@/db/schema";
import { closeDb } from "@/db/client";
import { ReceiverDetailSchema } from "@/server/rest/openapi";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { verificationValueMatches } from "@/server/services/receivers/verification-hash";
import * as receiverRoute from "@/app/api/v1/receivers/[id]/route";
import * as receiversRoute from "@/app/api/v1/receivers/route";
import { callerFor, createOrgWithMembers, expectTRPCError, nextUkMobile, randomSuffix, testDb } from "./helpers";

process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();

type Handler = (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>;

/** A small HTTP server in front of the two route files, as Next.js routes them. */
function serve(): Promise<{ base: string; server: http.Server }> {
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const m = /^\/api\/v1\/receivers(?:\/([^/]+))?$/.exec(url.pathname);
    const routes = (m?.[1] ? receiverRoute : receiversRoute) as unknown as Record<string, Handler | undefined>;
    const handler = routes[req.method ?? ""];
    if (!m || !handler) {
      res.writeHead(405).end();
      return;
    }
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(url, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined });
    const params: Record<string, string> = m[1] ? { id: m[1] } : {};
    const response = await handler(request, { params: Promise.resolve(params) });
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve({ base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

let base = "";
let server: http.Server;
let a: Awaited<ReturnType<typeof createOrgWithMembers<"owner" | "business">>>;
let b: Awaited<ReturnType<typeof createOrgWithMembers<"owner">>>;
let aKey = "";
let bKey = "";
let readKey = "";

async function send(method: string, p: string, json?: unknown, key = aKey) {
  const res = await fetch(`${base}/api/v1${p}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(json === undefined ? {} : { "content-type": "application/json" }) },
    body: json === undefined ? undefined : typeof json === "string" ? json : JSON.stringify(json),
  });
  const text = await res.text();
  return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
}

const keyFor = async (org: { org: { id: string }; users: { owner: { id: string } } }, scopes: string[]) =>
  (await createApiKey({ db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" }, { name: `rw ${randomSuffix()}`, scopes: scopes as never }))
    .key;

beforeAll(async () => {
  ({ base, server } = await serve());
  a = await createOrgWithMembers(db, ["owner", "business"]);
  b = await createOrgWithMembers(db, ["owner"]);
  aKey = await keyFor(a, ["write:receivers"]);
  bKey = await keyFor(b, ["write:receivers"]);
  readKey = await keyFor(a, ["read:receivers"]);
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const auditOf = (orgId: string, targetId: string) =>
  db
    .select({ action: auditEvents.action, details: auditEvents.details, actor: auditEvents.actorUserId })
    .from(auditEvents)
    .where(and(eq(auditEvents.orgId, orgId), eq(auditEvents.targetId, targetId)));

describe("POST /api/v1/receivers", () => {
  it("creates a receiver with verifications: 201 with the GET body, values stored only as hashes, one audit row", async () => {
    const phone = nextUkMobile();
    const ext = `ext-${randomSuffix()}`;
    const res = await send("POST", "/receivers", {
      phone_number: ` ${phone} `,
      email: "New.Person@Example.ORG",
      external_id: ext,
      verifications: [
        { type: "DATE_OF_BIRTH", value: "1990-01-30" },
        { type: "PIN", value: "1234" },
      ],
    });
    expect(res.status, res.text).toBe(201);
    expect(ReceiverDetailSchema.safeParse(res.body).success, res.text).toBe(true);
    expect(res.body).toMatchObject({ phone_number: phone, email: "new.person@example.org", external_id: ext, wallets: [], total_payments: "0" });
    expect(res.body.verifications.map((v: { verification_field: string }) => v.verification_field).sort()).toEqual(["DATE_OF_BIRTH", "PIN"]);
    expect(res.text).not.toContain("1990-01-30");
    // The same body as GET /receivers/{id}.
    const got = await send("GET", `/receivers/${res.body.id}`);
    expect(got.body).toEqual(res.body);
    const stored = await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, res.body.id));
    const dob = stored.find((v) => v.verificationField === "DATE_OF_BIRTH")!;
    expect(dob.hashedValue).not.toContain("1990");
    expect(verificationValueMatches("DATE_OF_BIRTH", "1990-01-30", dob.hashedValue)).toBe(true);
    const audit = await auditOf(a.org.id, res.body.id);
    expect(audit).toEqual([
      {
        action: "receiver.created",
        actor: a.users.owner.id,
        details: { fields: ["phone_number", "email", "external_id"], verification_fields: ["DATE_OF_BIRTH", "PIN"], wallet: false, api_key_id: expect.any(String) },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain("1234");
  });

  it("creates a receiver with a wallet: registered at once with its address and memo", async () => {
    const address = Keypair.random().publicKey();
    const res = await send("POST", "/receivers", { email: `w.${randomSuffix()}@example.org`, external_id: `w-${randomSuffix()}`, wallets: [{ address, memo: "42" }] });
    expect(res.status, res.text).toBe(201);
    expect(ReceiverDetailSchema.safeParse(res.body).success, res.text).toBe(true);
    expect(res.body.wallets).toHaveLength(1);
    expect(res.body.wallets[0]).toMatchObject({ status: "REGISTERED", stellar_address: address, stellar_memo: "42", receiver: { id: res.body.id } });
    expect(res.body).not.toHaveProperty("phone_number");
    const [rw] = await db.select().from(receiverWallets).where(eq(receiverWallets.receiverId, res.body.id));
    expect(rw).toMatchObject({ walletId: null, destinationKind: "STELLAR_ADDRESS", destinationValue: address, destinationMemo: "42", status: "REGISTERED" });
  });

  it("refuses what SDP refuses with 400 naming each field", async () => {
    const empty = await send("POST", "/receivers", {});
    expect(empty.status).toBe(400);
    expect(empty.body).toMatchObject({
      error: "Bad request",
      extras: {
        email: "email is required when phone_number is not provided",
        phone_number: "phone_number is required when email is not provided",
        external_id: "external_id is required",
        verifications: "verifications are required when wallets are not provided",
        wallets: "wallets are required when verifications are not provided",
      },
    });
    const bad = await send("POST", "/receivers", {
      phone_number: "+1234",
      email: "not-an-email",
      external_id: "x",
      verifications: [
        { type: "DATE_OF_BIRTH", value: "30/01/1990" },
        { type: "SHOE_SIZE", value: "42" },
        { type: "PIN", value: "" },
      ],
      wallets: [{ address: "GNOTANADDRESS" }],
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.extras).sort()).toEqual(
      ["email", "phone_number", "verifications[0].value", "verifications[1].type", "verifications[2].value", "wallets[0].address"].sort(),
    );
    expect(bad.body.extras["verifications[0].value"]).toBe("invalid date of birth format. Correct format: 1990-01-30");
    expect(bad.body.extras["wallets[0].address"]).toBe("invalid stellar address format");
    const two = await send("POST", "/receivers", {
      email: `two.${randomSuffix()}@example.org`,
      external_id: "x",
      wallets: [{ address: Keypair.random().publicKey() }, { address: Keypair.random().publicKey() }],
    });
    expect(two.body.extras).toEqual({ wallets: "only one wallet is allowed per receiver" });
    const memo = await send("POST", "/receivers", {
      email: `m.${randomSuffix()}@example.org`,
      external_id: "x",
      wallets: [{ address: Keypair.random().publicKey(), memo: "x".repeat(29) }],
    });
    expect(Object.keys(memo.body.extras)).toEqual(["wallets[0].memo"]);
    expect((await send("POST", "/receivers", "[1]")).status).toBe(400);
    expect((await send("POST", "/receivers", "{not json")).status).toBe(400);
  });

  it("refuses a phone, email, external id or wallet address another receiver has: 409 naming the field, nothing written", async () => {
    const phone = nextUkMobile();
    const email = `dup.${randomSuffix()}@example.org`;
    const ext = `dup-${randomSuffix()}`;
    const address = Keypair.random().publicKey();
    const first = await send("POST", "/receivers", { phone_number: phone, email, external_id: ext, wallets: [{ address }] });
    expect(first.status, first.text).toBe(201);
    const cases: [Record<string, unknown>, string][] = [
      [{ phone_number: phone, external_id: `n-${randomSuffix()}` }, "phone_number"],
      [{ email: email.toUpperCase(), external_id: `n-${randomSuffix()}` }, "email"],
      [{ email: `n.${randomSuffix()}@example.org`, external_id: ext }, "external_id"],
      [{ email: `n.${randomSuffix()}@example.org`, external_id: `n-${randomSuffix()}`, wallets: [{ address }] }, "wallet_address"],
    ];
    const before = await db.select({ id: receivers.id }).from(receivers).where(eq(receivers.orgId, a.org.id));
    for (const [body, field] of cases) {
      const res = await send("POST", "/receivers", { verifications: [{ type: "PIN", value: "1234" }], ...body });
      expect(res.status, res.text).toBe(409);
      expect(Object.keys(res.body.extras)).toEqual([field]);
      expect(res.body.error).toMatch(/^Another receiver already has this/);
    }
    expect(await db.select({ id: receivers.id }).from(receivers).where(eq(receivers.orgId, a.org.id))).toHaveLength(before.length);
    // Another organization may use the same contact and external id.
    const other = await send("POST", "/receivers", { phone_number: phone, email, external_id: ext, verifications: [{ type: "PIN", value: "1234" }] }, bKey);
    expect(other.status, other.text).toBe(201);
  });

  it("needs the write:receivers scope (403) and a key (401)", async () => {
    const res = await send(
      "POST",
      "/receivers",
      { email: `s.${randomSuffix()}@example.org`, external_id: "s", verifications: [{ type: "PIN", value: "1234" }] },
      readKey,
    );
    expect(res.status).toBe(403);
    expect((await send("POST", "/receivers", {}, "sdp_nope_nope")).status).toBe(401);
  });
});

describe("PATCH /api/v1/receivers/{id}", () => {
  let id = "";
  let phone = "";
  beforeAll(async () => {
    phone = nextUkMobile();
    const res = await send("POST", "/receivers", {
      phone_number: phone,
      external_id: `p-${randomSuffix()}`,
      verifications: [{ type: "DATE_OF_BIRTH", value: "1980-05-05" }],
    });
    expect(res.status, res.text).toBe(201);
    id = res.body.id;
  });

  it("changes the fields given, leaves blank ones, replaces a verification value's hash and starts it over; 200 with the GET body and an audit row", async () => {
    await db.update(receiverVerifications).set({ attempts: 3, confirmedAt: new Date() }).where(eq(receiverVerifications.receiverId, id));
    const email = `p.${randomSuffix()}@example.org`;
    const res = await send("PATCH", `/receivers/${id}`, { email: email.toUpperCase(), phone_number: "", date_of_birth: "1981-06-06", national_id: "AB-123" });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ id, email, phone_number: phone });
    expect((await send("GET", `/receivers/${id}`)).body).toEqual(res.body);
    const stored = await db.select().from(receiverVerifications).where(eq(receiverVerifications.receiverId, id));
    const dob = stored.find((v) => v.verificationField === "DATE_OF_BIRTH")!;
    expect(verificationValueMatches("DATE_OF_BIRTH", "1981-06-06", dob.hashedValue)).toBe(true);
    expect(dob).toMatchObject({ attempts: 0, confirmedAt: null });
    expect(stored.map((v) => v.verificationField).sort()).toEqual(["DATE_OF_BIRTH", "NATIONAL_ID_NUMBER"]);
    const audit = (await auditOf(a.org.id, id)).filter((e) => e.action === "receiver.updated");
    expect(audit).toEqual([
      {
        action: "receiver.updated",
        actor: a.users.owner.id,
        details: {
          fields: ["email"],
          verification_fields: ["DATE_OF_BIRTH", "NATIONAL_ID_NUMBER"],
          replaced_verifications: ["DATE_OF_BIRTH"],
          api_key_id: expect.any(String),
        },
      },
    ]);
    expect(JSON.stringify(audit)).not.toContain("1981");
  });

  it("refuses with 400 naming the field: an empty body, bad formats, clearing both contacts", async () => {
    const empty = await send("PATCH", `/receivers/${id}`, {});
    expect(empty.status).toBe(400);
    expect(empty.body.extras).toEqual({ body: "request body is empty" });
    const bad = await send("PATCH", `/receivers/${id}`, {
      date_of_birth: "2999-01-01",
      year_month: "1990/12",
      pin: "12",
      email: "nope",
      phone_number: "12345",
      external_id: "   ",
    });
    expect(bad.status).toBe(400);
    expect(Object.keys(bad.body.extras).sort()).toEqual(["date_of_birth", "email", "external_id", "phone_number", "pin", "year_month"]);
    expect(bad.body.extras.external_id).toBe("external_id cannot be set to empty");
    const both = await send("PATCH", `/receivers/${id}`, { email: null, phone_number: null });
    expect(both.status).toBe(400);
    expect(both.body.extras).toHaveProperty("phone_number");
    const [row] = await db.select().from(receivers).where(eq(receivers.id, id));
    expect(row!.phoneNumber).toBe(phone);
  });

  it("clears one contact with null while the other remains (our extension)", async () => {
    const res = await send("PATCH", `/receivers/${id}`, { email: null });
    expect(res.status, res.text).toBe(200);
    expect(res.body).not.toHaveProperty("email");
    expect(res.body.phone_number).toBe(phone);
  });

  it("409 naming the field when another receiver has the phone, email or external id", async () => {
    const otherPhone = nextUkMobile();
    const otherExt = `o-${randomSuffix()}`;
    const other = await send("POST", "/receivers", {
      phone_number: otherPhone,
      email: `o.${randomSuffix()}@example.org`,
      external_id: otherExt,
      verifications: [{ type: "PIN", value: "9999" }],
    });
    expect(other.status).toBe(201);
    const dupPhone = await send("PATCH", `/receivers/${id}`, { phone_number: otherPhone });
    expect(dupPhone.status).toBe(409);
    expect(dupPhone.body.extras).toEqual({ phone_number: "phone number must be unique" });
    const dupExt = await send("PATCH", `/receivers/${id}`, { external_id: otherExt });
    expect(dupExt.status).toBe(409);
    expect(dupExt.body.extras).toEqual({ external_id: "external_id must be unique" });
    // Its own values are no conflict.
    expect((await send("PATCH", `/receivers/${id}`, { phone_number: phone })).status).toBe(200);
  });

  it("another organization's receiver is 404 and stays unchanged; an unknown id is 404", async () => {
    const before = await db.select().from(receivers).where(eq(receivers.id, id));
    const res = await send("PATCH", `/receivers/${id}`, { external_id: "hijacked" }, bKey);
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ error: "Resource not found" });
    expect(await db.select().from(receivers).where(eq(receivers.id, id))).toEqual(before);
    expect((await send("PATCH", "/receivers/0b6f7c1e-2d7a-4c55-9a55-0b0b6f7c1e2d", { external_id: "x" })).status).toBe(404);
    expect((await send("PATCH", "/receivers/not-a-uuid", { external_id: "x" })).status).toBe(404);
  });
});

describe("tRPC receivers.create / receivers.update (the pages' procedures)", () => {
  it("same rules and field keys; roles without receivers:write are refused", async () => {
    const owner = callerFor(db, a.users.owner.id, a.org.id);
    const ext = `t-${randomSuffix()}`;
    const { id } = await owner.receivers.create({
      email: `t.${randomSuffix()}@example.org`,
      external_id: ext,
      verifications: [{ type: "YEAR_MONTH", value: "1990-12" }],
    });
    expect((await owner.receivers.get({ id })).external_id).toBe(ext);
    const err = await expectTRPCError(owner.receivers.update({ id, year_month: "1990-13" }), "BAD_REQUEST");
    expect((err.cause as { extras?: Record<string, string> } | undefined)?.extras ?? {}).toHaveProperty("year_month");
    await owner.receivers.update({ id, external_id: `${ext}-2` });
    expect((await owner.receivers.get({ id })).external_id).toBe(`${ext}-2`);
    const business = callerFor(db, a.users.business.id, a.org.id);
    await expectTRPCError(
      business.receivers.create({ email: `x.${randomSuffix()}@example.org`, external_id: "x", verifications: [{ type: "PIN", value: "1234" }] }),
      "FORBIDDEN",
    );
    await expectTRPCError(business.receivers.update({ id, external_id: "x" }), "FORBIDDEN");
  });
});
