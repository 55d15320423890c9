import { and, asc, eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { auditEvents, disbursementFiles, disbursements, g2pItems, g2pSenders, g2pTransactions, organizations, payments, wallets } from "@/db/schema";
import type { PaymentStatusHistoryEntry } from "@/server/domain/disbursement-types";
import { DisbursementSchema, PaymentSchema } from "@/server/rest/openapi";
import { sdpPayment } from "@/server/rest/sdp-shape";
import { createApiKey } from "@/server/services/api-keys/create-api-key";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { cancelEnvelope } from "@/server/services/disbursements/cancel-envelope";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { getDisbursement } from "@/server/services/disbursements/get-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { startEnvelopeBySchedule } from "@/server/services/disbursements/start-envelope-by-schedule";
import { getPayment } from "@/server/services/payments/get-payment";
import * as cancelRoute from "@/app/api/v1/disbursements/[id]/cancel/route";
import * as disbursementsRoute from "@/app/api/v1/disbursements/route";
import { callerFor, createOrgWithMembers, expectTRPCError, nextUkMobile, orgSnapshot, randomSuffix, testDb, type TestOrg } from "./helpers";

// The REST handlers use the process pool (getDb); point it at the test database.
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();

type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>> };

async function orgWithCatalog(): Promise<Fixture> {
  const org = await createOrgWithMembers(db);
  return { ...org, catalog: await seedDemoCatalog(db, org.org.id) };
}

const ctxOf = (fx: TestOrg, role: keyof TestOrg["users"] = "owner"): OrgContext => ({
  db,
  actor: { userId: fx.users[role].id },
  org: { id: fx.org.id },
  role,
});

const HOUR = 3_600_000;
const inHours = (h: number) => new Date(Date.now() + h * HOUR);

/** A PHONE_NUMBER / DATE_OF_BIRTH file with the given amounts and fresh receivers. */
function phoneCsv(amounts: string[]) {
  const tag = randomSuffix();
  return Buffer.from(["phone,id,amount,verification", ...amounts.map((a, i) => `${nextUkMobile()},env-${tag}-${i},${a},1990-01-0${(i % 9) + 1}`)].join("\n"));
}

type Envelope = { declared_count?: number | null; declared_total?: string | null; scheduled_at?: string | null };

async function createEnvelope(fx: Fixture, envelope: Envelope, author: "owner" | "initiator" = "owner") {
  return callerFor(db, fx.users[author].id, fx.org.id).disbursements.create({
    name: `Envelope ${randomSuffix()}`,
    wallet_id: fx.catalog.wallet.id,
    asset_id: fx.catalog.usdc.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
    ...envelope,
  });
}

async function uploadFile(fx: Fixture, id: string, amounts: string[], author: "owner" | "initiator" = "owner") {
  return importInstructions(ctxOf(fx, author), { disbursementId: id, fileName: "envelope.csv", content: phoneCsv(amounts) });
}

/** A disbursement's payments in line order. */
const paymentsOf = (id: string) =>
  db
    .select({ id: payments.id, status: payments.status, statusMessage: payments.statusMessage, statusHistory: payments.statusHistory })
    .from(payments)
    .where(eq(payments.disbursementId, id))
    .orderBy(asc(payments.lineNumber));

/** Move the schedule date (the service refuses a past one at creation; tests travel in time instead). */
const reschedule = (id: string, at: Date | null) => db.update(disbursements).set({ scheduledAt: at }).where(eq(disbursements.id, id));

afterEach(() => setDistributionBalanceProvider(demoBalanceProvider));

