import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, inject, it, vi } from "vitest";
import { startExampleBank, type ExampleBankHandle } from "@/example-bank";
import { closeDb } from "@/db/client";
import { assets, auditEvents, paymentConnections, payments, routingRules } from "@/db/schema";
import { freePort } from "@/scripts/lib/embedded-postgres";
import { ROLES } from "@/server/domain/roles";
import { can } from "@/server/domain/permissions";
import type { ApiScope } from "@/server/domain/api-scopes";
import { ConnectionSchema, ConnectionTestSchema } from "@/server/rest/openapi";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { checkEnabledConnections } from "@/server/services/connections/connection-health-loop";
import { openCredentials } from "@/server/services/connections/credentials-box";
import { loadRouting } from "@/server/services/routing/load-routing";
import type { OrgContext } from "@/server/services/context";
import * as connectionRoute from "@/app/api/v1/connections/[id]/route";
import * as connectionTestRoute from "@/app/api/v1/connections/[id]/test/route";
import * as connectionsRoute from "@/app/api/v1/connections/route";
import { callerFor, createOrgWithMembers, expectTRPCError, randomSuffix, seedOrgData, testDb, type OrgData, type TestOrg } from "./helpers";

/**
 * Payment connections (docs/rails.md "Payment connections") through tRPC and REST against the real
 * example bank (example-bank/) on loopback: CRUD, credentials sealed at rest and never returned,
 * tenancy, permissions, deletion refused while referenced, the test action and the periodic check.
 */

// The REST handlers use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();

const BANK_KEY = `bank-key-${randomSuffix()}-secret`;
const DEBTOR = "1000200030";
let bank: ExampleBankHandle;
let bankDir: string;
let closedPort: number;

type Org = TestOrg & { data: OrgData; kes: { id: string }; stellarConnectionId: string };
let a: Org;
let b: Org;

async function org(): Promise<Org> {
  const o = await createOrgWithMembers(db);
  const data = await seedOrgData(db, o);
  const [kes] = await db.insert(assets).values({ orgId: o.org.id, kind: "FIAT", code: "KES", decimals: 2, issuer: "" }).returning({ id: assets.id });
  const [stellar] = await db.select({ id: paymentConnections.id }).from(paymentConnections).where(eq(paymentConnections.orgId, o.org.id));
  return { ...o, data, kes: kes!, stellarConnectionId: stellar!.id };
}

beforeAll(async () => {
  // The example bank listens on 127.0.0.1: the operator allows that host (any port) for outbound calls.
  vi.stubEnv("OUTBOUND_ALLOW_HOSTS", "127.0.0.1");
  vi.stubEnv("STELLAR_NETWORK", "local");
  closedPort = await freePort();
  vi.stubEnv("HORIZON_URL", `http://127.0.0.1:${closedPort}`);
  bankDir = mkdtempSync(path.join(os.tmpdir(), "connections-bank-"));
  bank = await startExampleBank({
    dataDir: bankDir,
    apiKey: BANK_KEY,
    paymentDelayMs: 3_600_000,
    accounts: [{ account_number: DEBTOR, account_holder_name: "Social programme", currency: "KES", balance: "500000.00" }],
  });
  [a, b] = await Promise.all([org(), org()]);
});

afterAll(async () => {
  await bank?.close();
  rmSync(bankDir, { recursive: true, force: true });
  vi.unstubAllEnvs();
});

const ctxOf = (o: TestOrg, role: (typeof ROLES)[number] = "owner"): OrgContext => ({ db, actor: { userId: o.users[role].id }, org: { id: o.org.id }, role });
const owner = (o: TestOrg) => callerFor(db, o.users.owner.id, o.org.id);

const bankInput = (o: Org, overrides: Record<string, unknown> = {}) => ({
  rail_type: "BANK" as const,
  name: `Sponsor bank ${randomSuffix()}`,
  settings: { baseUrl: bank.url, debtorAccountNumber: DEBTOR, debtorBankCode: "EXAMPLE_BANK", debtorName: "Social programme", shipmentMode: "API" },
  credentials: { apiKey: BANK_KEY },
  currency_mapping: [{ asset_id: o.kes.id, rail_currency: "kes" }],
  ...overrides,
});

async function rawRow(id: string) {
  const [row] = await db.select().from(paymentConnections).where(eq(paymentConnections.id, id));
  return row!;
}

async function auditOf(id: string) {
  return db
    .select({ action: auditEvents.action, details: auditEvents.details, actor: auditEvents.actorUserId })
    .from(auditEvents)
    .where(eq(auditEvents.targetId, id))
    .orderBy(auditEvents.createdAt);
}

describe("a new organization", () => {
  it("starts with the Stellar distribution account connection and the rule routing Stellar wallets to it", async () => {
    const connections = await db.select().from(paymentConnections).where(eq(paymentConnections.orgId, a.org.id));
    expect(connections).toHaveLength(1);
    expect(connections[0]).toMatchObject({ railType: "STELLAR", name: "Stellar distribution account", enabled: true, credentialsSealed: null });
    const rules = await db.select().from(routingRules).where(eq(routingRules.orgId, a.org.id));
    expect(rules).toEqual([
      expect.objectContaining({ position: 1, name: "Stellar wallets", connectionId: connections[0]!.id, conditions: { destinationKinds: ["STELLAR_ADDRESS"] } }),
    ]);
  });
});

