/**
 * The dispatcher's one claim serves any rail (docs/rails/dispatcher.md): a fake rail with a claim
 * step, registered in a test dispatcher under the BANK type (the schema knows two rail types), gets
 * its READY payments claimed per connection — file order, at most its `maxPayments` per claim, each
 * claim holding payments of one connection only — moved READY → PENDING with the references its
 * `prepare` named, handed to its `send` after the commit, and its finished disbursements completed
 * through the dispatcher. Payments routed to the organization's Stellar connection, or to a disabled
 * connection of the fake rail, are never handed to it; a payment its `prepare` refuses fails at once.
 */
import { and, eq, inArray } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { disbursements, paymentConnections, payments } from "@/db/schema";
import type { RailType } from "@/server/domain/rails";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import { silentDispatcherLog } from "@/server/rails/dispatcher/context";
import { startDispatcher } from "@/server/rails/dispatcher/run-dispatcher";
import type { ClaimablePayment, PaymentRail, RailClaimContext } from "@/server/rails/payment-rail";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { completeDisbursementIfDone } from "@/server/services/disbursements/complete-if-done";
import { waitFor } from "../support/wait";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";
import { insertStartedDisbursement } from "./routed-disbursement";

const db = testDb();

let orgId: string;
let catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;
let stellarConnectionId: string;
const fakeConnections: Record<"a" | "b" | "off", string> = { a: "", b: "", off: "" };

/** Amount the fake rail refuses in its prepare (as Stellar refuses contract addresses). */
const REFUSED = "13.0000000";

type FakeBatch = { connectionId: string; disbursementId: string; orgId: string; payments: ClaimablePayment[] };

/** A third rail: its claim step takes every payment it is handed, references them `FAKE-<id>`, and pays them in `send`. */
function fakeRail(sent: FakeBatch[]): PaymentRail {
  return {
    type: "BANK",
    capabilities: () => ({ maxBatchSize: 2, destinationKinds: ["MSISDN"], decimalsFor: () => 2, settlement: "SYNCHRONOUS", blocksFunds: false }),
    checkDestination: (destination) => ({ ok: true, destination }),
    checkHealth: async () => ({ healthy: true, message: "fake" }),
    checkFunds: async () => ({ available: "0", sufficient: true }),
    submit: async () => [],
    lookup: async () => [],
    describeFailure: (code) => code,
    claimStep(ctx: RailClaimContext) {
      return {
        maxPayments: 2,
        defaultConcurrency: 2,
        destinationKinds: ["MSISDN"],
        async prepare(_tx, { candidate, payments: locked }) {
          const refused = locked.filter((p) => p.amount === REFUSED);
          if (refused.length > 0) return { kind: "fail", payments: refused.map((p) => ({ id: p.id, message: "fake_refused: the fake rail refuses 13" })) };
          const batch: FakeBatch = { connectionId: candidate.connectionId, disbursementId: candidate.disbursementId, orgId: candidate.orgId, payments: locked };
          return { kind: "take", payments: locked.map((p) => ({ id: p.id, reference: `FAKE-${p.id}` })), message: "claimed by the fake rail", batch };
        },
        async send(batch) {
          const b = batch as FakeBatch;
          sent.push(b);
          // Settled through the writer; completion is the dispatcher's.
          await db.transaction((tx) => movePaymentStatus(tx, { orgId: b.orgId, from: ["PENDING"], to: "SUCCESS", message: null, ids: b.payments.map((p) => p.id) }));
          await ctx.completeFinished(b.orgId, [b.disbursementId]);
        },
      };
    },
  };
}

type Line = { connection: "stellar" | keyof typeof fakeConnections; amount: string; registered?: boolean };

/** A STARTED disbursement whose READY payments are routed line by line as given (as start leaves them). */
async function startedDisbursement(lines: Line[]) {
  return insertStartedDisbursement(
    db,
    { orgId, name: "Generic claim", walletId: catalog.wallet.id, assetId: catalog.xlm.id, registrationContactType: "PHONE_NUMBER" },
    lines.map((line, i) => ({
      amount: line.amount,
      connectionId: line.connection === "stellar" ? stellarConnectionId : fakeConnections[line.connection],
      walletId: catalog.wallet.id,
      walletStatus: line.registered === false ? "READY" : "REGISTERED",
      destinationKind: "MSISDN",
      destinationValue: `+2547${String(10_000_000 + i)}`,
    })),
  );
}

beforeAll(async () => {
  const org = await createOrgWithMembers(db, ["owner"]);
  orgId = org.org.id;
  catalog = await seedDemoCatalog(db, orgId);
  const [stellar] = await db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.orgId, orgId), eq(paymentConnections.railType, "STELLAR")));
  stellarConnectionId = stellar!.id;
  for (const key of ["a", "b", "off"] as const) {
    const [c] = await db
      .insert(paymentConnections)
      .values({ orgId, railType: "BANK", name: `Fake ${key} ${randomSuffix()}`, enabled: key !== "off" })
      .returning();
    fakeConnections[key] = c!.id;
  }
}, 120_000);