describe("create with declarations", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("stores the declared count, exact total and schedule date, and shows them in the view", async () => {
    const at = inHours(48);
    const d = await createEnvelope(fx, { declared_count: 3, declared_total: " 60.5 ", scheduled_at: at.toISOString() });
    expect(d.envelope).toEqual({
      declared_count: 3,
      declared_total: "60.5000000",
      scheduled_at: at.toISOString(),
      received_count: 0,
      received_total: "0.0000000",
      cancelled_count: 0,
      cancellation_status: "NOT_CANCELLED",
      cancellation_time_stamp: null,
      auto_start: false,
      start_blocked_reason: "The envelope has received 0 of the 3 payments it declares.",
    });
    expect(d.g2p).toBeNull();
    const [row] = await db.select().from(disbursements).where(eq(disbursements.id, d.id));
    expect(row).toMatchObject({ declaredCount: 3, declaredTotal: "60.5000000", scheduledAt: at, autoStart: false, cancelledAt: null });
    // A time given with another zone is the same instant.
    const zoned = await createEnvelope(fx, { scheduled_at: "2099-03-01T10:00:00+02:00" });
    expect(zoned.envelope.scheduled_at).toBe("2099-03-01T08:00:00.000Z");
    expect(zoned.envelope.declared_count).toBeNull();
  });

  it("keeps a disbursement without declarations unchanged (no envelope bounds)", async () => {
    const d = await createEnvelope(fx, {});
    expect(d.envelope).toMatchObject({ declared_count: null, declared_total: null, scheduled_at: null, start_blocked_reason: null });
  });

  it.each([
    [{ declared_count: 0 }, "declared_count"],
    [{ declared_count: 2.5 }, "declared_count"],
    [{ declared_total: "1.12345678" }, "declared_total"],
    [{ declared_total: "-5" }, "declared_total"],
    [{ declared_total: "0" }, "declared_total"],
    [{ declared_total: "1e3" }, "declared_total"],
    [{ scheduled_at: "2099-01-01T10:00:00" }, "scheduled_at"],
    [{ scheduled_at: "tomorrow" }, "scheduled_at"],
  ] as [Envelope, string][])("refuses %j naming %s, and creates nothing", async (envelope, field) => {
    const name = `Bad envelope ${randomSuffix()}`;
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    const error = await expectTRPCError(
      caller.disbursements.create({
        name,
        wallet_id: fx.catalog.wallet.id,
        asset_id: fx.catalog.usdc.id,
        registration_contact_type: "PHONE_NUMBER",
        verification_field: "DATE_OF_BIRTH",
        ...(envelope as Record<string, never>),
      }),
      "BAD_REQUEST",
    );
    const issues = (error.cause as unknown as { issues: { path: string[] }[] }).issues;
    expect([...new Set(issues.map((i) => i.path[0]))]).toEqual([field]);
    expect(await db.select().from(disbursements).where(eq(disbursements.name, name))).toEqual([]);
  });

  it("refuses a schedule date in the past", async () => {
    const error = await expectTRPCError(createEnvelope(fx, { scheduled_at: new Date(Date.now() - 60_000).toISOString() }), "BAD_REQUEST");
    expect(error.message).toBe("The schedule date must be in the future.");
  });

  it("takes the same fields over REST, documented by the same schema", async () => {
    const key = (await createApiKey(ctxOf(fx), { name: `env ${randomSuffix()}`, scopes: ["write:disbursements"] })).key;
    const at = inHours(24).toISOString();
    const body = {
      name: `REST envelope ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.usdc.id,
      registration_contact_type: "EMAIL",
      verification_field: "PIN",
      declared_count: 2,
      declared_total: "10.0000001",
      scheduled_at: at,
    };
    const post = (json: unknown) =>
      disbursementsRoute.POST(
        new Request("http://localhost/api/v1/disbursements", {
          method: "POST",
          headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
          body: JSON.stringify(json),
        }),
      );
    const created = await post(body);
    expect(created.status).toBe(201);
    const parsed = DisbursementSchema.parse(await created.json());
    expect(parsed.envelope).toMatchObject({ declared_count: 2, declared_total: "10.0000001", scheduled_at: new Date(at).toISOString() });
    const bad = await post({ ...body, name: `REST bad ${randomSuffix()}`, declared_total: "10.00000001", declared_count: -1 });
    expect(bad.status).toBe(400);
    const error = (await bad.json()) as { extras: Record<string, string> };
    expect(Object.keys(error.extras).sort()).toEqual(["declared_count", "declared_total"]);
  });
});

describe("instructions within the declarations", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("refuses a file with more payments than declared, naming both, and writes nothing", async () => {
    const d = await createEnvelope(fx, { declared_count: 3, declared_total: "60" });
    const before = await orgSnapshot(db, fx.org.id);
    await expect(uploadFile(fx, d.id, ["10", "10", "10", "10"])).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "The file has 4 payments; this disbursement declares 3 at most.",
      extras: { envelope: "The file has 4 payments; this disbursement declares 3 at most.", declared_count: "3", file_count: "4" },
      reason: "ENVELOPE_INCOMPLETE",
    });
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
  });

  it("refuses a file whose total exceeds the declared total by one stroop", async () => {
    const d = await createEnvelope(fx, { declared_count: 3, declared_total: "60" });
    await expect(uploadFile(fx, d.id, ["20", "20", "20.0000001"])).rejects.toMatchObject({
      code: "BAD_REQUEST",
      message: "The file's payments total 60.0000001; this disbursement declares a total of 60.",
      extras: { envelope: expect.stringMatching(/^The file's payments total/), declared_total: "60.0000000", file_total: "60.0000001" },
    });
    expect(await paymentsOf(d.id)).toEqual([]);
    expect(await db.select().from(disbursementFiles).where(eq(disbursementFiles.disbursementId, d.id))).toEqual([]);
    expect((await getDisbursement(ctxOf(fx), d.id)).status).toBe("DRAFT");
  });

  it("accepts a file within them (READY, but incomplete), and a replacement is measured alone", async () => {
    const d = await createEnvelope(fx, { declared_count: 3, declared_total: "60" });
    const partial = await uploadFile(fx, d.id, ["10", "20"]);
    expect(partial.status).toBe("READY");
    expect(partial.envelope).toMatchObject({
      received_count: 2,
      received_total: "30.0000000",
      start_blocked_reason: "The envelope has received 2 of the 3 payments it declares.",
    });
    // The new file replaces the two payments: 3 rows of 20 fit although 2 + 3 > 3.
    const full = await uploadFile(fx, d.id, ["20", "20", "20"]);
    expect(full.envelope).toMatchObject({ received_count: 3, received_total: "60.0000000", start_blocked_reason: null });
    expect(await paymentsOf(d.id)).toHaveLength(3);
  });

  it("refuses a file for a G2P envelope (its payments are the sender's items)", async () => {
    const d = await createEnvelope(fx, {});
    const sender = await makeSender(fx);
    await db
      .insert(g2pTransactions)
      .values({ orgId: fx.org.id, senderRowId: sender.id, transactionId: `txn-${randomSuffix()}`, disbursementId: d.id, callbackBase: "https://sp.example.org" });
    await expect(uploadFile(fx, d.id, ["10"])).rejects.toMatchObject({ code: "BAD_REQUEST", message: expect.stringMatching(/G2P Connect sender/) });
    expect(await paymentsOf(d.id)).toEqual([]);
  });
});

async function makeSender(fx: Fixture) {
  const [sender] = await db
    .insert(g2pSenders)
    .values({
      orgId: fx.org.id,
      senderId: `spmis-${randomSuffix()}`,
      name: "Social Protection MIS",
      callbackUrl: "https://sp.example.org",
      publicKey: "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=\n-----END PUBLIC KEY-----\n",
      walletId: fx.catalog.wallet.id,
    })
    .returning();
  return sender!;
}

describe("start: refused until complete and due", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("refuses an incomplete envelope with the reason, and the actions say it too", async () => {
    const d = await createEnvelope(fx, { declared_count: 3 });
    await uploadFile(fx, d.id, ["1", "2"]);
    const caller = callerFor(db, fx.users.financial_controller.id, fx.org.id);
    const view = await caller.disbursements.get({ id: d.id });
    expect(view.actions).toEqual({
      allowed: ["upload", "cancel", "delete"],
      startBlockedReason: "The envelope has received 2 of the 3 payments it declares.",
    });
    const error = await expectTRPCError(caller.disbursements.changeStatus({ id: d.id, status: "STARTED" }), "BAD_REQUEST");
    expect(error.message).toBe("The envelope has received 2 of the 3 payments it declares.");
    expect(error.cause).toMatchObject({ reason: "ENVELOPE_INCOMPLETE" });
    expect((await getDisbursement(ctxOf(fx), d.id)).status).toBe("READY");
    expect((await paymentsOf(d.id)).map((p) => p.status)).toEqual(["DRAFT", "DRAFT"]);
  });

  it("refuses a complete envelope before its schedule date, then starts it once due", async () => {
    const d = await createEnvelope(fx, { declared_count: 2, declared_total: "3", scheduled_at: inHours(1).toISOString() });
    await uploadFile(fx, d.id, ["1", "2"]);
    const caller = callerFor(db, fx.users.approver.id, fx.org.id);
    expect((await caller.disbursements.get({ id: d.id })).actions.startBlockedReason).toMatch(/^The envelope is scheduled for .*; it cannot start before then\.$/);
    const error = await expectTRPCError(caller.disbursements.changeStatus({ id: d.id, status: "STARTED" }), "BAD_REQUEST");
    expect(error.message).toMatch(/it cannot start before then/);
    expect(error.cause).toMatchObject({ reason: "ENVELOPE_NOT_DUE" });

    await reschedule(d.id, new Date(Date.now() - 1000));
    const view = await caller.disbursements.get({ id: d.id });
    expect(view.actions).toEqual({ allowed: ["start"], startBlockedReason: null });
    expect(view.envelope.start_blocked_reason).toBeNull();
    const started = await caller.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    expect(started.status).toBe("STARTED");
    expect(started.status_history.at(-1)).toMatchObject({ user_id: fx.users.approver.id, status: "STARTED" });
    expect((await paymentsOf(d.id)).map((p) => p.status)).toEqual(["READY", "READY"]);
    // Started: no longer cancellable.
    expect((await caller.disbursements.get({ id: d.id })).actions.allowed).toEqual(["pause"]);
  });
});

describe("startEnvelopeBySchedule", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
    // The two-person rule is on: the scheduler is nobody, so it does not apply.
    await db.update(organizations).set({ approvalRequired: true }).where(eq(organizations.id, fx.org.id));
  });

  async function autoEnvelope(amounts: string[], declared: Envelope) {
    const d = await createEnvelope(fx, declared);
    await db.update(disbursements).set({ autoStart: true }).where(eq(disbursements.id, d.id));
    if (amounts.length) await uploadFile(fx, d.id, amounts);
    return d;
  }

  it("leaves what is not its own alone: not auto-start, not READY, unknown or another organization's", async () => {
    const manual = await createEnvelope(fx, {});
    await uploadFile(fx, manual.id, ["1"]);
    expect(await startEnvelopeBySchedule(db, fx.org.id, manual.id)).toEqual({ started: false, reason: expect.stringMatching(/not started by the scheduler/) });
    const draft = await autoEnvelope([], { declared_count: 1 });
    expect(await startEnvelopeBySchedule(db, fx.org.id, draft.id)).toEqual({ started: false, reason: "The disbursement is DRAFT, not READY." });
    const other = await orgWithCatalog();
    const ready = await autoEnvelope(["1"], {});
    expect(await startEnvelopeBySchedule(db, other.org.id, ready.id)).toMatchObject({ started: false });
    expect((await getDisbursement(ctxOf(fx), ready.id)).status).toBe("READY");
  });

  it("waits until complete and due, then starts with no person and no two-person rule", async () => {
    const d = await autoEnvelope(["5", "5"], { declared_count: 3, declared_total: "15", scheduled_at: inHours(2).toISOString() });
    expect(await startEnvelopeBySchedule(db, fx.org.id, d.id)).toEqual({ started: false, reason: "The envelope has not received everything it declares." });
    await uploadFile(fx, d.id, ["5", "5", "5"]);
    expect(await startEnvelopeBySchedule(db, fx.org.id, d.id)).toEqual({ started: false, reason: expect.stringMatching(/^The envelope is scheduled for/) });
    // The scheduler's clock: due at two hours from now.
    const started = await startEnvelopeBySchedule(db, fx.org.id, d.id, inHours(3));
    expect(started).toEqual({ started: true, reason: null });
    const view = await getDisbursement(ctxOf(fx), d.id);
    expect(view.status).toBe("STARTED");
    expect(view.status_history.at(-1)).toMatchObject({ user_id: null, status: "STARTED" });
    // The owner who created and uploaded it could not have started it themselves.
    expect(view.status_history.filter((h) => h.user_id === fx.users.owner.id).map((h) => h.status)).toEqual(["DRAFT", "READY", "READY"]);
    expect((await paymentsOf(d.id)).map((p) => p.status)).toEqual(["READY", "READY", "READY"]);
    expect(await startEnvelopeBySchedule(db, fx.org.id, d.id)).toEqual({ started: false, reason: "The disbursement is STARTED, not READY." });
  });

  it("keeps the envelope READY when the balance is short, and starts it on a later try", async () => {
    const d = await autoEnvelope(["7", "8"], { declared_count: 2, declared_total: "15" });
    setDistributionBalanceProvider({ availableStroops: async () => 10n * 10_000_000n });
    const held = await startEnvelopeBySchedule(db, fx.org.id, d.id);
    expect(held.started).toBe(false);
    expect(held.reason).toMatch(/^Insufficient balance: the distribution account is short of /);
    const view = await getDisbursement(ctxOf(fx), d.id);
    expect(view.status).toBe("READY");
    expect(view.status_history.at(-1)?.status).toBe("READY");
    expect((await paymentsOf(d.id)).map((p) => p.status)).toEqual(["DRAFT", "DRAFT"]);

    setDistributionBalanceProvider(demoBalanceProvider);
    expect(await startEnvelopeBySchedule(db, fx.org.id, d.id)).toEqual({ started: true, reason: null });
  });

  it("holds an envelope whose wallet is disabled", async () => {
    const d = await autoEnvelope(["1"], {});
    await db.update(wallets).set({ enabled: false }).where(eq(wallets.id, fx.catalog.wallet.id));
    try {
      expect(await startEnvelopeBySchedule(db, fx.org.id, d.id)).toEqual({ started: false, reason: expect.stringMatching(/is disabled/) });
      expect((await getDisbursement(ctxOf(fx), d.id)).status).toBe("READY");
    } finally {
      await db.update(wallets).set({ enabled: true }).where(eq(wallets.id, fx.catalog.wallet.id));
    }
  });
});

describe("cancelEnvelope", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("cancels before the schedule date: the envelope and every unpaid payment, finally", async () => {
    const d = await createEnvelope(fx, { declared_count: 3, declared_total: "6", scheduled_at: inHours(24).toISOString() }, "initiator");
    await uploadFile(fx, d.id, ["1", "2", "3"], "initiator");
    const caller = callerFor(db, fx.users.initiator.id, fx.org.id);
    expect((await caller.disbursements.get({ id: d.id })).actions.allowed).toContain("cancel");
    const before = Date.now();
    const cancelled = await caller.disbursements.cancel({ id: d.id });
    expect(cancelled.status).toBe("CANCELED");
    expect(cancelled.status_history.at(-1)).toMatchObject({ user_id: fx.users.initiator.id, status: "CANCELED" });
    expect(cancelled.envelope).toMatchObject({
      cancellation_status: "CANCELLED",
      cancellation_time_stamp: expect.any(String),
      received_count: 3,
      received_total: "6.0000000",
      cancelled_count: 3,
      start_blocked_reason: null,
    });
    expect(new Date(cancelled.envelope.cancellation_time_stamp!).getTime()).toBeGreaterThanOrEqual(before - 1000);
    for (const p of await paymentsOf(d.id)) {
      expect(p.status).toBe("CANCELED");
      expect(p.statusMessage).toBe("envelope cancelled");
      expect(p.statusHistory.at(-1)).toEqual({ status: "CANCELED", status_message: "envelope cancelled", timestamp: cancelled.envelope.cancellation_time_stamp });
    }
    const payment = await getPayment(ctxOf(fx), (await paymentsOf(d.id))[0]!.id);
    expect(payment).toMatchObject({ cancellation_status: "CANCELLED", cancellation_time_stamp: cancelled.envelope.cancellation_time_stamp });

    // Final: no second cancel, no upload, no start, no actions.
    const again = await expectTRPCError(caller.disbursements.cancel({ id: d.id }), "BAD_REQUEST");
    expect(again.message).toBe("The envelope is already cancelled; cancellation is final.");
    await expect(uploadFile(fx, d.id, ["1"])).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expectTRPCError(callerFor(db, fx.users.owner.id, fx.org.id).disbursements.changeStatus({ id: d.id, status: "STARTED" }), "BAD_REQUEST");
    expect((await callerFor(db, fx.users.owner.id, fx.org.id).disbursements.get({ id: d.id })).actions).toEqual({ allowed: [], startBlockedReason: null });
    // Recorded with the change.
    const audit = await db
      .select({ details: auditEvents.details })
      .from(auditEvents)
      .where(and(eq(auditEvents.targetId, d.id), eq(auditEvents.action, "disbursement.cancelled")));
    expect(audit).toEqual([{ details: { name: d.name, previous_status: "READY", payments_cancelled: 3 } }]);
  });

  it("refuses after the schedule date and changes nothing", async () => {
    const d = await createEnvelope(fx, { declared_count: 1, scheduled_at: inHours(1).toISOString() });
    await uploadFile(fx, d.id, ["4"]);
    await reschedule(d.id, new Date(Date.now() - 1000));
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    expect((await caller.disbursements.get({ id: d.id })).actions.allowed).not.toContain("cancel");
    const before = await orgSnapshot(db, fx.org.id);
    const error = await expectTRPCError(caller.disbursements.cancel({ id: d.id }), "BAD_REQUEST");
    expect(error.message).toMatch(/^The schedule date .* has passed; the envelope can no longer be cancelled\.$/);
    expect(await orgSnapshot(db, fx.org.id)).toEqual(before);
  });

  it("refuses a started disbursement, and roles without disbursements:write", async () => {
    const d = await createEnvelope(fx, {});
    await uploadFile(fx, d.id, ["4"]);
    await expectTRPCError(callerFor(db, fx.users.approver.id, fx.org.id).disbursements.cancel({ id: d.id }), "FORBIDDEN");
    await callerFor(db, fx.users.approver.id, fx.org.id).disbursements.changeStatus({ id: d.id, status: "STARTED" });
    const error = await expectTRPCError(callerFor(db, fx.users.owner.id, fx.org.id).disbursements.cancel({ id: d.id }), "BAD_REQUEST");
    expect(error.message).toBe("The envelope is STARTED; only an envelope that has not started can be cancelled.");
    expect((await paymentsOf(d.id)).map((p) => p.status)).toEqual(["READY"]);
  });

  it("is POST /api/v1/disbursements/{id}/cancel, with the write:disbursements scope", async () => {
    const d = await createEnvelope(fx, { scheduled_at: inHours(5).toISOString() });
    await uploadFile(fx, d.id, ["4", "5"]);
    const post = (key: string) =>
      cancelRoute.POST(new Request(`http://localhost/api/v1/disbursements/${d.id}/cancel`, { method: "POST", headers: { authorization: `Bearer ${key}` } }), {
        params: Promise.resolve({ id: d.id }),
      });
    const readKey = (await createApiKey(ctxOf(fx), { name: `read ${randomSuffix()}`, scopes: ["read:all"] })).key;
    expect((await post(readKey)).status).toBe(403);
    expect((await getDisbursement(ctxOf(fx), d.id)).status).toBe("READY");
    const writeKey = (await createApiKey(ctxOf(fx), { name: `write ${randomSuffix()}`, scopes: ["write:disbursements"] })).key;
    const res = await post(writeKey);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message: string; disbursement: unknown };
    expect(body.message).toBe("Disbursement cancelled");
    expect(DisbursementSchema.parse(body.disbursement)).toMatchObject({ status: "CANCELED", envelope: { cancellation_status: "CANCELLED", cancelled_count: 2 } });
    const again = await post(writeKey);
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({
      error: "Bad request",
      extras: { status: 400, message: "The envelope is already cancelled; cancellation is final." },
      reason: "INVALID_STATE",
    });
  });
});

