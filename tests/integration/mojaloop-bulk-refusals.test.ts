import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { assets, disbursements, mojaloopBulks, mojaloopTransfers, paymentConnections, payments, railBatches } from "@/db/schema";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import { applyMojaloopCallback } from "@/server/rails/mojaloop/apply-callback";
import { describeFspiopError } from "@/server/rails/mojaloop/fspiop-errors";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";
import { insertStartedDisbursement } from "./routed-disbursement";

/**
 * A switch that refuses a whole bulk (`PUT /bulkQuotes/{id}/error`, `PUT /bulkTransfers/{id}/error`;
 * docs/rails/mojaloop.md "The rail"): no money moved, so every open payment of the bulk fails with the
 * FSPIOP code in words (retryable: the disbursement stays STARTED) and the bulk is FAILED; a transient error on a bulk quote quotes again under a
 * new id instead. The rows are written as the rail leaves them before the callback (the toolkit's rule
 * files cannot refuse a whole bulk), and the callback goes through the rail's own entry point.
 */

const db = testDb();
let orgId: string;
let assetId: string;
let connectionId: string;

beforeAll(async () => {
  const org = await createOrgWithMembers(db, ["owner"]);
  orgId = org.org.id;
  const [asset] = await db.insert(assets).values({ orgId, kind: "FIAT", code: "KES", decimals: 2 }).returning();
  assetId = asset!.id;
  const [connection] = await db
    .insert(paymentConnections)
    .values({
      orgId,
      railType: "MOJALOOP",
      name: `Switch ${randomSuffix()}`,
      settings: { baseUrl: "https://switch.example.org", fspId: "g2p-payer", callbackAllowlist: ["192.0.2.10"], requestTimeoutSeconds: 15, callbackTimeoutSeconds: 60 },
      currencyMapping: [{ assetId, railCurrency: "KES" }],
    })
    .returning();
  connectionId = connection!.id;
});

/** Three PENDING payments in one batch and one bulk in `state`, as the rail stores them before sending. */
async function bulkIn(state: "QUOTING" | "TRANSFERRING") {
  const phones = ["+254711500001", "+254711500002", "+254711500003"];
  const { disbursementId, paymentIds } = await insertStartedDisbursement(
    db,
    { orgId, name: "Bulk refusal", assetId, registrationContactType: "DIRECT_PHONE" },
    phones.map((phone, i) => ({ amount: `${10 + i}.00`, connectionId, destinationKind: "MSISDN", destinationValue: phone })),
  );
  const [batch] = await db
    .insert(railBatches)
    .values({
      orgId,
      disbursementId,
      connectionId,
      railType: "MOJALOOP",
      reference: `B${randomSuffix()}`,
      paymentCount: 3,
      amount: "33",
      currency: "KES",
      status: "QUOTING",
    })
    .returning();
  const transferIds = paymentIds.map(() => randomUUID());
  await db.transaction(async (tx) => {
    for (const [i, id] of paymentIds.entries()) {
      await movePaymentStatus(tx, {
        orgId,
        from: ["READY"],
        to: "PENDING",
        message: "claimed for the Mojaloop switch",
        ids: [id],
        set: { railReference: transferIds[i]!, railBatchId: batch!.id },
      });
    }
  });
  const [bulk] = await db
    .insert(mojaloopBulks)
    .values({
      orgId,
      connectionId,
      railBatchId: batch!.id,
      payeeFsp: "payeefsp",
      state,
      bulkQuoteId: randomUUID(),
      bulkTransferId: state === "TRANSFERRING" ? randomUUID() : null,
      requestedAt: new Date(),
    })
    .returning();
  await db.insert(mojaloopTransfers).values(
    paymentIds.map((paymentId, i) => ({
      paymentId,
      orgId,
      connectionId,
      bulkId: bulk!.id,
      transferId: transferIds[i]!,
      quoteId: randomUUID(),
      transactionId: randomUUID(),
      partyIdType: "MSISDN",
      partyIdentifier: phones[i]!.slice(1),
      payeeFsp: "payeefsp",
      amount: `${10 + i}`,
      currency: "KES",
      state,
      ...(state === "TRANSFERRING" ? { ilpPacket: "AQ", condition: "xUZb2y2KhVv1_Ro-efI7dBHFLyWywx6BZDQIH1eBkeg" } : {}),
    })),
  );
  return { disbursementId, paymentIds, bulk: bulk! };
}

