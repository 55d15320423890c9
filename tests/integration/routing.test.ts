import { and, asc, eq, sql } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { auditEvents, disbursements, paymentConnections, payments, receivers, receiverWallets, routingRules } from "@/db/schema";
import type { ApiScope } from "@/server/domain/api-scopes";
import { evaluateRouting } from "@/server/domain/routing-rules";
import { RoutingPreviewSchema, RoutingRuleSchema } from "@/server/rest/openapi";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { startEnvelopeBySchedule } from "@/server/services/disbursements/start-envelope-by-schedule";
import { routeDisbursementPayments } from "@/server/services/routing/route-disbursement-payments";
import { loadRouting } from "@/server/services/routing/load-routing";
import { ServiceError } from "@/server/services/errors";
import * as previewRoute from "@/app/api/v1/disbursements/[id]/routing/route";
import * as ruleRoute from "@/app/api/v1/routing-rules/[id]/route";
import * as reorderRoute from "@/app/api/v1/routing-rules/reorder/route";
import * as rulesRoute from "@/app/api/v1/routing-rules/route";
import { callerFor, createOrgWithMembers, expectTRPCError, nextUkMobile, randomSuffix, testDb, type TestOrg } from "./helpers";

// The REST handlers use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
afterEach(() => setDistributionBalanceProvider(demoBalanceProvider));

type Fx = TestOrg & {
  catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;
  stellar: string;
  stellarRule: string;
  stellarB: string;
  bankA: string;
  ctx: OrgContext;
};

async function connection(orgId: string, name: string, railType: "STELLAR" | "BANK", over: Partial<typeof paymentConnections.$inferInsert> = {}) {
  const [row] = await db
    .insert(paymentConnections)
    .values({ orgId, railType, name, ...over })
    .returning();
  return row!.id;
}

