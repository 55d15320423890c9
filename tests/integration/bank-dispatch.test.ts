/**
 * The dispatcher (server/rails/dispatcher, docs/rails.md "Dispatcher") paying bank-account payments
 * through the bank rail to the project's example bank over real HTTP, on a real database: batches
 * stored before anything is sent, funds checked and blocked, shipment acknowledged, a refused
 * payment failed with the bank's code, short funds retried, and a worker that died during the
 * shipment → the batch is looked up at the bank and nothing is paid twice.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleBank, type ExampleBankHandle } from "@/example-bank";
import { assets, paymentConnections, payments, railBatches } from "@/db/schema";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import { claimRailBatch } from "@/server/rails/dispatcher/claim-rail-batch";
import { silentDispatcherLog, type DispatcherContext } from "@/server/rails/dispatcher/context";
import { advanceRailBatch, batchPayments, leaseNextBatch } from "@/server/rails/dispatcher/ship-rail-batch";
import { railFor } from "@/server/rails/registry";
import { sealCredentials } from "@/server/services/connections/credentials-box";
import { loadRailConnection } from "@/server/services/connections/rail-connection";
import { completeDisbursementIfDone } from "@/server/services/disbursements/complete-if-done";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";
import { insertStartedDisbursement } from "./routed-disbursement";

const db = testDb();
const FUNDING = "1000000001";
const KEY = "dispatch-test-key";
let bank: ExampleBankHandle;
let dataDir: string;
let orgId: string;
let assetId: string;
let connectionId: string;
let previousAllow: string | undefined;
let bankClockOffset = 0;

function dispatcher(overrides: Partial<DispatcherContext> = {}): DispatcherContext {
  return {
    db,
    log: silentDispatcherLog,
    workerId: `test-${randomSuffix()}`,
    leaseMs: 60_000,
    retryMs: 60_000,
    pollMs: 60_000,
    batchSize: 3,
    // Other test files' disbursements share this database: this dispatcher pays only this test's organization.
    orgIds: [orgId],
    railTypes: ["BANK"],
    railFor,
    openConnection: async (org, id) => {
      const connection = await loadRailConnection(db, org, id);
      if (!connection) throw new Error(`connection ${id} not found`);
      return connection;
    },
    completeDisbursementIfDone,
    ...overrides,
  };
}

/** A STARTED bank-account disbursement with READY payments routed to the bank connection. */
async function startedBankDisbursement(accounts: { account: string; amount: string }[]) {
  return insertStartedDisbursement(
    db,
    { orgId, name: "Bank", assetId, registrationContactType: "BANK_ACCOUNT" },
    accounts.map((a, i) => ({
      amount: a.amount,
      connectionId,
      destinationKind: "BANK_ACCOUNT",
      destinationValue: a.account,
      destinationDetails: { bankCode: "EXAMPLE_BANK", holderName: `Payee ${i + 1}` },
    })),
  );
}

async function paymentRows(ids: string[]) {
  const rows = await db
    .select()
    .from(payments)
    .where(sql`${payments.id} = any(${`{${ids.join(",")}}`}::uuid[])`);
  return new Map(rows.map((r) => [r.id, r]));
}

async function bankStatus(references: string[]) {
  const answer = await fetch(`${bank.url}/payment_status`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-api-key": KEY },
    body: JSON.stringify({ payment_reference_numbers: references }),
  }).then((r) => r.json() as Promise<{ payments: { payment_reference_number: string; status: string }[] }>);
  return answer.payments;
}

async function runOnce(ctx: DispatcherContext) {
  const batch = await leaseNextBatch(ctx);
  if (batch) await advanceRailBatch(ctx, batch);
  return batch;
}

