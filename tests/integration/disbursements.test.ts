import { eq, sql } from "drizzle-orm";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { disbursements, organizations, payments } from "@/db/schema";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { callerFor, createOrgWithMembers, expectTRPCError, randomSuffix, testDb, type TestOrg } from "./helpers";

const db = testDb();

type Fixture = TestOrg & { catalog: Awaited<ReturnType<typeof seedDemoCatalog>> };

async function orgWithCatalog(): Promise<Fixture> {
  const org = await createOrgWithMembers(db);
  return { ...org, catalog: await seedDemoCatalog(db, org.org.id) };
}

const ctxOf = (fx: Fixture, role: keyof Fixture["users"]): OrgContext => ({
  db,
  actor: { userId: fx.users[role].id },
  org: { id: fx.org.id },
  role,
});

/** A phone CSV with the given amounts; phones are unique per call. */
function phoneCsv(amounts: string[]) {
  const base = Math.floor(Math.random() * 80) + 10;
  const lines = amounts.map((a, i) => `+4479${base}${String(100000 + i).slice(-6)},ext-${i},${a},1990-01-0${(i % 9) + 1}`);
  return Buffer.from(["phone,id,amount,verification", ...lines].join("\n"));
}

async function readyDisbursement(fx: Fixture, amounts: string[], author: keyof Fixture["users"] = "initiator") {
  const caller = callerFor(db, fx.users[author].id, fx.org.id);
  const d = await caller.disbursements.create({
    name: `Grant ${randomSuffix()}`,
    wallet_id: fx.catalog.wallet.id,
    asset_id: fx.catalog.usdc.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  const ready = await importInstructions(ctxOf(fx, author), { disbursementId: d.id, fileName: "grant.csv", content: phoneCsv(amounts) });
  expect(ready.status).toBe("READY");
  return ready;
}

afterEach(() => setDistributionBalanceProvider(demoBalanceProvider));

describe("create", () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await orgWithCatalog();
  });

  it("creates a DRAFT with its author in status_history, in SDP's shape", async () => {
    const caller = callerFor(db, fx.users.initiator.id, fx.org.id);
    const d = await caller.disbursements.create({
      name: `Cash aid ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.usdc.id,
      registration_contact_type: "EMAIL",
      verification_field: "PIN",
      receiver_registration_message_template: "Hi from {{.OrganizationName}}",
    });
    expect(d).toMatchObject({
      status: "DRAFT",
      registration_contact_type: "EMAIL",
      verification_field: "PIN",
      wallet: { id: fx.catalog.wallet.id, name: "Demo Wallet" },
      asset: { id: fx.catalog.usdc.id, code: "USDC" },
      total_payments: 0,
      total_amount: "0.0000000",
    });
    expect(d.status_history).toEqual([{ user_id: fx.users.initiator.id, status: "DRAFT", timestamp: expect.any(String) }]);
  });

  it("refuses a duplicate name with CONFLICT", async () => {
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    const input = {
      name: `Dup ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.xlm.id,
      registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS" as const,
    };
    await caller.disbursements.create(input);
    const error = await expectTRPCError(caller.disbursements.create(input), "CONFLICT");
    expect(error.message).toBe("disbursement already exists");
  });

  it("refuses a verification field with *_AND_WALLET_ADDRESS, a missing one otherwise, and HTML templates", async () => {
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    const base = { wallet_id: fx.catalog.wallet.id, asset_id: fx.catalog.xlm.id };
    await expectTRPCError(
      caller.disbursements.create({ ...base, name: randomSuffix(), registration_contact_type: "EMAIL_AND_WALLET_ADDRESS", verification_field: "PIN" }),
      "BAD_REQUEST",
    );
    await expectTRPCError(caller.disbursements.create({ ...base, name: randomSuffix(), registration_contact_type: "EMAIL" }), "BAD_REQUEST");
    const html = await expectTRPCError(
      caller.disbursements.create({
        ...base,
        name: randomSuffix(),
        registration_contact_type: "EMAIL",
        verification_field: "PIN",
        receiver_registration_message_template: "<script>alert(1)</script>",
      }),
      "BAD_REQUEST",
    );
    expect(JSON.stringify(html.cause)).toMatch(/HTML tags and scripts are not allowed/);
  });

  it("refuses a disabled wallet, an asset the wallet does not support, and another organization's wallet", async () => {
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    const other = await orgWithCatalog();
    const extra = await caller.catalog.createAsset({ code: "EURT", issuer: "GBBD47IF6LWK7P7MDEVSCWR7DPUWV3NY3DTQEVFL4NAT4AQH3ZLLFLA5" });
    const base = { registration_contact_type: "EMAIL" as const, verification_field: "PIN" as const };
    const unsupported = await expectTRPCError(
      caller.disbursements.create({ ...base, name: randomSuffix(), wallet_id: fx.catalog.wallet.id, asset_id: extra.id }),
      "BAD_REQUEST",
    );
    expect(unsupported.message).toBe("Asset not supported by the wallet");
    const foreign = await expectTRPCError(
      caller.disbursements.create({ ...base, name: randomSuffix(), wallet_id: other.catalog.wallet.id, asset_id: fx.catalog.xlm.id }),
      "BAD_REQUEST",
    );
    expect(foreign.message).toBe("Invalid wallet provided");
    const wallet = await caller.catalog.createWallet({
      name: `Off ${randomSuffix()}`,
      homepage: "https://off.example",
      deep_link_schema: "https://off.example/sdp",
      sep_10_client_domain: "off.example",
      asset_ids: [fx.catalog.xlm.id],
      enabled: false,
    });
    const disabled = await expectTRPCError(
      caller.disbursements.create({ ...base, name: randomSuffix(), wallet_id: wallet.id, asset_id: fx.catalog.xlm.id }),
      "BAD_REQUEST",
    );
    expect(disabled.message).toBe("Wallet is not enabled");
  });
});

