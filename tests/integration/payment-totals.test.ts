/**
 * The maintained payment totals (db/schema/payment-totals.ts) against a recomputation from the
 * payment rows after every kind of change — import, start, pause, resume, cancel, failure, retry,
 * envelope cancel, delete and raw SQL — and the payment-status writer's transition check.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { disbursementPaymentTotals, payments } from "@/db/schema";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { changeDisbursementStatus } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { deleteDisbursement } from "@/server/services/disbursements/delete-disbursement";
import { getDisbursement } from "@/server/services/disbursements/get-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { cancelPayment } from "@/server/services/payments/cancel-payment";
import { retryPayments } from "@/server/services/payments/retry-payments";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import { checkPaymentTotals, readDisbursementTotals, readOrganizationTotals } from "@/server/payments/payment-totals";
import { createOrgWithMembers, nextUkMobile, randomSuffix, testDb } from "./helpers";

const db = testDb();
let ctx: OrgContext;
let orgId: string;
let catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;

beforeAll(async () => {
  const org = await createOrgWithMembers(db, ["owner"]);
  orgId = org.org.id;
  ctx = { db, actor: { userId: org.users.owner.id }, org: { id: orgId }, role: "owner" };
  catalog = await seedDemoCatalog(db, orgId);
});

async function imported(amounts: string[]) {
  const d = await createDisbursement(ctx, {
    name: `Totals ${randomSuffix()}`,
    wallet_id: catalog.wallet.id,
    asset_id: catalog.usdc.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  const csv = ["phone,id,amount,verification", ...amounts.map((a, i) => `${nextUkMobile()},tot-${randomSuffix()}-${i},${a},1990-01-01`)].join("\n");
  await importInstructions(ctx, { disbursementId: d.id, fileName: "totals.csv", content: Buffer.from(csv) });
  return d.id;
}

async function expectConsistent() {
  expect(await checkPaymentTotals(db, orgId)).toEqual([]);
}

const paymentIds = async (disbursementId: string) =>
  (await db.select({ id: payments.id }).from(payments).where(eq(payments.disbursementId, disbursementId)).orderBy(payments.lineNumber)).map((r) => r.id);

describe("maintained payment totals", () => {
  it("equal a recomputation after import, start, pause, resume, cancel, failure and retry", async () => {
    const id = await imported(["10.50", "20.25", "0.0000001", "100", "5"]);
    await expectConsistent();
    let t = (await readDisbursementTotals(db, orgId, [id])).get(id)!;
    expect(t.DRAFT).toEqual({ count: 5, amount: "135.7500001" });

    await changeDisbursementStatus(ctx, { id, status: "STARTED" });
    await expectConsistent();
    t = (await readDisbursementTotals(db, orgId, [id])).get(id)!;
    expect(t.DRAFT.count).toBe(0);
    expect(t.READY).toEqual({ count: 5, amount: "135.7500001" });

    await changeDisbursementStatus(ctx, { id, status: "PAUSED" });
    await expectConsistent();
    expect((await readDisbursementTotals(db, orgId, [id])).get(id)!.PAUSED.count).toBe(5);
    await changeDisbursementStatus(ctx, { id, status: "STARTED" });
    await expectConsistent();

    const [first, second, third] = await paymentIds(id);
    await cancelPayment(ctx, first!);
    await expectConsistent();
    // What the engine does on a failed operation, through the same writer.
    await db.transaction((tx) => movePaymentStatus(tx, { orgId, ids: [second!, third!], from: ["READY"], to: "FAILED", message: "op_no_destination" }));
    await expectConsistent();
    t = (await readDisbursementTotals(db, orgId, [id])).get(id)!;
    expect(t.CANCELED).toEqual({ count: 1, amount: "10.5000000" });
    expect(t.FAILED).toEqual({ count: 2, amount: "20.2500001" });
    expect(t.READY).toEqual({ count: 2, amount: "105.0000000" });

    await retryPayments(ctx, { payment_ids: [second!] });
    await expectConsistent();

    // The SDP view reads the same totals.
    const view = await getDisbursement(ctx, id);
    expect(view).toMatchObject({
      total_payments: 5,
      total_payments_failed: 1,
      total_payments_canceled: 1,
      total_payments_remaining: 3,
      total_amount: "135.7500001",
      amount_disbursed: "0.0000000",
      average_amount: "27.1500000",
    });
  });

  it("follow deletes and raw SQL writes too (they are kept by triggers, not by callers)", async () => {
    const draft = await imported(["1", "2"]);
    const kept = await imported(["3"]);
    await db.execute(sql`update payments set amount = amount + 1 where disbursement_id = ${kept}`);
    await expectConsistent();
    expect((await readDisbursementTotals(db, orgId, [kept])).get(kept)!.DRAFT.amount).toBe("4.0000000");
    await deleteDisbursement(ctx, draft);
    await expectConsistent();
    expect(await db.select().from(disbursementPaymentTotals).where(eq(disbursementPaymentTotals.disbursementId, draft))).toEqual([]);
    // A deliberate corruption is found, with what differs.
    await db.execute(sql`update disbursement_payment_totals set payment_count = payment_count + 1 where disbursement_id = ${kept} and status = 'DRAFT'`);
    const found = await checkPaymentTotals(db, orgId);
    expect(found).toEqual([{ disbursementId: kept, status: "DRAFT", stored: { count: 2, amount: "4.0000000" }, actual: { count: 1, amount: "4.0000000" } }]);
    await db.execute(sql`update disbursement_payment_totals set payment_count = payment_count - 1 where disbursement_id = ${kept} and status = 'DRAFT'`);
    await expectConsistent();
  });

  it("sum per asset for the organization", async () => {
    const byAsset = await readOrganizationTotals(db, orgId);
    const usdc = byAsset.get(catalog.usdc.id)!;
    const [actual] = await db.execute<{ n: string; amount: string }>(
      sql`select count(*)::text as n, coalesce(sum(amount), 0)::numeric(38,7)::text as amount from payments where org_id = ${orgId} and asset_id = ${catalog.usdc.id}`,
    );
    const stored = Object.values(usdc).reduce((n, s) => n + s.count, 0);
    expect(stored).toBe(Number(actual!.n));
  });

  it("the writer refuses a move the payment transition table does not allow, and moves nothing", async () => {
    const id = await imported(["7"]);
    const [p] = await paymentIds(id);
    await expect(db.transaction((tx) => movePaymentStatus(tx, { orgId, ids: [p!], from: ["DRAFT"], to: "SUCCESS", message: null }))).rejects.toThrow(/DRAFT → SUCCESS/);
    const [row] = await db.select({ status: payments.status, history: payments.statusHistory }).from(payments).where(eq(payments.id, p!));
    expect(row!.status).toBe("DRAFT");
    // Moves by another organization touch nothing.
    const other = await createOrgWithMembers(db, ["owner"]);
    const moved = await db.transaction((tx) => movePaymentStatus(tx, { orgId: other.org.id, ids: [p!], from: ["DRAFT"], to: "READY", message: null }));
    expect(moved).toEqual([]);
    await expectConsistent();
  });

  it("`npm run cli -- check-totals` reports consistency, and each difference with exit code 1", async () => {
    const run = () =>
      spawnSync(process.execPath, [path.join("node_modules", "tsx", "dist", "cli.mjs"), "scripts/cli.ts", "check-totals", "--org", orgId], {
        env: { ...process.env, DATABASE_URL: inject("databaseUrl") },
        encoding: "utf8",
      });
    const ok = run();
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/Payment totals are consistent/);
    const id = await imported(["2"]);
    await db.execute(sql`update disbursement_payment_totals set amount = amount + 1 where disbursement_id = ${id} and status = 'DRAFT'`);
    try {
      const bad = run();
      expect(bad.status).toBe(1);
      expect(bad.stdout).toContain(`disbursement ${id} DRAFT: stored 1 / 3.0000000, payments 1 / 2.0000000`);
      expect(bad.stderr).toMatch(/1 payment total\(s\) differ/);
    } finally {
      await db.execute(sql`update disbursement_payment_totals set amount = amount - 1 where disbursement_id = ${id} and status = 'DRAFT'`);
    }
  });
});