beforeAll(async () => {
  previousAllow = process.env.OUTBOUND_ALLOW_HOSTS;
  // The example bank listens on loopback, which the guarded client refuses unless allowed.
  process.env.OUTBOUND_ALLOW_HOSTS = "127.0.0.1";
  dataDir = mkdtempSync(path.join(os.tmpdir(), "bank-dispatch-"));
  bank = await startExampleBank({
    dataDir,
    apiKey: KEY,
    paymentDelayMs: 3_600_000,
    tickMs: 3_600_000,
    // The bank's clock: a test moves it past the payment delay, then lets the bank pay what is due.
    now: () => Date.now() + bankClockOffset,
    accounts: [{ account_number: FUNDING, account_holder_name: "Programme account", currency: "KES", balance: "1000.00" }],
    rejectAccounts: ["999000111:AC04"],
  });
  const org = await createOrgWithMembers(db, ["owner"]);
  orgId = org.org.id;
  const [asset] = await db.insert(assets).values({ orgId, kind: "FIAT", code: "KES", decimals: 2 }).returning();
  assetId = asset!.id;
  const [connection] = await db
    .insert(paymentConnections)
    .values({
      orgId,
      railType: "BANK",
      name: `Example Bank ${randomSuffix()}`,
      settings: { baseUrl: bank.url, debtorAccountNumber: FUNDING, debtorBankCode: "EXAMPLE_BANK", debtorName: "Programme account", shipmentMode: "API" },
      credentialsSealed: sealCredentials({ apiKey: KEY }),
      currencyMapping: [{ assetId, railCurrency: "KES" }],
    })
    .returning();
  connectionId = connection!.id;
});

afterAll(async () => {
  await bank?.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (previousAllow === undefined) delete process.env.OUTBOUND_ALLOW_HOSTS;
  else process.env.OUTBOUND_ALLOW_HOSTS = previousAllow;
});