describe("cancelling one payment", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("of a scheduled envelope: a DRAFT payment before the date; it stays counted as received", async () => {
    const d = await createEnvelope(fx, { declared_count: 2, declared_total: "3", scheduled_at: inHours(3).toISOString() });
    await uploadFile(fx, d.id, ["1", "2"]);
    const [first, second] = await paymentsOf(d.id);
    const caller = callerFor(db, fx.users.financial_controller.id, fx.org.id);
    const cancelled = await caller.payments.cancel({ id: first!.id });
    expect(cancelled).toMatchObject({ status: "CANCELED", cancellation_status: "CANCELLED", cancellation_time_stamp: expect.any(String) });
    const again = await expectTRPCError(caller.payments.cancel({ id: first!.id }), "BAD_REQUEST");
    expect(again.message).toBe("The payment is already cancelled; cancellation is final.");

    const view = await getDisbursement(ctxOf(fx), d.id);
    expect(view.envelope).toMatchObject({ received_count: 2, received_total: "3.0000000", cancelled_count: 1 });
    // Still complete: once due it starts, sending only what was not cancelled.
    await reschedule(d.id, new Date(Date.now() - 1000));
    const error = await expectTRPCError(caller.payments.cancel({ id: second!.id }), "BAD_REQUEST");
    expect(error.message).toMatch(/has passed; the payment can no longer be cancelled/);
    await caller.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    expect((await paymentsOf(d.id)).map((p) => p.status)).toEqual(["CANCELED", "READY"]);
  });

  it("of an unscheduled disbursement: READY only, as before", async () => {
    const d = await createEnvelope(fx, {});
    await uploadFile(fx, d.id, ["1", "2"]);
    const [first] = await paymentsOf(d.id);
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    const error = await expectTRPCError(caller.payments.cancel({ id: first!.id }), "BAD_REQUEST");
    expect(error.message).toBe("Only READY payments can be canceled; this one is DRAFT.");
    await caller.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    expect(await caller.payments.cancel({ id: first!.id })).toMatchObject({ status: "CANCELED", cancellation_status: "CANCELLED" });
  });

  it("cancelling the last open payment of a started envelope completes it", async () => {
    const d = await createEnvelope(fx, {});
    await uploadFile(fx, d.id, ["1"]);
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    await caller.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    const [only] = await paymentsOf(d.id);
    await caller.payments.cancel({ id: only!.id });
    expect((await getDisbursement(ctxOf(fx), d.id)).status).toBe("COMPLETED");
  });
});

