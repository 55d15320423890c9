/**
 * The one intake verb (server/services/intake/add-payments-to-disbursement.ts, docs/rails/intake.md):
 * the CSV import and G2P /disburse give the same answer to the same situation, both check the
 * permission, both route each payment as it is added, and a start writes no routing unless the
 * routing changed since intake.
 */
import { generateKeyPairSync } from "node:crypto";
import { Keypair } from "@stellar/stellar-sdk";
import { asc, count, eq, sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { disbursements, g2pSenders, paymentConnections, payments, receiverWallets, receivers, routingRules, wallets } from "@/db/schema";
import type { DisburseMessage } from "@/server/domain/g2p/messages";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { changeDisbursementStatus } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { demoBalanceProvider, setDistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { ServiceError } from "@/server/services/errors";
import { acceptDisburseRequest } from "@/server/services/g2p/accept-disburse-request";
import { G2pRejection, type G2pCall } from "@/server/services/g2p/g2p-call";
import { addPaymentsToDisbursement } from "@/server/services/intake/add-payments-to-disbursement";
import type { IntakeRow } from "@/server/services/intake/intake-row";
import { previewDisbursementRouting } from "@/server/services/routing/preview-disbursement-routing";
import { planDisbursementRouting } from "@/server/services/routing/route-disbursement-payments";
import { createOrgWithMembers, nextUkMobile, randomSuffix, testDb } from "./helpers";

const db = testDb();
afterEach(() => setDistributionBalanceProvider(demoBalanceProvider));

async function fixture() {
  const org = await createOrgWithMembers(db, ["owner"]);
  const catalog = await seedDemoCatalog(db, org.org.id);
  const { publicKey } = generateKeyPairSync("ed25519");
  const [sender] = await db
    .insert(g2pSenders)
    .values({
      orgId: org.org.id,
      senderId: `registry-${randomSuffix()}`,
      name: "Social registry",
      callbackUrl: "http://127.0.0.1:9/callbacks",
      publicKey: publicKey.export({ format: "pem", type: "spki" }).toString(),
      walletId: catalog.wallet.id,
      defaultAssetId: catalog.usdc.id,
    })
    .returning();
  const ctx: OrgContext = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  const [stellar] = await db.select().from(paymentConnections).where(eq(paymentConnections.orgId, org.org.id));
  const [defaultRule] = await db.select().from(routingRules).where(eq(routingRules.orgId, org.org.id));
  return { org, catalog, sender: sender!, ctx, stellar: stellar!, defaultRule: defaultRule! };
}
type Fx = Awaited<ReturnType<typeof fixture>>;

function call(fx: Fx, scopes: string[] = ["write:disbursements"]): G2pCall {
  return {
    ctx: { ...fx.ctx, scopes },
    sender: fx.sender,
    header: { message_id: randomSuffix(), message_ts: new Date().toISOString(), action: "disburse", sender_id: fx.sender.senderId, total_count: 1 },
    correlationId: randomSuffix(),
    now: new Date(),
  };
}

const accept = (fx: Fx, message: DisburseMessage, scopes?: string[]) => {
  const c = call(fx, scopes);
  return db.transaction((tx) => acceptDisburseRequest(tx, { ...c, ctx: { ...c.ctx, db: tx } }, message));
};

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => null,
    (e: unknown) => e,
  );
}

async function csvImport(fx: Fx, header: string, lines: string[]) {
  const d = await createDisbursement(fx.ctx, {
    name: `Intake ${randomSuffix()}`,
    wallet_id: fx.catalog.wallet.id,
    asset_id: fx.catalog.usdc.id,
    registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS",
  });
  const result = await failure(importInstructions(fx.ctx, { disbursementId: d.id, fileName: "intake.csv", content: Buffer.from([header, ...lines].join("\n")) }));
  return { id: d.id, error: result as ServiceError | null };
}

const routesOf = (disbursementId: string) =>
  db
    .select({ id: payments.id, line: payments.lineNumber, connectionId: payments.connectionId, ruleId: payments.routingRuleId, walletId: payments.receiverWalletId })
    .from(payments)
    .where(eq(payments.disbursementId, disbursementId))
    .orderBy(asc(payments.lineNumber));

async function orgCounts(orgId: string) {
  const n = async (table: typeof payments | typeof receivers | typeof receiverWallets | typeof disbursements) =>
    (await db.select({ n: count() }).from(table).where(eq(table.orgId, orgId)))[0]!.n;
  return { disbursements: await n(disbursements), payments: await n(payments), receivers: await n(receivers), wallets: await n(receiverWallets) };
}