describe("status machine", () => {
  it("starts, pauses and resumes, moving payments and recording who did it", async () => {
    const fx = await orgWithCatalog();
    const d = await readyDisbursement(fx, ["10", "20.5"]);
    const approver = callerFor(db, fx.users.approver.id, fx.org.id);

    const started = await approver.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    expect(started.status).toBe("STARTED");
    expect(started.status_history.map((h) => [h.status, h.user_id])).toEqual([
      ["DRAFT", fx.users.initiator.id],
      ["READY", fx.users.initiator.id],
      ["STARTED", fx.users.approver.id],
    ]);
    const statuses = async () => (await db.select({ s: payments.status }).from(payments).where(eq(payments.disbursementId, d.id))).map((r) => r.s);
    expect(await statuses()).toEqual(["READY", "READY"]);

    const paused = await approver.disbursements.changeStatus({ id: d.id, status: "PAUSED" });
    expect(paused.status).toBe("PAUSED");
    expect(await statuses()).toEqual(["PAUSED", "PAUSED"]);

    await approver.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    expect(await statuses()).toEqual(["READY", "READY"]);
    const [payment] = await db.select().from(payments).where(eq(payments.disbursementId, d.id)).limit(1);
    expect(payment!.statusHistory.map((h) => h.status)).toEqual(["DRAFT", "READY", "PAUSED", "READY"]);
  });

  it("answers BAD_REQUEST naming the allowed transitions, and changes nothing", async () => {
    const fx = await orgWithCatalog();
    const owner = callerFor(db, fx.users.owner.id, fx.org.id);
    const draft = await owner.disbursements.create({
      name: randomSuffix(),
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.xlm.id,
      registration_contact_type: "EMAIL",
      verification_field: "PIN",
    });
    const error = await expectTRPCError(owner.disbursements.changeStatus({ id: draft.id, status: "STARTED" }), "BAD_REQUEST");
    expect(error.message).toBe("A disbursement cannot go from DRAFT to STARTED. Allowed from DRAFT: READY, CANCELED.");
    expect(error.cause).toMatchObject({ reason: "INVALID_TRANSITION" });
    const paused = await expectTRPCError(owner.disbursements.changeStatus({ id: draft.id, status: "PAUSED" }), "BAD_REQUEST");
    expect(paused.message).toMatch(/Allowed from DRAFT: READY/);
    const [row] = await db.select().from(disbursements).where(eq(disbursements.id, draft.id));
    expect(row!.status).toBe("DRAFT");
    expect(row!.statusHistory).toHaveLength(1);
  });

  it("enforces the two-person rule when approval is required", async () => {
    const fx = await orgWithCatalog();
    await db.update(organizations).set({ approvalRequired: true }).where(eq(organizations.id, fx.org.id));
    const d = await readyDisbursement(fx, ["5"], "owner");
    const owner = callerFor(db, fx.users.owner.id, fx.org.id);
    const view = await owner.disbursements.get({ id: d.id });
    expect(view.actions.allowed).not.toContain("start");
    expect(view.actions.startBlockedReason).toMatch(/Approval is required/);
    const error = await expectTRPCError(owner.disbursements.changeStatus({ id: d.id, status: "STARTED" }), "FORBIDDEN");
    expect(error.message).toMatch(/Approval is required/);
    expect(error.cause).toMatchObject({ reason: "APPROVAL_REQUIRED" });
    const controller = callerFor(db, fx.users.financial_controller.id, fx.org.id);
    expect((await controller.disbursements.changeStatus({ id: d.id, status: "STARTED" })).status).toBe("STARTED");
  });

  it("refuses to start when the balance does not cover this and every other payment in flight, naming the shortfall", async () => {
    const fx = await orgWithCatalog();
    const owner = callerFor(db, fx.users.owner.id, fx.org.id);
    const first = await readyDisbursement(fx, ["0.1", "0.2"]);
    const second = await readyDisbursement(fx, ["0.3"]);
    setDistributionBalanceProvider({ availableStroops: async () => 5_000_000n }); // 0.5
    await owner.disbursements.changeStatus({ id: first.id, status: "STARTED" }); // needs 0.3 ≤ 0.5
    const error = await expectTRPCError(owner.disbursements.changeStatus({ id: second.id, status: "STARTED" }), "CONFLICT");
    // 0.3 of its own + 0.3 in flight from the first = 0.6 > 0.5.
    expect(error.message).toBe("Insufficient balance: the distribution account is short of 0.1000000 USDC");
    expect(JSON.stringify(error.cause)).toContain('"shortfall":"0.1000000"');
    expect(error.cause).toMatchObject({ reason: "INSUFFICIENT_BALANCE" });
    expect((await owner.disbursements.get({ id: second.id })).status).toBe("READY");
  });

  it("deletes only DRAFT and READY disbursements, with their payments", async () => {
    const fx = await orgWithCatalog();
    const owner = callerFor(db, fx.users.owner.id, fx.org.id);
    const ready = await readyDisbursement(fx, ["1"]);
    const started = await readyDisbursement(fx, ["1"]);
    await owner.disbursements.changeStatus({ id: started.id, status: "STARTED" });
    await owner.disbursements.delete({ id: ready.id });
    await expectTRPCError(owner.disbursements.get({ id: ready.id }), "NOT_FOUND");
    const [left] = await db
      .select({ n: sql<number>`count(*)::int` })
      .from(payments)
      .where(eq(payments.disbursementId, ready.id));
    expect(left!.n).toBe(0);
    const error = await expectTRPCError(owner.disbursements.delete({ id: started.id }), "BAD_REQUEST");
    expect(error.message).toMatch(/Only DRAFT or READY/);
    expect(error.cause).toMatchObject({ reason: "INVALID_STATE" });
  });
});