describe("payment view: shipment, reply, cancellation and the G2P reference", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("derives the tracking fields from the payment's status and history", async () => {
    const d = await createEnvelope(fx, {});
    await uploadFile(fx, d.id, ["1", "2", "3"]);
    const [draft, failed, paid] = await paymentsOf(d.id);
    const waiting = await getPayment(ctxOf(fx), draft!.id);
    expect(waiting).toMatchObject({
      shipment_to_bank_status: "PENDING",
      shipment_to_bank_time_stamp: null,
      reply_status_from_bank: null,
      reply_from_bank_time_stamp: null,
      failure_error_code: null,
      failure_error_message: null,
      cancellation_status: "NOT_CANCELLED",
      cancellation_time_stamp: null,
      reference_id: null,
      disbursement: { id: d.id, scheduled_at: null },
    });
    // The REST answer (SDP's conventions applied to the view, server/rest/sdp-shape.ts) is what the schema documents.
    PaymentSchema.parse(sdpPayment(waiting));

    const h = (status: PaymentStatusHistoryEntry["status"], message: string | null, timestamp: string): PaymentStatusHistoryEntry => ({
      status,
      status_message: message,
      timestamp,
    });
    const failure = "op_no_trust: the receiver's account has no trustline for USDC";
    await db
      .update(payments)
      .set({
        status: "FAILED",
        statusMessage: failure,
        statusHistory: [
          ...failed!.statusHistory,
          h("READY", null, "2030-01-01T00:00:00.000Z"),
          h("PENDING", null, "2030-01-01T00:01:00.000Z"),
          h("FAILED", failure, "2030-01-01T00:02:00.000Z"),
        ],
      })
      .where(eq(payments.id, failed!.id));
    expect(await getPayment(ctxOf(fx), failed!.id)).toMatchObject({
      shipment_to_bank_status: "PROCESSED",
      shipment_to_bank_time_stamp: "2030-01-01T00:01:00.000Z",
      reply_status_from_bank: "FAILURE",
      reply_from_bank_time_stamp: "2030-01-01T00:02:00.000Z",
      failure_error_code: "op_no_trust",
      failure_error_message: "the receiver's account has no trustline for USDC",
      cancellation_status: "NOT_CANCELLED",
    });
    await db
      .update(payments)
      .set({ status: "SUCCESS", statusHistory: [...paid!.statusHistory, h("PENDING", null, "2030-01-01T00:01:00.000Z"), h("SUCCESS", null, "2030-01-01T00:03:00.000Z")] })
      .where(eq(payments.id, paid!.id));
    expect(await getPayment(ctxOf(fx), paid!.id)).toMatchObject({
      shipment_to_bank_status: "PROCESSED",
      reply_status_from_bank: "SUCCESS",
      reply_from_bank_time_stamp: "2030-01-01T00:03:00.000Z",
      failure_error_code: null,
    });
  });

  it("shows the G2P origin on the disbursement and the reference_id on its payments, in lists too", async () => {
    const d = await createEnvelope(fx, {});
    await uploadFile(fx, d.id, ["1", "2"]);
    const sender = await makeSender(fx);
    const transactionId = `txn-${randomSuffix()}`;
    const [txn] = await db
      .insert(g2pTransactions)
      .values({ orgId: fx.org.id, senderRowId: sender.id, transactionId, disbursementId: d.id, callbackBase: "https://sp.example.org" })
      .returning();
    const [first, second] = await paymentsOf(d.id);
    await db.insert(g2pItems).values({
      orgId: fx.org.id,
      senderRowId: sender.id,
      g2pTransactionId: txn!.id,
      paymentId: first!.id,
      referenceId: "ref-0001",
      request: { reference_id: "ref-0001", amount: "1" },
    });
    const caller = callerFor(db, fx.users.business.id, fx.org.id);
    const view = await caller.disbursements.get({ id: d.id });
    expect(view.g2p).toEqual({ sender_id: sender.senderId, sender_name: "Social Protection MIS", transaction_id: transactionId });
    expect(view.actions.allowed).toEqual([]);
    const ownerCaller = callerFor(db, fx.users.owner.id, fx.org.id);
    expect((await ownerCaller.disbursements.get({ id: d.id })).actions.allowed).toEqual(["start", "cancel"]);
    // Answerable to its sender: cancelled, never deleted.
    const refused = await expectTRPCError(ownerCaller.disbursements.delete({ id: d.id }), "BAD_REQUEST");
    expect(refused.message).toBe("This disbursement came from a G2P Connect sender; cancel it instead of deleting it.");
    const listed = await caller.disbursements.list({ q: d.name });
    expect(listed.data.map((x) => x.g2p?.transaction_id)).toEqual([transactionId]);

    expect((await caller.payments.get({ id: first!.id })).reference_id).toBe("ref-0001");
    expect((await caller.payments.get({ id: second!.id })).reference_id).toBeNull();
    const page = await caller.payments.list({ disbursement_id: d.id });
    expect(new Map(page.data.map((p) => [p.id, p.reference_id]))).toEqual(
      new Map([
        [first!.id, "ref-0001"],
        [second!.id, null],
      ]),
    );
  });
});