afterAll(async () => {
  // Out of other test files' way: nothing of this organization is left STARTED.
  await db
    .update(disbursements)
    .set({ status: "PAUSED" })
    .where(and(eq(disbursements.orgId, orgId), eq(disbursements.status, "STARTED")));
});

describe("the dispatcher's claim serves a third rail", () => {
  it("claims a rail's READY payments per connection, in file order, with its references; never another rail's, a disabled connection's or an unregistered wallet's", async () => {
    const mixed = await startedDisbursement([
      { connection: "a", amount: "1.0000000" },
      { connection: "stellar", amount: "2.0000000" },
      { connection: "b", amount: "3.0000000" },
      { connection: "a", amount: "4.0000000" },
      { connection: "off", amount: "5.0000000" },
      { connection: "a", amount: "6.0000000" },
      { connection: "b", amount: "7.0000000" },
      { connection: "a", amount: "8.0000000", registered: false },
      { connection: "b", amount: REFUSED },
    ]);
    const onlyFake = await startedDisbursement([
      { connection: "b", amount: "9.0000000" },
      { connection: "a", amount: "10.0000000" },
      { connection: "b", amount: "11.0000000" },
    ]);
    const sent: FakeBatch[] = [];
    const rail = fakeRail(sent);
    const dispatcher = startDispatcher(
      {
        db,
        log: silentDispatcherLog,
        workerId: `generic-${randomSuffix()}`,
        leaseMs: 60_000,
        retryMs: 500,
        pollMs: 500,
        batchSize: 100,
        orgIds: [orgId],
        railTypes: ["BANK"],
        railFor: (type: RailType) => {
          if (type !== "BANK") throw new Error(`this dispatcher pays only the fake rail, not ${type}`);
          return rail;
        },
        openConnection: () => Promise.reject(new Error("the fake rail opens no connection")),
        completeDisbursementIfDone,
      },
      { lanes: { concurrency: 3, idleMs: 10, idleMaxMs: 100 } },
    );
    const m = mixed.paymentIds;
    const o = onlyFake.paymentIds;
    try {
      await waitFor(async () => (await db.select().from(disbursements).where(eq(disbursements.id, onlyFake.disbursementId)))[0]!.status === "COMPLETED", {
        timeoutMs: 60_000,
        message: "the fake-only disbursement to complete",
      });
      const expectedPaid = [m[0], m[2], m[3], m[5], m[6], ...o].map(String);
      await waitFor(async () => sent.flatMap((b) => b.payments).length >= expectedPaid.length, { timeoutMs: 60_000, message: "the fake rail to be sent its payments" });
      // Idle a little longer: nothing else may be claimed.
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      await dispatcher.stop();
    }

    // Each claim: one connection's payments, at most two, in file order; every payment claimed once.
    const lineOf = new Map([...m, ...o].map((id, i) => [id, i]));
    for (const batch of sent) {
      expect(batch.payments.length).toBeGreaterThan(0);
      expect(batch.payments.length).toBeLessThanOrEqual(2);
      const rows = await db
        .select({ id: payments.id, connectionId: payments.connectionId })
        .from(payments)
        .where(
          inArray(
            payments.id,
            batch.payments.map((p) => p.id),
          ),
        );
      expect(rows.map((r) => r.connectionId)).toEqual(rows.map(() => batch.connectionId));
      const lines = batch.payments.map((p) => lineOf.get(p.id)!);
      expect(lines).toEqual([...lines].sort((x, y) => x - y));
      for (const p of batch.payments) expect(p.destination?.kind).toBe("MSISDN");
    }
    const claimed = sent.flatMap((b) => b.payments.map((p) => p.id));
    expect([...claimed].sort()).toEqual([m[0]!, m[2]!, m[3]!, m[5]!, m[6]!, ...o].sort());

    const rows = new Map(
      (
        await db
          .select()
          .from(payments)
          .where(inArray(payments.id, [...m, ...o]))
      ).map((p) => [p.id, p]),
    );
    for (const id of claimed) {
      const p = rows.get(id)!;
      expect(p.status).toBe("SUCCESS");
      expect(p.railReference).toBe(`FAKE-${id}`);
      expect(p.statusHistory.map((h) => h.status)).toEqual(["PENDING", "SUCCESS"]);
      expect(p.statusHistory.find((h) => h.status === "PENDING")?.status_message).toBe("claimed by the fake rail");
    }
    // The Stellar connection's payment, the disabled connection's and the unregistered wallet's: untouched.
    for (const id of [m[1]!, m[4]!, m[7]!]) {
      expect(rows.get(id)!.status).toBe("READY");
      expect(rows.get(id)!.railReference).toBeNull();
    }
    // Refused by the rail's prepare: failed at once with its reason, never sent.
    expect(rows.get(m[8]!)!.status).toBe("FAILED");
    expect(rows.get(m[8]!)!.statusMessage).toBe("fake_refused: the fake rail refuses 13");
    expect((await db.select().from(disbursements).where(eq(disbursements.id, mixed.disbursementId)))[0]!.status).toBe("STARTED");
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  }, 180_000);
});
