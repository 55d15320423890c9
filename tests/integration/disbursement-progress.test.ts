/**
 * What the disbursement page polls while payments go out (`disbursements.progress`, docs/performance.md
 * "Pages"): the status and the maintained counters, equal to the detail's totals and to
 * `readDisbursementTotals` at every step while payments move; and the health check's shared
 * database probe.
 */
import http from "node:http";
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { createDb } from "@/db/client";
import { payments } from "@/db/schema";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { changeDisbursementStatus } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { sdpTotals } from "@/server/services/disbursements/disbursement-view";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { withHealthFastPath } from "@/server/http/web-server";
import { databaseLiveness, LIVENESS_TTL_MS } from "@/server/services/health/database-liveness";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import { checkPaymentTotals, readDisbursementTotals } from "@/server/payments/payment-totals";
import { callerFor, createOrgWithMembers, expectTRPCError, nextUkMobile, randomSuffix, testDb, type TestUser } from "./helpers";

const db = testDb();
let org: { org: { id: string }; users: Record<"owner" | "business" | "developer", TestUser> };
let ctx: OrgContext;
let catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;

beforeAll(async () => {
  org = await createOrgWithMembers(db, ["owner", "business", "developer"]);
  ctx = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  catalog = await seedDemoCatalog(db, org.org.id);
});

async function startedDisbursement(amounts: string[]) {
  const d = await createDisbursement(ctx, {
    name: `Progress ${randomSuffix()}`,
    wallet_id: catalog.wallet.id,
    asset_id: catalog.usdc.id,
    registration_contact_type: "PHONE_NUMBER",
    verification_field: "DATE_OF_BIRTH",
  });
  const csv = ["phone,id,amount,verification", ...amounts.map((a, i) => `${nextUkMobile()},prog-${randomSuffix()}-${i},${a},1990-01-01`)].join("\n");
  await importInstructions(ctx, { disbursementId: d.id, fileName: "progress.csv", content: Buffer.from(csv) });
  await changeDisbursementStatus(ctx, { id: d.id, status: "STARTED" });
  const ids = (await db.select({ id: payments.id }).from(payments).where(eq(payments.disbursementId, d.id)).orderBy(payments.lineNumber)).map((r) => r.id);
  return { id: d.id, paymentIds: ids };
}

describe("disbursements.progress", () => {
  it("returns the status and exact counters, equal to the maintained totals and the detail, while payments move", async () => {
    const { id, paymentIds } = await startedDisbursement(["10.50", "20.25", "0.0000001", "100"]);
    const [a, b, c] = paymentIds as [string, string, string, string];
    const business = callerFor(db, org.users.business.id, org.org.id);

    const expectAgreement = async (expected: Record<string, unknown>) => {
      const progress = await business.disbursements.progress({ id });
      const detail = await business.disbursements.get({ id });
      const maintained = sdpTotals((await readDisbursementTotals(db, org.org.id, [id])).get(id)!);
      expect(progress).toMatchObject(expected);
      expect(progress).toMatchObject(maintained);
      expect(progress).toMatchObject({
        status: detail.status,
        total_payments: detail.total_payments,
        total_payments_sent: detail.total_payments_sent,
        amount_disbursed: detail.amount_disbursed,
      });
      expect(await checkPaymentTotals(db, org.org.id)).toEqual([]);
    };

    await expectAgreement({
      status: "STARTED",
      total_payments: 4,
      total_payments_sent: 0,
      total_payments_remaining: 4,
      amount_disbursed: "0.0000000",
      total_amount: "130.7500001",
    });

    // What the engine does: claim (READY → PENDING), then settle, through the one status writer.
    await db.transaction((tx) => movePaymentStatus(tx, { orgId: org.org.id, ids: [a, b, c], from: ["READY"], to: "PENDING", message: "submitted" }));
    await expectAgreement({ total_payments_sent: 0, total_payments_remaining: 4 });
    await db.transaction((tx) => movePaymentStatus(tx, { orgId: org.org.id, ids: [a, c], from: ["PENDING"], to: "SUCCESS", message: "paid" }));
    await db.transaction((tx) => movePaymentStatus(tx, { orgId: org.org.id, ids: [b], from: ["PENDING"], to: "FAILED", message: "op_no_destination" }));
    await expectAgreement({ total_payments_sent: 2, total_payments_failed: 1, total_payments_remaining: 1, amount_disbursed: "10.5000001" });

    await changeDisbursementStatus(ctx, { id, status: "PAUSED" });
    await expectAgreement({ status: "PAUSED", total_payments_remaining: 1 });
  });

  it("answers FORBIDDEN without disbursements:read, NOT_FOUND for another organization's disbursement and an unknown id", async () => {
    const { id } = await startedDisbursement(["1"]);
    await expectTRPCError(callerFor(db, org.users.developer.id, org.org.id).disbursements.progress({ id }), "FORBIDDEN");
    const other = await createOrgWithMembers(db, ["owner"]);
    await expectTRPCError(callerFor(db, other.users.owner.id, other.org.id).disbursements.progress({ id }), "NOT_FOUND");
    await expectTRPCError(callerFor(db, org.users.owner.id, org.org.id).disbursements.progress({ id: "00000000-0000-4000-8000-000000000000" }), "NOT_FOUND");
  });
});

describe("health check database probe", () => {
  it("shares one probe within its interval, says how old it is, and probes again after it", async () => {
    const base = Date.now() + 60_000; // past any probe another test made
    let clock = base;
    const now = () => clock;
    const first = await databaseLiveness(db, now);
    expect(first).toMatchObject({ reachable: true, ageMs: 0 });
    clock = base + LIVENESS_TTL_MS - 1;
    const cached = await databaseLiveness(db, now);
    expect(cached.checkedAt).toBe(first.checkedAt);
    expect(cached.ageMs).toBeGreaterThan(0);
    clock = base + LIVENESS_TTL_MS + 10;
    const fresh = await databaseLiveness(db, now);
    expect(fresh.checkedAt).not.toBe(first.checkedAt);
  });

  it("reports an unreachable database as unreachable", async () => {
    // A port nothing listens on: the probe fails fast with ECONNREFUSED.
    const dead = createDb("postgres://nobody:nothing@127.0.0.1:1/none", { max: 1 });
    try {
      const answer = await databaseLiveness(dead.db, () => Date.now() + 3_600_000);
      expect(answer).toMatchObject({ reachable: false, latencyMs: null });
    } finally {
      await dead.sql.end({ timeout: 1 });
    }
    // The next probe of the real database after the interval is reachable again.
    expect((await databaseLiveness(db, () => Date.now() + 7_200_000)).reachable).toBe(true);
  });
});

describe("GET /api/health in the web server", () => {
  it("answers with the database probe and the API security headers before Next.js; other requests pass through", async () => {
    const server = http.createServer(
      withHealthFastPath(
        (_req, res) => {
          res.writeHead(418);
          res.end("next");
        },
        { dev: false, db: () => db },
      ),
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    try {
      const health = await fetch(`${base}/api/health?probe=1`, { headers: { "x-request-id": "req-1" } });
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: "ok", database: { reachable: true } });
      expect(health.headers.get("content-security-policy")).toBe("default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
      expect(health.headers.get("x-content-type-options")).toBe("nosniff");
      expect(health.headers.get("x-request-id")).toBe("req-1");
      expect(health.headers.get("cache-control")).toBe("no-store");
      const other = await fetch(`${base}/api/healthz`);
      expect(other.status).toBe(418);
      const post = await fetch(`${base}/api/health`, { method: "POST" });
      expect(post.status).toBe(418);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