describe("tenancy", () => {
  let a: Fixture;
  let b: Fixture;
  beforeAll(async () => {
    [a, b] = await Promise.all([orgWithCatalog(), orgWithCatalog()]);
  });

  it("another organization can neither see, cancel nor schedule-start an envelope, and nothing changes", async () => {
    const d = await createEnvelope(a, { declared_count: 1, scheduled_at: inHours(4).toISOString() });
    await uploadFile(a, d.id, ["9"]);
    await db.update(disbursements).set({ autoStart: true }).where(eq(disbursements.id, d.id));
    const before = await orgSnapshot(db, a.org.id);
    const foreign = callerFor(db, b.users.owner.id, b.org.id);
    const cancelError = await expectTRPCError(foreign.disbursements.cancel({ id: d.id }), "NOT_FOUND");
    expect(cancelError.message).toBe("The disbursement was not found.");
    await expectTRPCError(foreign.disbursements.get({ id: d.id }), "NOT_FOUND");
    await expect(cancelEnvelope(ctxOf(b), d.id)).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect(await startEnvelopeBySchedule(db, b.org.id, d.id, inHours(5))).toMatchObject({ started: false });
    // Another organization's cookie on A's user does not reach it either.
    const [p] = await paymentsOf(d.id);
    await expectTRPCError(foreign.payments.cancel({ id: p!.id }), "NOT_FOUND");
    expect(await orgSnapshot(db, a.org.id)).toEqual(before);
    const [row] = await db
      .select({ status: disbursements.status })
      .from(disbursements)
      .where(and(eq(disbursements.id, d.id), eq(disbursements.orgId, a.org.id)));
    expect(row?.status).toBe("READY");
  });
});