const errorEvent = (resource: "bulkQuotes" | "bulkTransfers", id: string, code: string) => ({
  kind: "ERROR" as const,
  resource,
  id,
  error: { code, description: "refused", words: describeFspiopError(code, "refused") },
  source: "payeefsp",
  destination: "g2p-payer",
});

async function state(disbursementId: string, paymentIds: string[], bulkId: string) {
  const rows = await db.select().from(payments).where(inArray(payments.id, paymentIds));
  const [bulk] = await db.select().from(mojaloopBulks).where(eq(mojaloopBulks.id, bulkId));
  const transfers = await db.select().from(mojaloopTransfers).where(eq(mojaloopTransfers.bulkId, bulkId));
  const [d] = await db.select({ status: disbursements.status }).from(disbursements).where(eq(disbursements.id, disbursementId));
  return {
    payments: rows.map((p) => [p.status, p.failureCode]),
    bulk: bulk!,
    transfers: transfers.map((t) => [t.state, t.errorCode]),
    disbursement: d!.status,
  };
}

describe("a switch refusing a whole bulk", () => {
  it("a refused bulk quote fails every payment of the bulk with the code in words, and the bulk", async () => {
    const { disbursementId, paymentIds, bulk } = await bulkIn("QUOTING");
    const outcome = await applyMojaloopCallback(db, { orgId, connectionId }, errorEvent("bulkQuotes", bulk.bulkQuoteId, "5100"), silent);
    expect(outcome.applied).toBe(true);
    const after = await state(disbursementId, paymentIds, bulk.id);
    expect(after.payments).toEqual(paymentIds.map(() => ["FAILED", "5100"]));
    expect(after.transfers).toEqual(paymentIds.map(() => ["FAILED", "5100"]));
    expect([after.bulk.state, after.bulk.errorCode, after.disbursement]).toEqual(["FAILED", "5100", "STARTED"]);
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  });

  it("a refused bulk transfer fails its payments: none of its transfers happened", async () => {
    const { disbursementId, paymentIds, bulk } = await bulkIn("TRANSFERRING");
    const outcome = await applyMojaloopCallback(db, { orgId, connectionId }, errorEvent("bulkTransfers", bulk.bulkTransferId!, "4001"), silent);
    expect(outcome.applied).toBe(true);
    const after = await state(disbursementId, paymentIds, bulk.id);
    expect(after.payments).toEqual(paymentIds.map(() => ["FAILED", "4001"]));
    expect(after.transfers).toEqual(paymentIds.map(() => ["FAILED", "4001"]));
    expect([after.bulk.state, after.disbursement]).toEqual(["FAILED", "STARTED"]);
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  });

  it("a transient error on a bulk quote quotes again under a new id; nothing fails", async () => {
    const { disbursementId, paymentIds, bulk } = await bulkIn("QUOTING");
    const quoteIds = (await db.select({ q: mojaloopTransfers.quoteId }).from(mojaloopTransfers).where(eq(mojaloopTransfers.bulkId, bulk.id))).map((r) => r.q);
    const outcome = await applyMojaloopCallback(db, { orgId, connectionId }, errorEvent("bulkQuotes", bulk.bulkQuoteId, "2001"), silent);
    expect(outcome.applied).toBe(true);
    const after = await state(disbursementId, paymentIds, bulk.id);
    expect(after.payments).toEqual(paymentIds.map(() => ["PENDING", null]));
    expect(after.bulk.state).toBe("QUOTING");
    expect(after.bulk.bulkQuoteId).not.toBe(bulk.bulkQuoteId);
    const newQuoteIds = (await db.select({ q: mojaloopTransfers.quoteId }).from(mojaloopTransfers).where(eq(mojaloopTransfers.bulkId, bulk.id))).map((r) => r.q);
    expect(newQuoteIds.some((q) => quoteIds.includes(q))).toBe(false);
    expect(after.disbursement).toBe("STARTED");
  });

  it("an error for a bulk the platform never sent is ignored", async () => {
    const outcome = await applyMojaloopCallback(db, { orgId, connectionId }, errorEvent("bulkTransfers", randomUUID(), "4001"), silent);
    expect(outcome.applied).toBe(false);
    expect(outcome.reason).toMatch(/unknown bulk transfer/);
  });
});

const silent = { info: () => {}, warn: () => {}, error: () => {} };