describe("create, read, change, delete", () => {
  it("creates a bank connection with sealed credentials that no view returns", async () => {
    const view = await owner(a).connections.create(bankInput(a));
    expect(view).toMatchObject({
      rail_type: "BANK",
      enabled: true,
      settings: { baseUrl: bank.url, debtorAccountNumber: DEBTOR, shipmentMode: "API", statementCallback: { enabled: false, periodDays: 1 } },
      credentials: { set: true, updated_at: expect.any(String) },
      currency_mapping: [{ asset_id: a.kes.id, asset_code: "KES", asset_kind: "FIAT", rail_currency: "KES" }],
      health: { status: "UNKNOWN", message: null, checked_at: null },
      usage: { routing_rules: 0, has_payments: false },
    });
    const list = await owner(a).connections.list();
    const got = await callerFor(db, a.users.business.id, a.org.id).connections.get({ id: view.id });
    for (const answer of [view, list, got]) expect(JSON.stringify(answer)).not.toContain(BANK_KEY);
    expect(list.map((c) => c.id)).toEqual(expect.arrayContaining([view.id, a.stellarConnectionId]));

    // At rest: sealed (AES-GCM under ENCRYPTION_KEY), the key nowhere in the row.
    const row = await rawRow(view.id);
    expect(row.credentialsSealed).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain(BANK_KEY);
    expect(openCredentials(row.credentialsSealed)).toEqual({ apiKey: BANK_KEY });
    const [raw] = await db.execute<{ c: string }>(sql`select credentials_sealed as c from payment_connections where id = ${view.id}`);
    expect(raw!.c).not.toContain(BANK_KEY);

    const audit = await auditOf(view.id);
    expect(audit).toEqual([expect.objectContaining({ action: "connection.created", actor: a.users.owner.id })]);
    expect(audit[0]!.details).toMatchObject({ rail_type: "BANK", credentials: "set" });
    expect(JSON.stringify(audit)).not.toContain(BANK_KEY);
  });

  it("changes settings and mappings, replaces credentials, disables and enables, with an audit row each", async () => {
    const created = await owner(a).connections.create(bankInput(a));
    await db.update(paymentConnections).set({ healthStatus: "HEALTHY", healthMessage: "ok", healthCheckedAt: new Date() }).where(eq(paymentConnections.id, created.id));

    const renamed = await owner(a).connections.update({
      id: created.id,
      name: "Renamed bank",
      settings: { baseUrl: `${bank.url}/`, debtorIban: "DE89 3704 0044 0532 0130 00", debtorName: "Programme", shipmentMode: "FILE" },
      field_mapping: { narrative_3: "Benefit {payment_id}" },
    });
    expect(renamed).toMatchObject({
      name: "Renamed bank",
      settings: { baseUrl: bank.url, debtorIban: "DE89370400440532013000", shipmentMode: "FILE" },
      field_mapping: { narrative_3: "Benefit {payment_id}" },
      currency_mapping: [{ asset_id: a.kes.id, rail_currency: "KES" }],
      // New settings: the old check no longer says anything.
      health: { status: "UNKNOWN", checked_at: null },
    });
    expect(renamed.settings).not.toHaveProperty("debtorAccountNumber");

    const before = (await rawRow(created.id)).credentialsSealed;
    const newKey = `another-${randomSuffix()}`;
    const replaced = await owner(a).connections.replaceCredentials({ id: created.id, credentials: { apiKey: newKey } });
    expect(replaced.credentials.set).toBe(true);
    expect(JSON.stringify(replaced)).not.toContain(newKey);
    const after = await rawRow(created.id);
    expect(after.credentialsSealed).not.toBe(before);
    expect(openCredentials(after.credentialsSealed)).toEqual({ apiKey: newKey });

    expect((await owner(a).connections.setEnabled({ id: created.id, enabled: false })).enabled).toBe(false);
    expect((await owner(a).connections.setEnabled({ id: created.id, enabled: true })).enabled).toBe(true);

    const audit = await auditOf(created.id);
    expect(audit.map((e) => e.action)).toEqual([
      "connection.created",
      "connection.updated",
      "connection.credentials_replaced",
      "connection.disabled",
      "connection.enabled",
    ]);
    expect(audit[1]!.details).toMatchObject({ changed: { name: "Renamed bank", field_mapping: { narrative_3: "Benefit {payment_id}" } } });
    expect(JSON.stringify(audit)).not.toContain(newKey);
  });

  it("refuses wrong settings naming the field", async () => {
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ settings: { ...bankInput(a).settings, baseUrl: "ftp://bank.example.org" } }, "settings.baseUrl", /https/],
      [{ settings: { ...bankInput(a).settings, baseUrl: "http://bank.example.org/api" } }, "settings.baseUrl", /OUTBOUND_ALLOW_HOSTS/],
      [{ settings: { ...bankInput(a).settings, baseUrl: "https://10.0.0.7/api" } }, "settings.baseUrl", /private address/],
      [{ settings: { baseUrl: bank.url, debtorIban: "DE89 3704 0044 0532 0130 01", debtorName: "X" } }, "settings.debtorIban", /IBAN checksum fails/],
      [{ settings: { baseUrl: bank.url, debtorAccountNumber: "123", debtorName: "X" } }, "settings.debtorBankCode", /bank code or the BIC/],
      [{ settings: { ...bankInput(a).settings, debtorName: "" } }, "settings.debtorName", /holder's name/],
      [{ currency_mapping: [{ asset_id: a.data.catalog.usdc.id, rail_currency: "USD" }] }, "currency_mapping.0.asset_id", /Stellar asset/],
      [{ currency_mapping: [{ asset_id: b.kes.id, rail_currency: "KES" }] }, "currency_mapping.0.asset_id", /this organization's assets/],
      [{ currency_mapping: [{ asset_id: a.kes.id, rail_currency: "KESH" }] }, "currency_mapping.0.rail_currency", /ISO 4217/],
      [{ credentials: { apiKey: "" } }, "credentials.apiKey", /API key/],
      [{ field_mapping: { narrative_1: "{reference}" } }, "field_mapping.narrative_1", /Unknown field .*remittance_information, narrative_3/],
      [{ field_mapping: { narrative_3: "Grant {programme}" } }, "field_mapping.narrative_3", /Unknown placeholder \{programme\}/],
    ];
    for (const [overrides, field, message] of cases) {
      const error = await expectTRPCError(owner(a).connections.create(bankInput(a, overrides)), "BAD_REQUEST");
      const fieldErrors = (error as unknown as { cause?: { extras?: Record<string, string> } }).cause?.extras ?? {};
      expect(Object.keys(fieldErrors), JSON.stringify(overrides)).toContain(field);
      expect(fieldErrors[field]).toMatch(message);
    }
    expect(
      await db
        .select()
        .from(paymentConnections)
        .where(and(eq(paymentConnections.orgId, a.org.id), eq(paymentConnections.railType, "BANK"))),
    ).not.toContainEqual(expect.objectContaining({ settings: expect.objectContaining({ baseUrl: "http://bank.example.org/api" }) }));
  });

  it("refuses a second connection with the same name in any case", async () => {
    const first = await owner(a).connections.create(bankInput(a));
    const error = await expectTRPCError(owner(a).connections.create(bankInput(a, { name: first.name.toUpperCase() })), "CONFLICT");
    expect(error.message).toBe(`A connection named "${first.name.toUpperCase()}" already exists.`);
    const other = await owner(a).connections.create(bankInput(a));
    await expectTRPCError(owner(a).connections.update({ id: other.id, name: first.name }), "CONFLICT");
    // The same name in another organization is fine.
    await owner(b).connections.create(bankInput(b, { name: first.name }));
  });

  it("refuses deletion while a routing rule or a payment refers to it, then deletes", async () => {
    const stellarError = await expectTRPCError(owner(a).connections.delete({ id: a.stellarConnectionId }), "CONFLICT");
    expect(stellarError.message).toMatch(/routing rule “Stellar wallets” uses it/);

    const paid = await owner(a).connections.create(bankInput(a));
    await db.update(payments).set({ connectionId: paid.id }).where(eq(payments.id, a.data.payments.failed));
    expect((await owner(a).connections.get({ id: paid.id })).usage.has_payments).toBe(true);
    const paymentError = await expectTRPCError(owner(a).connections.delete({ id: paid.id }), "CONFLICT");
    expect(paymentError.message).toMatch(/payments were routed through it/);
    expect(await rawRow(paid.id)).toBeDefined();

    // An intake routing a payment to a connection holds the connections FOR KEY SHARE (loadRouting):
    // a deletion meanwhile waits for it, then sees the payment and refuses (payments.connection_id is no foreign key).
    const racing = await owner(a).connections.create(bankInput(a));
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let routed = () => {};
    const routing = new Promise<void>((resolve) => (routed = resolve));
    const intake = db.transaction(async (tx) => {
      const { connections } = await loadRouting(tx, a.org.id, { lockConnections: true });
      expect(connections.map((c) => c.id)).toContain(racing.id);
      await tx.update(payments).set({ connectionId: racing.id }).where(eq(payments.id, a.data.payments.draft));
      routed();
      await released;
    });
    await routing;
    let settled = false;
    const deletion = expectTRPCError(owner(a).connections.delete({ id: racing.id }), "CONFLICT").finally(() => (settled = true));
    await new Promise((r) => setTimeout(r, 300));
    expect(settled).toBe(false);
    release();
    await intake;
    expect((await deletion).message).toMatch(/payments were routed through it/);
    expect(await rawRow(racing.id)).toBeDefined();

    const free = await owner(a).connections.create(bankInput(a));
    expect(await owner(a).connections.delete({ id: free.id })).toEqual({ id: free.id, deleted: true });
    expect(await db.select().from(paymentConnections).where(eq(paymentConnections.id, free.id))).toEqual([]);
    expect((await auditOf(free.id)).map((e) => e.action)).toEqual(["connection.created", "connection.deleted"]);
  });
});