describe("one intake rule set for CSV and G2P", () => {
  it("a receiver registered with another address: re-registered by both paths, refused by both while payments to it are in flight", async () => {
    const fx = await fixture();
    const [a, b] = [Keypair.random().publicKey(), Keypair.random().publicKey()];
    const phone = nextUkMobile();
    // The receiver is registered with address A through the sender's wallet provider (a CSV)…
    const first = await csvImport(fx, "phone,id,amount,walletAddress", [`${phone},r-1,5,${a}`]);
    expect(first.error).toBeNull();
    const [receiver] = await db.select().from(receivers).where(eq(receivers.phoneNumber, phone));
    const [own] = await db.select().from(receiverWallets).where(eq(receiverWallets.receiverId, receiver!.id));
    // …and holds address B through another wallet provider: a G2P payee `stellar:B` is this receiver.
    const [other] = await db
      .insert(wallets)
      .values({
        orgId: fx.org.org.id,
        name: `Other ${randomSuffix()}`,
        homepage: "https://other.example",
        deepLinkSchema: "other://",
        sep10ClientDomain: "other.example",
      })
      .returning();
    await db.insert(receiverWallets).values({
      orgId: fx.org.org.id,
      receiverId: receiver!.id,
      walletId: other!.id,
      status: "REGISTERED",
      destinationKind: "STELLAR_ADDRESS",
      destinationValue: b,
    });

    // A payment to address A is in flight: neither path may change the address.
    await db.execute(sql`update payments set status = 'READY' where disbursement_id = ${first.id}`);
    const before = await orgCounts(fx.org.org.id);
    const csv = await csvImport(fx, "phone,id,amount,walletAddress", [`${phone},r-1,7,${b}`]);
    expect(csv.error).toMatchObject({ code: "CONFLICT" });
    expect(csv.error?.extras?.["line 2 - walletAddress"]).toMatch(new RegExp(`registered with ${a} and has payments in flight`));
    const g2p = (await failure(
      accept(fx, { transaction_id: `T-${randomSuffix()}`, disbursements: [{ reference_id: "x-1", payee_fa: `stellar:${b}`, amount: "7.00" }] }),
    )) as G2pRejection;
    expect(g2p).toBeInstanceOf(G2pRejection);
    expect(g2p.code).toBe("rjct.payee_fa.invalid");
    expect(g2p.items[0]?.message).toBe(csv.error?.extras?.["line 2 - walletAddress"]);
    // The CSV made its (empty) disbursement before the file; G2P wrote nothing at all.
    expect(await orgCounts(fx.org.org.id)).toEqual({ ...before, disbursements: before.disbursements + 1 });

    // Nothing in flight: both take the new address on the receiver's wallet with that provider.
    await db.execute(sql`update payments set status = 'DRAFT' where disbursement_id = ${first.id}`);
    const accepted = await accept(fx, { transaction_id: `T-${randomSuffix()}`, disbursements: [{ reference_id: "x-2", payee_fa: `stellar:${b}`, amount: "7.00" }] });
    const [paid] = await routesOf(accepted.disbursementId);
    expect(paid?.walletId).toBe(own!.id);
    expect((await db.select().from(receiverWallets).where(eq(receiverWallets.id, own!.id)))[0]).toMatchObject({ destinationValue: b, status: "REGISTERED" });
    const again = await csvImport(fx, "phone,id,amount,walletAddress", [`${phone},r-1,8,${a}`]);
    expect(again.error).toBeNull();
    expect((await db.select().from(receiverWallets).where(eq(receiverWallets.id, own!.id)))[0]).toMatchObject({ destinationValue: a, status: "REGISTERED" });
  });

  it("an address another receiver holds is refused by both, naming it", async () => {
    const fx = await fixture();
    const address = Keypair.random().publicKey();
    expect((await csvImport(fx, "phone,id,amount,walletAddress", [`${nextUkMobile()},h-1,5,${address}`])).error).toBeNull();
    const csv = await csvImport(fx, "phone,id,amount,walletAddress", [`${nextUkMobile()},h-2,5,${address}`]);
    expect(csv.error?.extras).toEqual({ "line 2 - walletAddress": `wallet address ${address} belongs to another receiver` });
    // G2P finds a `stellar:` payee by the address itself: the holder is paid, not refused.
    const accepted = await accept(fx, {
      transaction_id: `T-${randomSuffix()}`,
      disbursements: [{ reference_id: "h-3", payee_fa: `stellar:${address}`, amount: "1.00" }],
    });
    const [holder] = await db.select({ receiverId: receiverWallets.receiverId }).from(receiverWallets).where(eq(receiverWallets.destinationValue, address));
    const [p] = await db.select().from(payments).where(eq(payments.disbursementId, accepted.disbursementId));
    expect(p?.receiverId).toBe(holder!.receiverId);
  });

  it("G2P intake checks the permission of the key's actor: a key without write:disbursements is refused and nothing is written", async () => {
    const fx = await fixture();
    const before = await orgCounts(fx.org.org.id);
    const error = await failure(
      accept(
        fx,
        { transaction_id: `T-${randomSuffix()}`, disbursements: [{ reference_id: "p-1", payee_fa: `stellar:${Keypair.random().publicKey()}`, amount: "1.00" }] },
        ["read:disbursements"],
      ),
    );
    expect(error).toBeInstanceOf(ServiceError);
    expect(error).toMatchObject({ code: "FORBIDDEN", reason: "FORBIDDEN_SCOPE" });
    expect(await orgCounts(fx.org.org.id)).toEqual(before);
  });

  it("G2P payments get increasing version 7 ids, like the CSV import's", async () => {
    const fx = await fixture();
    const items = Array.from({ length: 5 }, (_, i) => ({ reference_id: `v-${i}`, payee_fa: `stellar:${Keypair.random().publicKey()}`, amount: "1.00" }));
    const accepted = await accept(fx, { transaction_id: `T-${randomSuffix()}`, disbursements: items });
    const ids = (await routesOf(accepted.disbursementId)).map((r) => r.id);
    expect(ids.every((id) => id[14] === "7")).toBe(true);
    expect([...ids].sort()).toEqual(ids);
  });
});