/** An organization with its default Stellar connection and rule (createOrganization), a second Stellar connection and a bank connection. */
async function fixture(): Promise<Fx> {
  const org = await createOrgWithMembers(db);
  const catalog = await seedDemoCatalog(db, org.org.id);
  let [stellar] = await db.select().from(paymentConnections).where(eq(paymentConnections.orgId, org.org.id));
  let [rule] = await db.select().from(routingRules).where(eq(routingRules.orgId, org.org.id));
  if (!stellar) {
    // Before createOrganization seeded routing (server/services/connections/default-connection.ts).
    stellar = (await db.insert(paymentConnections).values({ orgId: org.org.id, railType: "STELLAR", name: "Stellar distribution account" }).returning())[0]!;
    rule = (
      await db
        .insert(routingRules)
        .values({ orgId: org.org.id, position: 1, name: "Stellar wallets", conditions: { destinationKinds: ["STELLAR_ADDRESS"] }, connectionId: stellar.id })
        .returning()
    )[0]!;
  }
  return {
    ...org,
    catalog,
    stellar: stellar.id,
    stellarRule: rule!.id,
    stellarB: await connection(org.org.id, "Stellar B", "STELLAR"),
    bankA: await connection(org.org.id, "Bank A", "BANK"),
    ctx: { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" },
  };
}

type Row = { amount: string; region?: string; iban?: string };

/**
 * A READY PHONE_NUMBER disbursement (receivers not registered: routed as Stellar addresses) whose
 * rows may carry a region attribute and an IBAN destination (set on the receiver and its wallet as
 * the intake would).
 */
async function disbursementWith(fx: Fx, rows: Row[]) {
  const tag = randomSuffix();
  const d = await createDisbursement(fx.ctx, {
    name: `Routing ${tag}`,
    wallet_id: fx.catalog.wallet.id,
    asset_id: fx.catalog.usdc.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  const csv = ["phone,id,amount,verification", ...rows.map((r, i) => `${nextUkMobile()},rt-${tag}-${i + 1},${r.amount},1990-01-02`)].join("\n");
  await importInstructions(fx.ctx, { disbursementId: d.id, fileName: "routing.csv", content: Buffer.from(csv) });
  const list = await db
    .select({ id: payments.id, receiverId: payments.receiverId, walletId: payments.receiverWalletId, line: payments.lineNumber })
    .from(payments)
    .where(eq(payments.disbursementId, d.id))
    .orderBy(asc(payments.lineNumber));
  for (const [i, r] of rows.entries()) {
    const p = list[i]!;
    if (r.region)
      await db
        .update(receivers)
        .set({ attributes: { region: r.region } })
        .where(eq(receivers.id, p.receiverId));
    if (r.iban) await db.update(receiverWallets).set({ destinationKind: "IBAN", destinationValue: r.iban }).where(eq(receiverWallets.id, p.walletId));
  }
  return { id: d.id, payments: list, externalIds: rows.map((_, i) => `rt-${tag}-${i + 1}`) };
}

const IBAN = "DE89370400440532013000";

let a: Fx;
let b: Fx;
beforeAll(async () => {
  [a, b] = await Promise.all([fixture(), fixture()]);
});

const as = (fx: Fx, role: keyof Fx["users"]) => callerFor(db, fx.users[role].id, fx.org.id);

async function auditActions(orgId: string, targetId?: string) {
  const rows = await db
    .select({ action: auditEvents.action })
    .from(auditEvents)
    .where(targetId ? and(eq(auditEvents.orgId, orgId), eq(auditEvents.targetId, targetId)) : eq(auditEvents.orgId, orgId));
  return rows.map((r) => r.action);
}

describe("routing rules: create, change, order, delete", () => {
  it("manages the ordered list with an audit row per change, and describes each rule in words", async () => {
    const fx = await fixture();
    const owner = as(fx, "owner");
    const created = await owner.routing.create({
      name: "North by bank",
      conditions: {
        min_amount: "0",
        max_amount: "500",
        asset_ids: [fx.catalog.usdc.id],
        destination_kinds: ["IBAN", "BANK_ACCOUNT"],
        attribute: { name: "Region", values: ["north", "east"] },
      },
      connection_id: fx.bankA,
      fallback_connection_id: fx.stellarB,
    });
    expect(created).toMatchObject({
      position: 2,
      enabled: true,
      conditions: { min_amount: "0", max_amount: "500", attribute: { name: "region", values: ["north", "east"] } },
      connection: { id: fx.bankA, name: "Bank A", rail_type: "BANK" },
      fallback_connection: { id: fx.stellarB },
      description: "amount 0–500 USDC, region is north or east, to IBAN or bank account → Bank A, fallback Stellar B",
    });
    expect(RoutingRuleSchema.safeParse(created).success).toBe(true);

    const updated = await owner.routing.update({ id: created.id, name: "North", conditions: { max_amount: "100.5" }, fallback_connection_id: null });
    expect(updated).toMatchObject({ name: "North", conditions: { min_amount: null, max_amount: "100.5", attribute: null }, fallback_connection: null });
    expect(updated.description).toBe("amount at most 100.5 → Bank A");
    expect((await owner.routing.setEnabled({ id: created.id, enabled: false })).enabled).toBe(false);

    const third = await owner.routing.create({ name: "Everything else", connection_id: fx.stellarB });
    const reordered = await owner.routing.reorder({ ids: [third.id, created.id, fx.stellarRule] });
    expect(reordered.map((r) => [r.id, r.position])).toEqual([
      [third.id, 1],
      [created.id, 2],
      [fx.stellarRule, 3],
    ]);
    // Every rule exactly once.
    await expectTRPCError(owner.routing.reorder({ ids: [third.id, created.id] }), "BAD_REQUEST");

    await owner.routing.delete({ id: created.id });
    expect((await owner.routing.list()).map((r) => [r.name, r.position])).toEqual([
      ["Everything else", 1],
      ["Stellar wallets", 2],
    ]);
    expect(await auditActions(fx.org.id, created.id)).toEqual(
      expect.arrayContaining(["routing_rule.created", "routing_rule.updated", "routing_rule.disabled", "routing_rule.deleted"]),
    );
    expect(await auditActions(fx.org.id)).toContain("routing_rule.reordered");
  });

  it("validates: decimal amounts with min ≤ max, connections and assets of the organization, fallback ≠ target", async () => {
    const owner = as(a, "owner");
    const base = { name: "x", connection_id: a.bankA };
    const before = await db.select().from(routingRules).where(eq(routingRules.orgId, a.org.id));
    await expectTRPCError(owner.routing.create({ ...base, conditions: { min_amount: "10", max_amount: "9.99" } }), "BAD_REQUEST");
    await expectTRPCError(owner.routing.create({ ...base, conditions: { min_amount: "1,5" } }), "BAD_REQUEST");
    await expectTRPCError(owner.routing.create({ ...base, fallback_connection_id: a.bankA }), "BAD_REQUEST");
    const other = await expectTRPCError(owner.routing.create({ ...base, connection_id: b.bankA }), "BAD_REQUEST");
    expect(other.message).toBe("The connection was not found.");
    await expectTRPCError(owner.routing.create({ ...base, fallback_connection_id: b.stellar }), "BAD_REQUEST");
    await expectTRPCError(owner.routing.create({ ...base, conditions: { asset_ids: [b.catalog.usdc.id] } }), "BAD_REQUEST");
    // An update is checked as a whole: the new fallback against the kept target.
    await expectTRPCError(owner.routing.update({ id: a.stellarRule, fallback_connection_id: a.stellar }), "BAD_REQUEST");
    expect(await db.select().from(routingRules).where(eq(routingRules.orgId, a.org.id))).toEqual(before);
  });

  it("everyone on staff reads; only the owner and financial controller change (routing:manage)", async () => {
    for (const role of ["developer", "business", "initiator", "approver"] as const) {
      expect((await as(a, role).routing.list()).length).toBeGreaterThan(0);
      await expectTRPCError(as(a, role).routing.create({ name: "no", connection_id: a.bankA }), "FORBIDDEN");
      await expectTRPCError(as(a, role).routing.setEnabled({ id: a.stellarRule, enabled: false }), "FORBIDDEN");
      await expectTRPCError(as(a, role).routing.delete({ id: a.stellarRule }), "FORBIDDEN");
    }
    const byController = await as(a, "financial_controller").routing.create({ name: `FC ${randomSuffix()}`, connection_id: a.stellarB, enabled: false });
    await as(a, "financial_controller").routing.delete({ id: byController.id });
  });

  it("another organization's rules and disbursements are not found", async () => {
    const other = as(b, "owner");
    await expectTRPCError(other.routing.update({ id: a.stellarRule, name: "taken" }), "NOT_FOUND");
    await expectTRPCError(other.routing.setEnabled({ id: a.stellarRule, enabled: false }), "NOT_FOUND");
    await expectTRPCError(other.routing.delete({ id: a.stellarRule }), "NOT_FOUND");
    await expectTRPCError(other.routing.reorder({ ids: [a.stellarRule] }), "BAD_REQUEST");
    expect((await other.routing.list()).map((r) => r.id)).not.toContain(a.stellarRule);
    const d = await disbursementWith(a, [{ amount: "1" }]);
    await expectTRPCError(other.routing.preview({ disbursement_id: d.id }), "NOT_FOUND");
    const [rule] = await db.select().from(routingRules).where(eq(routingRules.id, a.stellarRule));
    expect(rule).toMatchObject({ name: "Stellar wallets", enabled: true });
  });
});

describe("preview", () => {
  it("counts and sums per connection and rule exactly, and lists the unrouted payments with line, receiver and reason", async () => {
    const fx = await fixture();
    const owner = as(fx, "owner");
    const north = await owner.routing.create({
      name: "North banks",
      conditions: { destination_kinds: ["IBAN"], attribute: { name: "region", values: ["North"] } },
      connection_id: fx.bankA,
    });
    const small = await owner.routing.create({ name: "Small Stellar", conditions: { max_amount: "0.2" }, connection_id: fx.stellarB });
    await owner.routing.reorder({ ids: [small.id, north.id, fx.stellarRule] });
    const d = await disbursementWith(fx, [
      { amount: "0.1" }, // Small Stellar
      { amount: "0.2" }, // Small Stellar (inclusive)
      { amount: "0.2000001" }, // default Stellar rule
      { amount: "100.25", region: "north", iban: IBAN }, // North banks
      { amount: "0.0000001", region: "NORTH", iban: IBAN }, // North banks: the IBAN is not a Stellar address, so Small Stellar cannot take it
      { amount: "7", region: "south", iban: IBAN }, // unrouted
    ]);
    const preview = await owner.routing.preview({ disbursement_id: d.id });
    expect(RoutingPreviewSchema.safeParse(preview).success).toBe(true);
    expect(preview).toMatchObject({ payments: 6, amount: "107.7500002", asset: { code: "USDC" } });
    expect(preview.connections).toEqual([
      {
        connection_id: fx.stellarB,
        name: "Stellar B",
        rail_type: "STELLAR",
        dispatched: true,
        payments: 2,
        amount: "0.3000000",
        rules: [{ rule_id: small.id, name: "Small Stellar", via_fallback: false, payments: 2, amount: "0.3000000" }],
      },
      {
        connection_id: fx.bankA,
        name: "Bank A",
        rail_type: "BANK",
        dispatched: true,
        payments: 2,
        amount: "100.2500001",
        rules: [{ rule_id: north.id, name: "North banks", via_fallback: false, payments: 2, amount: "100.2500001" }],
      },
      {
        connection_id: fx.stellar,
        name: "Stellar distribution account",
        rail_type: "STELLAR",
        dispatched: true,
        payments: 1,
        amount: "0.2000001",
        rules: [{ rule_id: fx.stellarRule, name: "Stellar wallets", via_fallback: false, payments: 1, amount: "0.2000001" }],
      },
    ]);
    expect(preview.unrouted).toEqual({
      payments: 1,
      amount: "7.0000000",
      listed: [
        {
          payment_id: d.payments[5]!.id,
          line_number: d.payments[5]!.line,
          receiver_id: d.payments[5]!.receiverId,
          receiver_external_id: d.externalIds[5],
          amount: "7.0000000",
          destination_kind: "IBAN",
          reason: "no enabled rule matches a payment of 7 to an IBAN",
        },
      ],
    });

    // The SQL agrees with the pure evaluation, payment by payment.
    const { rules, connections } = await loadRouting(db, fx.org.id);
    const rows = await db.execute<{ id: string; amount: string; kind: "IBAN" | null; attributes: Record<string, string> }>(sql`
      select p.id, p.amount::text as amount, rw.destination_kind as kind, r.attributes from payments p
      join receiver_wallets rw on rw.id = p.receiver_wallet_id join receivers r on r.id = p.receiver_id
      where p.disbursement_id = ${d.id} order by p.line_number`);
    const expected = rows.map((p) =>
      evaluateRouting({ amount: p.amount, assetId: fx.catalog.usdc.id, destinationKind: p.kind ?? "STELLAR_ADDRESS", attributes: p.attributes }, rules, connections),
    );
    expect(expected.map((e) => (e.routed ? e.connectionId : null))).toEqual([fx.stellarB, fx.stellarB, fx.stellar, fx.bankA, fx.bankA, null]);
  });

  it("lists at most 50 unrouted payments and counts them all; via_fallback when the target is disabled", async () => {
    const fx = await fixture();
    const owner = as(fx, "owner");
    await db.update(paymentConnections).set({ enabled: false }).where(eq(paymentConnections.id, fx.stellar));
    await owner.routing.update({ id: fx.stellarRule, fallback_connection_id: fx.stellarB });
    const d = await disbursementWith(fx, [
      ...Array.from({ length: 3 }, () => ({ amount: "2" })),
      ...Array.from({ length: 52 }, (_, i) => ({ amount: `1.${i + 1}`, iban: IBAN })),
    ]);
    const preview = await owner.routing.preview({ disbursement_id: d.id });
    expect(preview.connections).toEqual([
      expect.objectContaining({ connection_id: fx.stellarB, payments: 3, amount: "6.0000000", rules: [expect.objectContaining({ via_fallback: true })] }),
    ]);
    expect(preview.unrouted.payments).toBe(52);
    expect(preview.unrouted.listed).toHaveLength(50);
    expect(preview.unrouted.listed[0]).toMatchObject({ line_number: d.payments[3]!.line, reason: "no enabled rule matches a payment of 1.1 to an IBAN" });
  });
});

describe("start", () => {
  it("is refused while a payment is unrouted, naming the first ones, and writes nothing", async () => {
    const fx = await fixture();
    const d = await disbursementWith(fx, [{ amount: "1" }, { amount: "2", iban: IBAN }, { amount: "3", iban: IBAN }]);
    const before = await db.select().from(payments).where(eq(payments.disbursementId, d.id));
    const error = await expectTRPCError(as(fx, "owner").disbursements.changeStatus({ id: d.id, status: "STARTED" }), "CONFLICT");
    expect(error.message).toBe(
      `2 payments are not routed to any connection: line ${d.payments[1]!.line} (receiver ${d.externalIds[1]}), line ${d.payments[2]!.line} (receiver ${d.externalIds[2]}). ` +
        "For example: no enabled rule matches a payment of 2 to an IBAN. Add or change a routing rule, then start again.",
    );
    const cause = error.cause as ServiceError;
    expect(cause.reason).toBe("UNROUTED_PAYMENTS");
    expect(cause.extras).toMatchObject({
      unrouted: "2",
      [`line ${d.payments[1]!.line}`]: `receiver ${d.externalIds[1]}, 2: no enabled rule matches a payment of 2 to an IBAN`,
    });
    expect(await db.select().from(payments).where(eq(payments.disbursementId, d.id))).toEqual(before);
    expect((await db.select({ status: disbursements.status }).from(disbursements).where(eq(disbursements.id, d.id)))[0]!.status).toBe("READY");
  });

  it("starts payments routed to a bank connection (the dispatcher pays them) and records the bank connection and rule on them", async () => {
    const fx = await fixture();
    const banks = await as(fx, "owner").routing.create({ name: "Banks", conditions: { destination_kinds: ["IBAN"] }, connection_id: fx.bankA });
    const d = await disbursementWith(fx, [{ amount: "1" }, { amount: "2", iban: IBAN }]);
    await as(fx, "owner").disbursements.changeStatus({ id: d.id, status: "STARTED" });
    const rows = await db
      .select({ id: payments.id, connectionId: payments.connectionId, routingRuleId: payments.routingRuleId, status: payments.status })
      .from(payments)
      .where(eq(payments.disbursementId, d.id));
    const bankRow = rows.find((r) => r.id === d.payments[1]!.id)!;
    expect(bankRow).toMatchObject({ connectionId: fx.bankA, routingRuleId: banks.id, status: "READY" });
    expect(rows.find((r) => r.id === d.payments[0]!.id)!.connectionId).toBe(fx.stellar);
  });

  it("records each payment's connection and rule, falls back when the target is disabled, and does not re-route on resume", async () => {
    const fx = await fixture();
    const owner = as(fx, "owner");
    const north = await owner.routing.create({
      name: "North",
      conditions: { attribute: { name: "region", values: ["north"] } },
      connection_id: fx.stellarB,
      fallback_connection_id: fx.stellar,
    });
    await owner.routing.reorder({ ids: [north.id, fx.stellarRule] });
    await db.update(paymentConnections).set({ healthStatus: "UNHEALTHY" }).where(eq(paymentConnections.id, fx.stellarB));
    const d = await disbursementWith(fx, [{ amount: "1", region: "north" }, { amount: "2" }, { amount: "3", region: "North" }]);
    await owner.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    const routed = async () =>
      db
        .select({ connectionId: payments.connectionId, ruleId: payments.routingRuleId, status: payments.status })
        .from(payments)
        .where(eq(payments.disbursementId, d.id))
        .orderBy(asc(payments.lineNumber));
    // The unhealthy target's fallback, under the rule that chose it.
    expect(await routed()).toEqual([
      { connectionId: fx.stellar, ruleId: north.id, status: "READY" },
      { connectionId: fx.stellar, ruleId: fx.stellarRule, status: "READY" },
      { connectionId: fx.stellar, ruleId: north.id, status: "READY" },
    ]);

    // Healthy again: a new start would choose Stellar B; a resume keeps what was routed.
    await db.update(paymentConnections).set({ healthStatus: "HEALTHY" }).where(eq(paymentConnections.id, fx.stellarB));
    await owner.disbursements.changeStatus({ id: d.id, status: "PAUSED" });
    await owner.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    expect((await routed()).map((r) => r.connectionId)).toEqual([fx.stellar, fx.stellar, fx.stellar]);
  });

  it("writes only rows whose routing differs: routed at intake, a routing changes no row until a rule moves one", async () => {
    const fx = await fixture();
    const d = await disbursementWith(fx, [{ amount: "1" }, { amount: "2" }]);
    const [row] = await db.select().from(disbursements).where(eq(disbursements.id, d.id));
    const versions = () => db.execute<{ xmin: string }>(sql`select xmin::text from payments where disbursement_id = ${d.id} order by line_number`);
    const after = [...(await versions())];
    // The intake wrote each payment's connection and rule with the payment itself.
    const first = await db.transaction((tx) => routeDisbursementPayments(tx, { org: { id: fx.org.id } }, row!));
    expect(first).toEqual({ routed: 2, updated: 0 });
    expect([...(await versions())]).toEqual(after);
    const second = await db.transaction((tx) => routeDisbursementPayments(tx, { org: { id: fx.org.id } }, row!));
    expect(second).toEqual({ routed: 2, updated: 0 });
    expect([...(await versions())]).toEqual(after);
    // A rule change that moves one payment rewrites that one only.
    const big = await as(fx, "owner").routing.create({ name: "Big", conditions: { min_amount: "2" }, connection_id: fx.stellarB });
    await as(fx, "owner").routing.reorder({ ids: [big.id, fx.stellarRule] });
    const third = await db.transaction((tx) => routeDisbursementPayments(tx, { org: { id: fx.org.id } }, row!));
    expect(third).toEqual({ routed: 2, updated: 1 });
    const now = [...(await versions())];
    expect(now[0]).toEqual(after[0]);
    expect(now[1]).not.toEqual(after[1]);
  });

  it("the scheduler's refused start of an envelope leaves no trace", async () => {
    const fx = await fixture();
    const d = await disbursementWith(fx, [{ amount: "4", iban: IBAN }]);
    await db.update(disbursements).set({ autoStart: true, declaredCount: 1, declaredTotal: "4" }).where(eq(disbursements.id, d.id));
    const before = await db.select().from(payments).where(eq(payments.disbursementId, d.id));
    const result = await startEnvelopeBySchedule(db, fx.org.id, d.id);
    expect(result.started).toBe(false);
    expect(result.reason).toMatch(/^1 payment is not routed to any connection: line \d+ \(receiver rt-/);
    expect(await db.select().from(payments).where(eq(payments.disbursementId, d.id))).toEqual(before);
  });
});

describe("REST", () => {
  type Handler = (request: Request, context?: { params?: Promise<Record<string, string>> }) => Promise<Response>;
  async function call(handler: Handler, method: string, path: string, key: string, options: { json?: unknown; id?: string } = {}) {
    const headers = new Headers({ authorization: `Bearer ${key}` });
    if (options.json !== undefined) headers.set("content-type", "application/json");
    const response = await handler(
      new Request(`http://localhost/api/v1${path}`, { method, headers, body: options.json === undefined ? undefined : JSON.stringify(options.json) }),
      {
        params: Promise.resolve<Record<string, string>>(options.id ? { id: options.id } : {}),
      },
    );
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  const keyFor = async (fx: Fx, scopes: ApiScope[]) => (await createApiKey(fx.ctx, { name: `key ${randomSuffix()}`, scopes })).key;

  it("lists, creates, changes, reorders and deletes rules with the connections scopes; previews a disbursement", async () => {
    const fx = await fixture();
    const read = await keyFor(fx, ["read:connections", "read:disbursements"]);
    const write = await keyFor(fx, ["write:connections"]);
    const listed = await call(rulesRoute.GET, "GET", "/routing-rules", read);
    expect(listed.status).toBe(200);
    expect(listed.body.map((r: { id: string }) => r.id)).toEqual([fx.stellarRule]);
    expect((await call(rulesRoute.POST, "POST", "/routing-rules", read, { json: { name: "x", connection_id: fx.stellarB } })).status).toBe(403);
    const created = await call(rulesRoute.POST, "POST", "/routing-rules", write, {
      json: { name: "Big", conditions: { min_amount: "100" }, connection_id: fx.stellarB },
    });
    expect(created.status).toBe(201);
    expect(RoutingRuleSchema.parse(created.body).position).toBe(2);
    const bad = await call(rulesRoute.POST, "POST", "/routing-rules", write, {
      json: { name: "Bad", conditions: { min_amount: "5", max_amount: "1" }, connection_id: fx.stellarB },
    });
    expect(bad).toMatchObject({ status: 400, body: { reason: "VALIDATION_FAILED" } });
    const patched = await call(ruleRoute.PATCH, "PATCH", `/routing-rules/${created.body.id}`, write, { id: created.body.id, json: { enabled: false } });
    expect(patched).toMatchObject({ status: 200, body: { enabled: false, name: "Big" } });
    const order = await call(reorderRoute.POST, "POST", "/routing-rules/reorder", write, { json: { ids: [created.body.id, fx.stellarRule] } });
    expect(order.body.map((r: { position: number }) => r.position)).toEqual([1, 2]);
    expect((await call(ruleRoute.GET, "GET", `/routing-rules/${created.body.id}`, read, { id: created.body.id })).body.position).toBe(1);
    // Another organization's key: not found.
    const otherKey = await keyFor(b, ["write:connections"]);
    expect((await call(ruleRoute.DELETE, "DELETE", `/routing-rules/${created.body.id}`, otherKey, { id: created.body.id })).status).toBe(404);
    expect((await call(ruleRoute.DELETE, "DELETE", `/routing-rules/${created.body.id}`, write, { id: created.body.id })).status).toBe(204);

    const d = await disbursementWith(fx, [{ amount: "1.5" }, { amount: "2", iban: IBAN }]);
    const preview = await call(previewRoute.GET, "GET", `/disbursements/${d.id}/routing`, read, { id: d.id });
    expect(preview.status).toBe(200);
    expect(RoutingPreviewSchema.parse(preview.body)).toMatchObject({ payments: 2, unrouted: { payments: 1, amount: "2.0000000" } });
    expect((await call(previewRoute.GET, "GET", `/disbursements/${d.id}/routing`, otherKey, { id: d.id })).status).toBe(403);
  });
});