describe("test connection", () => {
  it("against the running example bank → HEALTHY, stored with an audit row", async () => {
    const created = await owner(a).connections.create(bankInput(a));
    const result = await owner(a).connections.test({ id: created.id });
    expect(result).toMatchObject({ healthy: true, status: "HEALTHY", connection: { health: { status: "HEALTHY" } } });
    expect(result.message).toContain(`knows the debtor account ${DEBTOR}`);
    const row = await rawRow(created.id);
    expect(row).toMatchObject({ healthStatus: "HEALTHY", healthMessage: result.message });
    expect(row.healthCheckedAt).toBeInstanceOf(Date);
    const audit = await auditOf(created.id);
    expect(audit.at(-1)).toMatchObject({ action: "connection.tested", actor: a.users.owner.id, details: { status: "HEALTHY", previous: "UNKNOWN" } });
  });

  it("with a key the bank does not know → UNHEALTHY saying so", async () => {
    const created = await owner(a).connections.create(bankInput(a, { credentials: { apiKey: "not-the-key" } }));
    const result = await owner(a).connections.test({ id: created.id });
    expect(result).toMatchObject({ healthy: false, status: "UNHEALTHY" });
    expect(result.message).toBe("The bank refused the API key (HTTP 401). Replace the connection's credentials with the key the bank issued.");
    expect(result.message).not.toContain("not-the-key");
  });

  it("against a closed port → UNHEALTHY with a plain message", async () => {
    const created = await owner(a).connections.create(bankInput(a, { settings: { ...bankInput(a).settings, baseUrl: `http://127.0.0.1:${closedPort}` } }));
    const result = await owner(a).connections.test({ id: created.id });
    expect(result).toMatchObject({ healthy: false, status: "UNHEALTHY" });
    expect(result.message).toBe(`The bank at http://127.0.0.1:${closedPort} could not be reached: connection failed (ECONNREFUSED).`);
    expect((await rawRow(created.id)).healthStatus).toBe("UNHEALTHY");
  });

  it("a debtor account the bank does not know → UNHEALTHY naming it", async () => {
    const created = await owner(a).connections.create(bankInput(a, { settings: { ...bankInput(a).settings, debtorAccountNumber: "999" } }));
    const result = await owner(a).connections.test({ id: created.id });
    expect(result.message).toBe("The bank answered but refused the debtor account 999: Account not found.");
  });

  it("the Stellar connection with Horizon down → UNHEALTHY naming Horizon", async () => {
    const result = await owner(a).connections.test({ id: a.stellarConnectionId });
    expect(result).toMatchObject({ healthy: false, status: "UNHEALTHY" });
    expect(result.message).toMatch(new RegExp(`^Horizon at http://127\\.0\\.0\\.1:${closedPort} could not be reached`));
  });

  it("the periodic check stores every enabled connection's health and audits only changes", async () => {
    const o = await org();
    const good = await owner(o).connections.create(bankInput(o));
    const off = await owner(o).connections.create(bankInput(o, { enabled: false }));
    const first = await checkEnabledConnections(db, { orgIds: [o.org.id] });
    // The Stellar connection (Horizon down) and the bank.
    expect(first).toEqual({ checked: 2, unhealthy: 1 });
    expect((await rawRow(good.id)).healthStatus).toBe("HEALTHY");
    expect((await rawRow(o.stellarConnectionId)).healthStatus).toBe("UNHEALTHY");
    expect((await rawRow(off.id)).healthStatus).toBe("UNKNOWN");
    await checkEnabledConnections(db, { orgIds: [o.org.id] });
    const changes = await db
      .select({ action: auditEvents.action, actor: auditEvents.actorUserId })
      .from(auditEvents)
      .where(and(eq(auditEvents.orgId, o.org.id), eq(auditEvents.action, "connection.health_changed")));
    expect(changes).toEqual([
      { action: "connection.health_changed", actor: null },
      { action: "connection.health_changed", actor: null },
    ]);
  });
});