describe("routing at intake", () => {
  async function withNorthRule(fx: Fx, fallback: string | null = null) {
    const [north] = await db.insert(paymentConnections).values({ orgId: fx.org.org.id, railType: "STELLAR", name: "North account" }).returning();
    await db.execute(sql`update routing_rules set position = position + 1 where org_id = ${fx.org.org.id}`);
    const [rule] = await db
      .insert(routingRules)
      .values({
        orgId: fx.org.org.id,
        position: 1,
        name: "North",
        conditions: { attribute: { name: "region", values: ["north"] } },
        connectionId: north!.id,
        fallbackConnectionId: fallback,
      })
      .returning();
    return { connection: north!.id, rule: rule!.id };
  }

  it("CSV and G2P write each payment's connection and rule with the payment; a start then writes no routing", async () => {
    const fx = await fixture();
    const north = await withNorthRule(fx);
    const csv = await csvImport(fx, "phone,id,amount,walletAddress,region", [
      `${nextUkMobile()},n-1,5,${Keypair.random().publicKey()},North`,
      `${nextUkMobile()},n-2,6,${Keypair.random().publicKey()},south`,
    ]);
    expect(csv.error).toBeNull();
    const g2p = await accept(fx, {
      transaction_id: `T-${randomSuffix()}`,
      disbursements: [
        { reference_id: "g-1", payee_fa: `stellar:${Keypair.random().publicKey()}`, amount: "5.00", meta: { region: "north" } },
        { reference_id: "g-2", payee_fa: `stellar:${Keypair.random().publicKey()}`, amount: "6.00" },
      ],
    });
    const expected = [
      { connectionId: north.connection, ruleId: north.rule },
      { connectionId: fx.stellar.id, ruleId: fx.defaultRule.id },
    ];
    for (const id of [csv.id, g2p.disbursementId]) {
      expect((await routesOf(id)).map(({ connectionId, ruleId }) => ({ connectionId, ruleId }))).toEqual(expected);
      // The start's re-check finds every payment routed as the rules say: nothing to write.
      const [d] = await db.select().from(disbursements).where(eq(disbursements.id, id));
      const plan = await db.transaction((tx) => planDisbursementRouting(tx, fx.ctx, d!));
      expect({ moveSet: plan.moveSet, needsUpdate: plan.needsUpdate, routed: plan.routed }).toEqual({ moveSet: undefined, needsUpdate: false, routed: 2 });
    }
    setDistributionBalanceProvider({ availableStroops: async () => 10n ** 18n });
    await changeDisbursementStatus(fx.ctx, { id: csv.id, status: "STARTED" });
    expect((await routesOf(csv.id)).map(({ connectionId, ruleId }) => ({ connectionId, ruleId }))).toEqual(expected);
  });

  it("a connection disabled after intake: the preview shows the fallback and the start re-routes to it; without any usable rule the start is refused naming the line", async () => {
    const fx = await fixture();
    const north = await withNorthRule(fx, null);
    await db.update(routingRules).set({ fallbackConnectionId: fx.stellar.id }).where(eq(routingRules.id, north.rule));
    const csv = await csvImport(fx, "phone,id,amount,walletAddress,region", [
      `${nextUkMobile()},f-1,5,${Keypair.random().publicKey()},south`,
      `${nextUkMobile()},f-2,6,${Keypair.random().publicKey()},north`,
    ]);
    expect((await routesOf(csv.id))[1]).toMatchObject({ connectionId: north.connection, ruleId: north.rule });
    await db.update(paymentConnections).set({ enabled: false }).where(eq(paymentConnections.id, north.connection));

    const preview = await previewDisbursementRouting(fx.ctx, { disbursement_id: csv.id });
    expect(preview.connections.map((c) => [c.name, c.payments])).toEqual([[fx.stellar.name, 2]]);
    setDistributionBalanceProvider({ availableStroops: async () => 10n ** 18n });
    await changeDisbursementStatus(fx.ctx, { id: csv.id, status: "STARTED" });
    expect((await routesOf(csv.id)).map(({ connectionId, ruleId }) => ({ connectionId, ruleId }))).toEqual([
      { connectionId: fx.stellar.id, ruleId: fx.defaultRule.id },
      { connectionId: fx.stellar.id, ruleId: north.rule },
    ]);

    // No fallback and no other rule: the payment routed to the disabled connection at intake is unrouted now.
    await db.update(paymentConnections).set({ enabled: true }).where(eq(paymentConnections.id, north.connection));
    await db.update(routingRules).set({ fallbackConnectionId: null }).where(eq(routingRules.id, north.rule));
    await db.update(routingRules).set({ enabled: false }).where(eq(routingRules.id, fx.defaultRule.id));
    const second = await csvImport(fx, "phone,id,amount,walletAddress,region", [`${nextUkMobile()},f-3,5,${Keypair.random().publicKey()},north`]);
    expect((await routesOf(second.id))[0]).toMatchObject({ connectionId: north.connection });
    await db.update(paymentConnections).set({ enabled: false }).where(eq(paymentConnections.id, north.connection));
    const refused = await failure(changeDisbursementStatus(fx.ctx, { id: second.id, status: "STARTED" }));
    expect(refused).toMatchObject({ code: "CONFLICT", reason: "UNROUTED_PAYMENTS" });
    expect((refused as ServiceError).message).toMatch(/line 2 \(receiver f-3\)/);
  });
});