describe("dispatcher over the bank rail", () => {
  it("stores the batch and each payment's reference before sending, then blocks funds and ships the batch to the bank", async () => {
    const { disbursementId, paymentIds } = await startedBankDisbursement([
      { account: "123000001", amount: "10.50" },
      { account: "999000111", amount: "5.00" },
      { account: "123000003", amount: "7.25" },
    ]);
    const ctx = dispatcher();
    const batchId = await claimRailBatch(ctx);
    expect(batchId).toBeTruthy();
    // Claimed: stored, PENDING, nothing at the bank yet.
    const [claimed] = await db.select().from(railBatches).where(eq(railBatches.id, batchId!));
    expect(claimed).toMatchObject({ status: "CLAIMED", paymentCount: 3, amount: "22.7500000", currency: "KES", disbursementId });
    let rows = await paymentRows(paymentIds);
    for (const id of paymentIds) {
      expect(rows.get(id)).toMatchObject({ status: "PENDING", railBatchId: batchId, railReference: id.replace(/-/g, "") });
    }
    expect((await bankStatus(paymentIds.map((id) => id.replace(/-/g, "")))).every((p) => p.status === "NOT_FOUND")).toBe(true);

    await runOnce(ctx);
    const [shipped] = await db.select().from(railBatches).where(eq(railBatches.id, batchId!));
    expect(shipped!.status).toBe("SHIPPED");
    expect(shipped!.fundsBlockReference).toBeTruthy();
    expect(shipped!.fundsAttempts).toBe(1);
    rows = await paymentRows(paymentIds);
    // The bank only acknowledges; it pays (or refuses an account) later, and says so in its statements.
    for (const id of paymentIds) {
      expect(rows.get(id)!.status).toBe("PENDING");
      expect(rows.get(id)!.railDetails).toMatchObject({ shipment: "SHIPPED" });
    }
    expect((await bankStatus(paymentIds.map((id) => id.replace(/-/g, "")))).map((p) => p.status)).toEqual(["PENDING", "PENDING", "PENDING"]);
    // The shipment is paid from the block made before it: the bank holds the batch's amount once, not twice.
    const funds = await fetch(`${bank.url}/check_funds`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify({ account_number: FUNDING, account_currency: "KES", total_funds_needed: "0" }),
    }).then((r) => r.json() as Promise<{ available_balance: string }>);
    expect(funds.available_balance).toBe("977.25");
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  });

  it("keeps a batch waiting for funds with the bank's answer and the attempts, and ships it once funds arrive", async () => {
    const { paymentIds } = await startedBankDisbursement([{ account: "123000010", amount: "5000.00" }]);
    const ctx = dispatcher({ retryMs: 0 });
    const batchId = await claimRailBatch(ctx);
    await runOnce(ctx);
    let [batch] = await db.select().from(railBatches).where(eq(railBatches.id, batchId!));
    expect(batch!.status).toBe("FUNDS_NOT_AVAILABLE");
    expect(batch!.fundsAttempts).toBe(1);
    expect(batch!.fundsMessage).toBeTruthy();
    expect((await paymentRows(paymentIds)).get(paymentIds[0]!)!.status).toBe("PENDING");

    const deposit = await fetch(`${bank.url}/accounts/${FUNDING}/deposit`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": KEY },
      body: JSON.stringify({ amount: "10000.00" }),
    });
    expect(deposit.ok).toBe(true);
    await runOnce(ctx);
    [batch] = await db.select().from(railBatches).where(eq(railBatches.id, batchId!));
    expect(batch!.status).toBe("SHIPPED");
    expect(batch!.fundsAttempts).toBe(2);
  });

  it("looks up a shipped batch's pending payments and fails the one the bank refused, with its code; payouts wait for the statement", async () => {
    const { paymentIds } = await startedBankDisbursement([
      { account: "123000041", amount: "4.00" },
      { account: "999000111", amount: "5.00" },
    ]);
    const ctx = dispatcher({ pollMs: 0 });
    const batchId = await claimRailBatch(ctx);
    await runOnce(ctx);
    expect((await db.select().from(railBatches).where(eq(railBatches.id, batchId!)))[0]!.status).toBe("SHIPPED");
    bankClockOffset += 2 * 3_600_000;
    bank.processDuePayments();
    // Other shipped batches of this organization may be polled first: poll until this one has been.
    for (let i = 0; i < 10; i++) {
      const rows = await paymentRows(paymentIds);
      if (rows.get(paymentIds[1]!)!.status === "FAILED") break;
      await runOnce(ctx);
    }
    const rows = await paymentRows(paymentIds);
    expect(rows.get(paymentIds[1]!)).toMatchObject({ status: "FAILED", failureCode: "AC04" });
    expect(rows.get(paymentIds[1]!)!.statusMessage).toMatch(/^AC04: /);
    // Paid at the bank, but only a statement books it here.
    expect(rows.get(paymentIds[0]!)!.status).toBe("PENDING");
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  });

  it("after a worker died during the shipment, asks the bank and sends only what it never received: nothing is paid twice", async () => {
    // Earlier tests' shipped batches are not polled during this one.
    await db
      .update(railBatches)
      .set({ nextAttemptAt: new Date("9999-12-31T00:00:00Z") })
      .where(and(eq(railBatches.orgId, orgId), eq(railBatches.status, "SHIPPED")));
    const { paymentIds } = await startedBankDisbursement([
      { account: "123000021", amount: "1.00" },
      { account: "123000022", amount: "2.00" },
      { account: "123000023", amount: "3.00" },
    ]);
    const ctx = dispatcher();
    const batchId = await claimRailBatch(ctx);
    const batch = await leaseNextBatch(ctx);
    expect(batch!.id).toBe(batchId);
    // The dying worker: funds blocked, SHIPPING stored, two of three payments reached the bank, then SIGKILL.
    const connection = (await loadRailConnection(db, orgId, connectionId))!;
    const rail = railFor("BANK");
    const block = await rail.blockFunds!(connection, "KES", "6.00", batch!.reference);
    await db
      .update(railBatches)
      .set({ status: "SHIPPING", fundsBlockReference: block.reference ?? null, leaseUntil: new Date(Date.now() - 1) })
      .where(eq(railBatches.id, batchId!));
    const all = await batchPayments(db, batch!, connection);
    await rail.submit(connection, { reference: batch!.reference, fundsBlockReference: block.reference ?? null, payments: all.slice(0, 2) });
    expect((await bankStatus(all.map((p) => p.reference))).map((p) => p.status)).toEqual(["PENDING", "PENDING", "NOT_FOUND"]);

    // Another worker takes the batch over after the lease. Its rail is the real one, watched: what does it send?
    const resent: string[] = [];
    const watched = {
      ...rail,
      submit: (c: typeof connection, b: Parameters<typeof rail.submit>[1]) => (resent.push(...b.payments.map((p) => p.reference)), rail.submit(c, b)),
    };
    const other = dispatcher({ railFor: () => watched });
    const recovered = await runOnce(other);
    expect(recovered!.id).toBe(batchId);
    const [after] = await db.select().from(railBatches).where(eq(railBatches.id, batchId!));
    expect(after!.status).toBe("SHIPPED");
    // Each reference at the bank once; only the one it never received was sent again.
    const states = await bankStatus(all.map((p) => p.reference));
    expect(states.map((p) => p.status)).toEqual(["PENDING", "PENDING", "PENDING"]);
    expect(resent).toEqual([all[2]!.reference]);
    for (const row of (await paymentRows(paymentIds)).values()) expect(row.status).toBe("PENDING");
  });
});