describe("tenancy and permissions", () => {
  it("another organization's connection is invisible and unchangeable", async () => {
    const mine = await owner(a).connections.create(bankInput(a));
    const before = await rawRow(mine.id);
    const asB = callerFor(db, b.users.owner.id, b.org.id);
    expect((await asB.connections.list()).map((c) => c.id)).not.toContain(mine.id);
    for (const call of [
      () => asB.connections.get({ id: mine.id }),
      () => asB.connections.update({ id: mine.id, name: "Hijacked" }),
      () => asB.connections.replaceCredentials({ id: mine.id, credentials: { apiKey: "stolen" } }),
      () => asB.connections.setEnabled({ id: mine.id, enabled: false }),
      () => asB.connections.test({ id: mine.id }),
      () => asB.connections.delete({ id: mine.id }),
    ]) {
      const error = await expectTRPCError(call(), "NOT_FOUND");
      expect(error.message).toBe("The connection was not found.");
    }
    expect(await rawRow(mine.id)).toEqual(before);
  });

  it("every role reads; only owner and financial controller change", async () => {
    const target = await owner(a).connections.create(bankInput(a));
    for (const role of ROLES) {
      const caller = callerFor(db, a.users[role].id, a.org.id);
      expect((await caller.connections.list()).map((c) => c.id)).toContain(target.id);
      if (can(role, "connections:manage")) {
        const created = await caller.connections.create(bankInput(a));
        expect(created.credentials.set).toBe(true);
        await caller.connections.setEnabled({ id: target.id, enabled: false });
        await caller.connections.setEnabled({ id: target.id, enabled: true });
      } else {
        await expectTRPCError(caller.connections.create(bankInput(a)), "FORBIDDEN");
        await expectTRPCError(caller.connections.update({ id: target.id, name: "x" }), "FORBIDDEN");
        await expectTRPCError(caller.connections.replaceCredentials({ id: target.id, credentials: { apiKey: "x" } }), "FORBIDDEN");
        await expectTRPCError(caller.connections.setEnabled({ id: target.id, enabled: false }), "FORBIDDEN");
        await expectTRPCError(caller.connections.test({ id: target.id }), "FORBIDDEN");
        await expectTRPCError(caller.connections.delete({ id: target.id }), "FORBIDDEN");
      }
    }
    expect(ROLES.filter((r) => can(r, "connections:manage"))).toEqual(["owner", "financial_controller"]);
    expect((await rawRow(target.id)).name).toBe(target.name);
  });
});