describe("staged in pieces (docs/performance/import.md)", () => {
  it("writes an intake in several pieces: a payee new in the first piece and paid again in a later one is one receiver; every row once, in line order, routed", async () => {
    const fx = await fixture();
    const d = await createDisbursement(fx.ctx, {
      name: `Pieces ${randomSuffix()}`,
      wallet_id: fx.catalog.wallet.id,
      asset_id: fx.catalog.usdc.id,
      registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS",
    });
    const phones = [nextUkMobile(), nextUkMobile(), nextUkMobile(), nextUkMobile()];
    const addresses = phones.map(() => Keypair.random().publicKey());
    const row = (line: number, payee: number): IntakeRow => ({
      line,
      match: "contact",
      externalId: `piece-${payee}`,
      phone: phones[payee]!,
      email: null,
      verification: null,
      destination: { kind: "STELLAR_ADDRESS", value: addresses[payee]! },
      amount: `${line}.0000000`,
      paymentRef: `ref-${line}`,
      region: null,
    });
    // Pieces of two rows: [2, 3], [4, 5], [6]; payee 0 is new on line 2 and paid again on line 5.
    const rows = [row(2, 0), row(3, 1), row(4, 2), row(5, 0), row(6, 3)];
    const result = await db.transaction(async (tx) => {
      const [locked] = await tx.select().from(disbursements).where(eq(disbursements.id, d.id)).for("update");
      return addPaymentsToDisbursement(tx, { ...fx.ctx, db: tx }, locked!, rows, {
        replace: false,
        renameMatched: true,
        returnPaymentIds: true,
        audit: { action: "disbursement.instructions_uploaded", details: {} },
        stagePieceRows: 2,
      });
    });
    if (!result.ok) throw new Error(JSON.stringify(result.problems));
    expect(result).toMatchObject({ newReceivers: 4, newWallets: 4, unrouted: 0 });
    const written = await db.select().from(payments).where(eq(payments.disbursementId, d.id)).orderBy(asc(payments.lineNumber));
    expect(written.map((p) => [p.lineNumber, p.amount, p.externalPaymentId, p.connectionId])).toEqual(rows.map((r) => [r.line, r.amount, r.paymentRef, fx.stellar.id]));
    expect(written.map((p) => p.id)).toEqual(result.paymentIds);
    expect([...result.paymentIds].sort()).toEqual(result.paymentIds);
    expect(written[3]?.receiverId).toBe(written[0]?.receiverId);
    expect(written[3]?.receiverWalletId).toBe(written[0]?.receiverWalletId);
    expect(new Set(written.map((p) => p.receiverId)).size).toBe(4);
    const wallets = await db.select().from(receiverWallets).where(eq(receiverWallets.orgId, fx.org.org.id));
    expect(wallets.map((w) => w.destinationValue).sort()).toEqual([...addresses].sort());
    const [stored] = await db.select({ n: count() }).from(receivers).where(eq(receivers.orgId, fx.org.org.id));
    expect(stored?.n).toBe(4);
  });
});