describe("payments and totals", () => {
  it("computes exact totals in SQL", async () => {
    const fx = await orgWithCatalog();
    const d = await readyDisbursement(fx, ["0.1", "0.2", "1000000.0000001"]);
    expect(d).toMatchObject({
      total_payments: 3,
      total_payments_sent: 0,
      total_payments_failed: 0,
      total_payments_remaining: 3,
      amount_disbursed: "0.0000000",
      total_amount: "1000000.3000001",
      average_amount: "333333.4333334",
    });
  });

  it("cancels only READY payments, and completes the disbursement when nothing is left to pay", async () => {
    const fx = await orgWithCatalog();
    const owner = callerFor(db, fx.users.owner.id, fx.org.id);
    const d = await readyDisbursement(fx, ["1", "2"]);
    const list = await owner.payments.list({ disbursement_id: d.id });
    const [a, b] = list.data;
    await expectTRPCError(owner.payments.cancel({ id: a!.id }), "BAD_REQUEST"); // still DRAFT
    await owner.disbursements.changeStatus({ id: d.id, status: "STARTED" });
    expect((await owner.payments.cancel({ id: a!.id })).status).toBe("CANCELED");
    await db.update(payments).set({ status: "SUCCESS" }).where(eq(payments.id, b!.id));
    expect((await owner.disbursements.get({ id: d.id })).status).toBe("STARTED");
    await expectTRPCError(owner.payments.cancel({ id: a!.id }), "BAD_REQUEST");
    // Cancel on the last open payment path: reset one to READY and cancel it.
    await db.update(payments).set({ status: "READY" }).where(eq(payments.id, a!.id));
    await owner.payments.cancel({ id: a!.id });
    const done = await owner.disbursements.get({ id: d.id });
    expect(done.status).toBe("COMPLETED");
    expect(done.status_history.at(-1)).toMatchObject({ status: "COMPLETED", user_id: null });
    await expectTRPCError(callerFor(db, fx.users.business.id, fx.org.id).payments.cancel({ id: b!.id }), "FORBIDDEN");
  });

  it("retries FAILED payments only, all or nothing", async () => {
    const fx = await orgWithCatalog();
    const business = callerFor(db, fx.users.business.id, fx.org.id);
    const d = await readyDisbursement(fx, ["1", "2"]);
    const [a, b] = (await business.payments.list({ disbursement_id: d.id })).data;
    await db.update(payments).set({ status: "FAILED", statusMessage: "op_no_trust" }).where(eq(payments.id, a!.id));
    const error = await expectTRPCError(business.payments.retry({ payment_ids: [a!.id, b!.id] }), "BAD_REQUEST");
    expect(error.message).toBe("Only FAILED payments can be retried.");
    expect((await business.payments.get({ id: a!.id })).status).toBe("FAILED");
    const retried = await business.payments.retry({ payment_ids: [a!.id] });
    expect(retried.payments.map((p) => p.status)).toEqual(["READY"]);
    expect(retried.payments[0]!.status_history.at(-1)).toMatchObject({ status: "READY", status_message: "retried by a user" });
  });

  it("lists payments and receivers of the organization only", async () => {
    const fx = await orgWithCatalog();
    const other = await orgWithCatalog();
    const d = await readyDisbursement(fx, ["3", "4"]);
    await readyDisbursement(other, ["5"]);
    const caller = callerFor(db, fx.users.owner.id, fx.org.id);
    const list = await caller.payments.list({ page_limit: 100 });
    expect(list.pagination.total).toBe(2);
    expect(list.data.every((p) => p.disbursement.id === d.id)).toBe(true);
    const receivers = await caller.receivers.list({});
    expect(receivers.pagination.total).toBe(2);
    const receiver = await caller.receivers.get({ id: receivers.data[0]!.id });
    expect(receiver.verifications).toEqual([expect.objectContaining({ verification_field: "DATE_OF_BIRTH", confirmed: false })]);
    expect(JSON.stringify(receiver)).not.toMatch(/1990-01/);
    const page = await caller.disbursements.receivers({ id: d.id, page: 1, page_limit: 1 });
    expect(page.pagination).toMatchObject({ total: 2, pages: 2, next: 2, prev: null });
    expect(page.data[0]!.payment.amount).toBe("3.0000000");
  });
});