describe("Mojaloop connections (docs/rails/mojaloop-connections.md)", () => {
  const rsa = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256", publicKeyEncoding: { type: "spki", format: "pem" }, privateKeyEncoding: { type: "pkcs8", format: "pem" } });
  // A self-signed RSA certificate, as a scheme hands out the switch's signing certificate.
  const SWITCH_CERT = `-----BEGIN CERTIFICATE-----
MIICEDCCAXmgAwIBAgIUWw4/zijN9ABmH1NFOhquXvnj10AwDQYJKoZIhvcNAQEL
BQAwGTEXMBUGA1UEAwwOc3dpdGNoLmV4YW1wbGUwIBcNMjYxMjAzMjAzMTI2WhgP
MjEyNjExMDkyMDMxMjZaMBkxFzAVBgNVBAMMDnN3aXRjaC5leGFtcGxlMIGfMA0G
CSqGSIb3DQEBAQUAA4GNADCBiQKBgQDC/layiOU30vpWHN6mMATj3BogNOAXgBmg
/N5L9anfQIGvgMLVwSTONtiQAV4wVbqimrkueQg3qYBkJargbJKPK3VyWqJi6k10
agCSoDOpfZemigq9OJdfLsS2L9sGwshWLV9VVk1EnDB7Uk6BApR0KGWD7Rj2zRf9
hGhwOMXV3QIDAQABo1MwUTAdBgNVHQ4EFgQUC8l1MB3f0CpP/kAb201dDO/xVYYw
HwYDVR0jBBgwFoAUC8l1MB3f0CpP/kAb201dDO/xVYYwDwYDVR0TAQH/BAUwAwEB
/zANBgkqhkiG9w0BAQsFAAOBgQCJPRDr9WWw9JEWVCUXPOvJllUTMEWrgWaP8v3d
ZVqsbtC6zp4SnyWEVNF/q5AUbwY+KMy1AUGZtGGIF45wmLDCvZWzpAxPeLHUI6VC
+GKeV2xvDzBoCiOjf+ayhj2gtxUOSEKzDvgezQs6Rog4cuh8iRErNSmcLnEeZSKk
2KbQ+A==
-----END CERTIFICATE-----`;
  const mojaloopInput = (o: Org, overrides: Record<string, unknown> = {}) => ({
    rail_type: "MOJALOOP" as const,
    name: `Mojaloop switch ${randomSuffix()}`,
    settings: {
      baseUrl: "https://switch.example.org/fspiop/",
      fspId: "g2p-payer",
      callbackAllowlist: "10.0.0.5\n10.1.0.0/16, fd00::/8",
      testParty: { type: "MSISDN", identifier: "254 712 345678" },
    },
    credentials: { jwsSigningKey: rsa.privateKey, switchCertificate: SWITCH_CERT } as Record<string, unknown> | null,
    currency_mapping: [{ asset_id: o.kes.id, rail_currency: "kes" }],
    ...overrides,
  });
  const settingsWith = (patch: Record<string, unknown>) => ({ ...mojaloopInput(a).settings, ...patch });
  const fieldsOf = (error: unknown) => (error as { cause?: { extras?: Record<string, string> } }).cause?.extras ?? {};

  beforeAll(() => {
    vi.stubEnv("APP_URL", "https://g2p.example.org/");
  });

  it("creates one: settings normalised with their defaults, keys sealed and never returned, the switch's callback URL shown", async () => {
    const view = await owner(a).connections.create(mojaloopInput(a));
    expect(view).toMatchObject({
      rail_type: "MOJALOOP",
      settings: {
        baseUrl: "https://switch.example.org/fspiop",
        fspId: "g2p-payer",
        callbackAllowlist: ["10.0.0.5", "10.1.0.0/16", "fd00::/8"],
        requestTimeoutSeconds: 15,
        callbackTimeoutSeconds: 60,
        testParty: { type: "MSISDN", identifier: "+254712345678" },
      },
      credentials: { set: true, updated_at: expect.any(String) },
      currency_mapping: [{ asset_id: a.kes.id, asset_code: "KES", rail_currency: "KES" }],
      callback_url: `https://g2p.example.org/api/mojaloop/${view.id}`,
      health: { status: "UNKNOWN" },
    });
    const list = await owner(a).connections.list();
    for (const answer of [view, list]) {
      expect(JSON.stringify(answer)).not.toContain("PRIVATE KEY");
      expect(JSON.stringify(answer)).not.toContain("CERTIFICATE");
    }
    expect(list.find((c) => c.id === a.stellarConnectionId)?.callback_url).toBeNull();
    const row = await rawRow(view.id);
    expect(row.credentialsSealed).not.toContain("PRIVATE KEY");
    expect(openCredentials(row.credentialsSealed)).toEqual({ jwsSigningKey: rsa.privateKey.trim(), switchCertificate: SWITCH_CERT });
    expect((await auditOf(view.id))[0]!.details).toMatchObject({ rail_type: "MOJALOOP", credentials: "set" });

    // Without keys (a scheme that does not sign): no credentials at all; a Stellar asset is refused.
    const plain = await owner(a).connections.create(mojaloopInput(a, { credentials: { jwsSigningKey: "", switchCertificate: null } }));
    expect(plain.credentials).toEqual({ set: false, updated_at: null });
    const err = await expectTRPCError(
      owner(a).connections.create(mojaloopInput(a, { currency_mapping: [{ asset_id: a.data.catalog.usdc.id, rail_currency: "USDC" }] })),
      "BAD_REQUEST",
    );
    expect(err.message).toMatch(/Stellar asset: a Mojaloop connection pays fiat currencies/);
  });

  it("refuses a bad URL, FSP id, callback source, timeout or PEM, naming the field", async () => {
    const refused = async (input: ReturnType<typeof mojaloopInput>, field: string, message: RegExp) => {
      const err = await expectTRPCError(owner(a).connections.create(input), "BAD_REQUEST");
      const extras = fieldsOf(err);
      expect(`${field}: ${extras[field] ?? JSON.stringify(extras)}`).toMatch(message);
    };
    await refused(mojaloopInput(a, { settings: settingsWith({ baseUrl: "http://switch.example.org" }) }), "settings.baseUrl", /Use https/);
    await refused(mojaloopInput(a, { settings: settingsWith({ baseUrl: "https://10.0.0.1:4040" }) }), "settings.baseUrl", /not allowed/);
    await refused(mojaloopInput(a, { settings: settingsWith({ fspId: "x".repeat(33) }) }), "settings.fspId", /at most 32 characters/);
    await refused(mojaloopInput(a, { settings: settingsWith({ fspId: "payer fsp" }) }), "settings.fspId", /letters, digits and \. _ -/);
    await refused(mojaloopInput(a, { settings: settingsWith({ fspId: undefined }) }), "settings.fspId", /FSP id/);
    await refused(
      mojaloopInput(a, { settings: settingsWith({ callbackAllowlist: "10.0.0.5\n10.0.0.300" }) }),
      "settings.callbackAllowlist.1",
      /“10.0.0.300” is not an IP address or CIDR/,
    );
    await refused(mojaloopInput(a, { settings: settingsWith({ callbackAllowlist: "" }) }), "settings.callbackAllowlist", /at least one address/);
    await refused(mojaloopInput(a, { settings: settingsWith({ callbackTimeoutSeconds: 2 }) }), "settings.callbackTimeoutSeconds", /At least 5 seconds/);
    await refused(
      mojaloopInput(a, { settings: settingsWith({ testParty: { type: "MSISDN", identifier: "12" } }) }),
      "settings.testParty.identifier",
      /international format/,
    );
    await refused(mojaloopInput(a, { credentials: { jwsSigningKey: "my secret key" } }), "credentials.jwsSigningKey", /PEM form/);
    await refused(mojaloopInput(a, { credentials: { jwsSigningKey: rsa.publicKey } }), "credentials.jwsSigningKey", /holds “PUBLIC KEY”/);
    await refused(
      mojaloopInput(a, { credentials: { jwsSigningKey: "-----BEGIN PRIVATE KEY-----\nAAAABBBB\n-----END PRIVATE KEY-----" } }),
      "credentials.jwsSigningKey",
      /could not be read as a private key/,
    );
    await refused(mojaloopInput(a, { credentials: { jwsSigningKey: ec.privateKey } }), "credentials.jwsSigningKey", /EC key: FSPIOP signatures \(RS256\) need an RSA/);
    await refused(mojaloopInput(a, { credentials: { switchCertificate: ec.publicKey } }), "credentials.switchCertificate", /EC key/);
  });

  it("changes its settings, replaces its keys (never with nothing), and Test connection asks the switch (unreachable here: UNHEALTHY)", async () => {
    const created = await owner(a).connections.create(mojaloopInput(a, { credentials: null }));
    const changed = await owner(a).connections.update({ id: created.id, settings: settingsWith({ fspId: "payer.2", requestTimeoutSeconds: "30" }) });
    expect(changed.settings).toMatchObject({ fspId: "payer.2", requestTimeoutSeconds: 30 });
    await expectTRPCError(owner(a).connections.update({ id: created.id, settings: settingsWith({ baseUrl: "ftp://switch.example.org" }) }), "BAD_REQUEST");

    const empty = await expectTRPCError(owner(a).connections.replaceCredentials({ id: created.id, credentials: { jwsSigningKey: "" } }), "BAD_REQUEST");
    expect(empty.message).toMatch(/JWS signing key, the switch's public key or certificate, or both/);
    const replaced = await owner(a).connections.replaceCredentials({ id: created.id, credentials: { switchCertificate: rsa.publicKey } });
    expect(replaced.credentials.set).toBe(true);
    expect(JSON.stringify(replaced)).not.toContain("PUBLIC KEY");
    expect(openCredentials((await rawRow(created.id)).credentialsSealed)).toEqual({ switchCertificate: rsa.publicKey.trim() });

    // Test connection looks the test party up at the switch; this one does not exist, so the GET is never taken.
    const tested = await owner(a).connections.test({ id: created.id });
    expect(tested).toMatchObject({ healthy: false, status: "UNHEALTHY", connection: { health: { status: "UNHEALTHY", checked_at: expect.any(String) } } });
    expect(tested.message).toMatch(/^The switch at https:\/\/switch\.example\.org\/fspiop did not take the lookup of MSISDN \+254712345678: /);
    expect((await auditOf(created.id)).map((e) => e.action)).toContain("connection.tested");
  });
});

describe("REST /api/v1/connections", () => {
  type Handler = (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
  const keyFor = async (o: TestOrg, scopes: ApiScope[]) => (await createApiKey(ctxOf(o), { name: `key ${randomSuffix()}`, scopes })).key;

  async function call(handler: Handler, method: string, urlPath: string, key: string, options: { json?: unknown; id?: string } = {}) {
    const headers = new Headers({ authorization: `Bearer ${key}` });
    if (options.json !== undefined) headers.set("content-type", "application/json");
    const request = new Request(`http://localhost/api/v1${urlPath}`, { method, headers, body: options.json === undefined ? undefined : JSON.stringify(options.json) });
    const params: Record<string, string> = options.id ? { id: options.id } : {};
    const response = await handler(request, { params: Promise.resolve(params) });
    const text = await response.text();
    return { status: response.status, text, body: text ? JSON.parse(text) : undefined };
  }

  it("creates, lists, reads, changes, tests and deletes; credentials never in an answer", async () => {
    const key = await keyFor(a, ["write:connections"]);
    const created = await call(connectionsRoute.POST, "POST", "/connections", key, { json: bankInput(a) });
    expect(created.status, created.text).toBe(201);
    const view = ConnectionSchema.parse(created.body);
    expect(view.credentials.set).toBe(true);

    const list = await call(connectionsRoute.GET, "GET", "/connections", key);
    expect(list.status).toBe(200);
    expect(list.body.map((c: { id: string }) => c.id)).toContain(view.id);

    const newKey = `rest-${randomSuffix()}`;
    const patched = await call(connectionRoute.PATCH, "PATCH", `/connections/${view.id}`, key, {
      id: view.id,
      json: { name: "REST bank", credentials: { apiKey: newKey }, enabled: false },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(ConnectionSchema.parse(patched.body)).toMatchObject({ name: "REST bank", enabled: false, credentials: { set: true } });
    expect(openCredentials((await rawRow(view.id)).credentialsSealed)).toEqual({ apiKey: newKey });

    // The bank knows only BANK_KEY: with the new key it is unhealthy; put the right one back.
    const unhealthy = await call(connectionTestRoute.POST, "POST", `/connections/${view.id}/test`, key, { id: view.id });
    expect(unhealthy.status).toBe(200);
    expect(ConnectionTestSchema.parse(unhealthy.body)).toMatchObject({ healthy: false, status: "UNHEALTHY" });
    await call(connectionRoute.PATCH, "PATCH", `/connections/${view.id}`, key, { id: view.id, json: { credentials: { apiKey: BANK_KEY } } });
    const healthy = await call(connectionTestRoute.POST, "POST", `/connections/${view.id}/test`, key, { id: view.id });
    expect(healthy.body).toMatchObject({ healthy: true, status: "HEALTHY" });

    const got = await call(connectionRoute.GET, "GET", `/connections/${view.id}`, key, { id: view.id });
    expect(got.body).toMatchObject({ id: view.id, health: { status: "HEALTHY" } });

    for (const answer of [created, list, patched, unhealthy, healthy, got]) {
      expect(answer.text).not.toContain(BANK_KEY);
      expect(answer.text).not.toContain(newKey);
    }

    const refused = await call(connectionRoute.DELETE, "DELETE", `/connections/${a.stellarConnectionId}`, key, { id: a.stellarConnectionId });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/Stellar wallets/);
    const deleted = await call(connectionRoute.DELETE, "DELETE", `/connections/${view.id}`, key, { id: view.id });
    expect(deleted.status).toBe(204);
    expect(await db.select().from(paymentConnections).where(eq(paymentConnections.id, view.id))).toEqual([]);
  });

  it("a wrong setting answers 400 naming the nested field; an unknown PATCH field answers 400", async () => {
    const key = await keyFor(a, ["write:connections"]);
    const bad = await call(connectionsRoute.POST, "POST", "/connections", key, {
      json: bankInput(a, { settings: { baseUrl: "https://bank.example.org", debtorName: "X" } }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body.extras).toMatchObject({ "settings.debtorAccountNumber": expect.stringMatching(/IBAN/) });
    const unknown = await call(connectionRoute.PATCH, "PATCH", `/connections/${a.stellarConnectionId}`, key, { id: a.stellarConnectionId, json: { rail_type: "BANK" } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.extras).toEqual({ rail_type: "This field cannot be changed." });
  });

  it("a Mojaloop connection: created with its keys never answered, a bad FSP id or PEM refused naming the field, tested as UNKNOWN", async () => {
    vi.stubEnv("APP_URL", "https://g2p.example.org");
    const key = await keyFor(a, ["write:connections"]);
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const input = {
      rail_type: "MOJALOOP",
      name: `REST switch ${randomSuffix()}`,
      settings: { baseUrl: "https://switch.example.org", fspId: "payerfsp", callbackAllowlist: ["192.0.2.10"] },
      credentials: { jwsSigningKey: privateKey },
      currency_mapping: [{ asset_id: a.kes.id, rail_currency: "KES" }],
    };
    const badPem = await call(connectionsRoute.POST, "POST", "/connections", key, {
      json: { ...input, credentials: { jwsSigningKey: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" } },
    });
    expect(badPem.status).toBe(400);
    expect(badPem.body.extras).toEqual({ "credentials.jwsSigningKey": expect.stringMatching(/holds “CERTIFICATE”/) });

    const created = await call(connectionsRoute.POST, "POST", "/connections", key, { json: input });
    expect(created.status, created.text).toBe(201);
    const view = ConnectionSchema.parse(created.body);
    expect(view).toMatchObject({ rail_type: "MOJALOOP", credentials: { set: true }, callback_url: `https://g2p.example.org/api/mojaloop/${view.id}` });
    const badFsp = await call(connectionRoute.PATCH, "PATCH", `/connections/${view.id}`, key, { id: view.id, json: { settings: { ...input.settings, fspId: "" } } });
    expect(badFsp.status).toBe(400);
    expect(badFsp.body.extras).toMatchObject({ "settings.fspId": expect.stringMatching(/FSP id/) });
    const tested = await call(connectionTestRoute.POST, "POST", `/connections/${view.id}/test`, key, { id: view.id });
    expect(ConnectionTestSchema.parse(tested.body)).toMatchObject({ healthy: false, status: "UNKNOWN" });
    const got = await call(connectionRoute.GET, "GET", `/connections/${view.id}`, key, { id: view.id });
    for (const answer of [created, badFsp, tested, got]) expect(answer.text).not.toContain("PRIVATE KEY");
    await call(connectionRoute.DELETE, "DELETE", `/connections/${view.id}`, key, { id: view.id });
  });

  it("scopes: a read key reads but cannot write; another organization's id is 404", async () => {
    const read = await keyFor(a, ["read:connections"]);
    expect((await call(connectionsRoute.GET, "GET", "/connections", read)).status).toBe(200);
    const refused = await call(connectionsRoute.POST, "POST", "/connections", read, { json: bankInput(a) });
    expect(refused.status).toBe(403);
    const disbursementsOnly = await keyFor(a, ["read:disbursements"]);
    expect((await call(connectionsRoute.GET, "GET", "/connections", disbursementsOnly)).status).toBe(403);

    const bKey = await keyFor(b, ["write:connections"]);
    for (const [handler, method, suffix] of [
      [connectionRoute.GET, "GET", ""],
      [connectionRoute.PATCH, "PATCH", ""],
      [connectionRoute.DELETE, "DELETE", ""],
      [connectionTestRoute.POST, "POST", "/test"],
    ] as const) {
      const res = await call(handler, method, `/connections/${a.stellarConnectionId}${suffix}`, bKey, {
        id: a.stellarConnectionId,
        json: method === "PATCH" ? { name: "x" } : undefined,
      });
      expect(res.status, `${method} ${suffix}`).toBe(404);
      expect(res.text).not.toContain(a.org.id);
    }
    expect((await rawRow(a.stellarConnectionId)).name).toBe("Stellar distribution account");
  });
});
