/**
 * One dispatcher, two rails (docs/rails.md "Dispatcher"): a disbursement routed half to the
 * organization's Stellar connection and half to the example bank is paid through the one dispatcher
 * (server/rails/dispatcher/run-dispatcher.ts) — the Stellar half on the real local ledger, the bank
 * half shipped to the example bank over real HTTP and settled by its MT940 statement — each payment
 * settled once, the totals equal to the rows, the disbursement COMPLETED. And the Stellar claim takes
 * payments by their connection: never one routed to a bank, whatever its wallet holds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Keypair } from "@stellar/stellar-sdk";
import { and, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startExampleBank, type ExampleBankHandle } from "@/example-bank";
import { disbursements, paymentConnections, payments, stellarTransactionPayments } from "@/db/schema";
import { toStroops } from "@/server/domain/money";
import type { RailType } from "@/server/domain/rails";
import { checkPaymentTotals } from "@/server/payments/payment-totals";
import { silentDispatcherLog, type DispatcherContext } from "@/server/rails/dispatcher/context";
import { startDispatcher } from "@/server/rails/dispatcher/run-dispatcher";
import { railFor } from "@/server/rails/registry";
import { claimPaymentBatch } from "@/server/rails/stellar/engine/claim-payment-batch";
import type { EngineContext } from "@/server/rails/stellar/engine/context";
import { completeFinishedDisbursements } from "@/server/rails/dispatcher/complete-disbursements";
import { submitPaymentTransaction } from "@/server/rails/stellar/engine/submit-payment-batch";
import { createStellarRail } from "@/server/rails/stellar/stellar-rail";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { sealCredentials } from "@/server/services/connections/credentials-box";
import { loadRailConnection } from "@/server/services/connections/rail-connection";
import type { OrgContext } from "@/server/services/context";
import { importBankFile } from "@/server/services/bank-files/import-bank-file";
import { completeDisbursementIfDone } from "@/server/services/disbursements/complete-if-done";
import { setupOrganizationAccounts } from "@/server/stellar/accounts";
import { friendbot, loadAccountState } from "@/server/stellar/horizon";
import { startLocalLedger, type LocalLedgerHandle } from "@/server/stellar/local-ledger";
import { stellarConfig, type StellarConfig } from "@/server/stellar/network";
import { sleep, waitFor } from "../support/wait";
import { createOrgWithMembers, randomSuffix, testDb } from "./helpers";
import { insertStartedDisbursement } from "./routed-disbursement";

const db = testDb();
const KEY = "two-rails-test-key";
const FUNDING = "5000000001";

let ledger: LocalLedgerHandle;
let ledgerDir: string;
let bankDir: string;
let bank: ExampleBankHandle;
let config: StellarConfig;
let orgId: string;
let ctx: OrgContext;
let catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;
let stellarConnectionId: string;
let bankConnectionId: string;
let previousAllow: string | undefined;

/** Native XLM balance of an account on the ledger, in stroops. */
async function xlmBalance(address: string): Promise<bigint> {
  const state = await loadAccountState(config.horizonUrl, address);
  const line = state?.balances.find((b) => b.asset_type === "native");
  return line ? toStroops(line.balance) : -1n;
}

type Line = { kind: "stellar"; address: string; amount: string; connectionId: string | null } | { kind: "bank"; account: string; amount: string; connectionId: string };

/** A STARTED XLM disbursement whose READY payments are routed line by line as given (rows written directly, as start would leave them). */
async function startedDisbursement(lines: Line[]) {
  return insertStartedDisbursement(
    db,
    { orgId, name: "Two rails", walletId: catalog.wallet.id, assetId: catalog.xlm.id, registrationContactType: "PHONE_NUMBER_AND_WALLET_ADDRESS" },
    lines.map((line, i) =>
      line.kind === "stellar"
        ? { amount: line.amount, connectionId: line.connectionId, walletId: catalog.wallet.id, destinationKind: "STELLAR_ADDRESS", destinationValue: line.address }
        : {
            amount: line.amount,
            connectionId: line.connectionId,
            destinationKind: "BANK_ACCOUNT",
            destinationValue: line.account,
            destinationDetails: { bankCode: "EXAMPLE_BANK", holderName: `Payee ${i + 1}` },
          },
    ),
  );
}

function dispatcherContext(): DispatcherContext {
  const stellar = createStellarRail({ config: () => config });
  return {
    db,
    log: silentDispatcherLog,
    workerId: `two-rails-${randomSuffix()}`,
    leaseMs: 60_000,
    retryMs: 500,
    pollMs: 500,
    batchSize: 3,
    // Other test files' disbursements share this database: this dispatcher pays only this test's organization.
    orgIds: [orgId],
    railTypes: ["STELLAR", "BANK"],
    // The real rails; the Stellar one on this test's ledger.
    railFor: (type: RailType) => (type === "STELLAR" ? stellar : railFor(type)),
    openConnection: async (org, id) => {
      const connection = await loadRailConnection(db, org, id);
      if (!connection) throw new Error(`connection ${id} not found`);
      return connection;
    },
    completeDisbursementIfDone,
  };
}

beforeAll(async () => {
  previousAllow = process.env.OUTBOUND_ALLOW_HOSTS;
  // The example bank listens on loopback, which the guarded client refuses unless allowed.
  process.env.OUTBOUND_ALLOW_HOSTS = "127.0.0.1";
  ledgerDir = mkdtempSync(path.join(os.tmpdir(), "two-rails-ledger-"));
  ledger = await startLocalLedger({ dataDir: ledgerDir, closeIntervalMs: 200, maxOpsPerLedger: 0 });
  config = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: ledger.url, CHANNEL_ACCOUNTS: "2" });
  bankDir = mkdtempSync(path.join(os.tmpdir(), "two-rails-bank-"));
  bank = await startExampleBank({
    dataDir: bankDir,
    apiKey: KEY,
    paymentDelayMs: 200,
    tickMs: 100,
    accounts: [{ account_number: FUNDING, account_holder_name: "Programme account", currency: "KES", balance: "1000.00" }],
  });
  const org = await createOrgWithMembers(db, ["owner"]);
  orgId = org.org.id;
  ctx = { db, actor: { userId: org.users.owner.id }, org: { id: orgId }, role: "owner" };
  catalog = await seedDemoCatalog(db, orgId);
  await setupOrganizationAccounts(db, orgId, config);
  // Every organization has its Stellar connection from creation (createOrganization, migration 0010).
  const [stellarConnection] = await db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.orgId, orgId), eq(paymentConnections.railType, "STELLAR")));
  stellarConnectionId = stellarConnection!.id;
  const [bankConnection] = await db
    .insert(paymentConnections)
    .values({
      orgId,
      railType: "BANK",
      name: `Example Bank ${randomSuffix()}`,
      settings: { baseUrl: bank.url, debtorAccountNumber: FUNDING, debtorBankCode: "EXAMPLE_BANK", debtorName: "Programme account", shipmentMode: "API" },
      credentialsSealed: sealCredentials({ apiKey: KEY }),
      currencyMapping: [{ assetId: catalog.xlm.id, railCurrency: "KES" }],
    })
    .returning();
  bankConnectionId = bankConnection!.id;
}, 300_000);

afterAll(async () => {
  await bank?.close();
  await ledger?.close();
  for (const dir of [ledgerDir, bankDir]) if (dir) rmSync(dir, { recursive: true, force: true });
  if (previousAllow === undefined) delete process.env.OUTBOUND_ALLOW_HOSTS;
  else process.env.OUTBOUND_ALLOW_HOSTS = previousAllow;
});

describe("the Stellar claim takes payments by their connection", () => {
  it("never claims a payment routed to a bank connection, even when its wallet holds a Stellar address, nor one routed nowhere", async () => {
    const [routed, toBank, legacy] = [Keypair.random(), Keypair.random(), Keypair.random()].map((k) => k.publicKey());
    await Promise.all([routed!, legacy!].map((a) => friendbot(config.horizonUrl, a)));
    const { disbursementId, paymentIds } = await startedDisbursement([
      { kind: "stellar", address: toBank!, amount: "2.5", connectionId: bankConnectionId },
      { kind: "stellar", address: routed!, amount: "1.25", connectionId: stellarConnectionId },
      // Routed nowhere: claimed by no rail (the claim is per connection; migration 0011 gave every
      // payment started before routing its organization's Stellar connection, start routes the rest).
      { kind: "stellar", address: legacy!, amount: "3", connectionId: null },
    ]);
    const engine: EngineContext = {
      db,
      config,
      log: { info() {}, warn() {}, error() {}, debug() {} },
      maxOpsPerTx: 100,
      leaseMs: 5_000,
      orgIds: [orgId],
      completeFinished: (org, ids) => completeFinishedDisbursements({ db, orgIds: [orgId], completeDisbursementIfDone }, org, ids),
    };
    const claimed: string[] = [];
    for (let round = 0; round < 20; round++) {
      const claim = await claimPaymentBatch(engine);
      if (claim.kind === "idle") break;
      if (claim.kind === "busy") {
        await sleep(50);
        continue;
      }
      claimed.push(...claim.transaction.paymentIds);
      await submitPaymentTransaction(engine, claim.transaction);
    }
    expect(claimed).toEqual([paymentIds[1]!]);
    const rows = new Map((await db.select().from(payments).where(eq(payments.disbursementId, disbursementId))).map((p) => [p.id, p]));
    expect(rows.get(paymentIds[0]!)!.status).toBe("READY");
    expect(rows.get(paymentIds[1]!)!.status).toBe("SUCCESS");
    expect(rows.get(paymentIds[2]!)!.status).toBe("READY");
    // The Stellar rail's reference is the transaction's hash.
    expect(rows.get(paymentIds[1]!)!.railReference).toBe(rows.get(paymentIds[1]!)!.stellarTransactionHash);
    const touched = await db.select().from(stellarTransactionPayments).where(eq(stellarTransactionPayments.paymentId, paymentIds[0]!));
    expect(touched).toEqual([]);
    expect(await xlmBalance(toBank!)).toBe(-1n); // never paid on the ledger
    // Out of the way of the dispatcher below: the bank must not be sent a Stellar address.
    await db.update(disbursements).set({ status: "PAUSED" }).where(eq(disbursements.id, disbursementId));
  }, 180_000);
});

describe("one dispatcher for every rail", () => {
  it("pays a disbursement routed half to Stellar and half to the bank: each payment settled once, totals equal, COMPLETED", async () => {
    const stellarKeys = Array.from({ length: 5 }, () => Keypair.random().publicKey());
    await Promise.all(stellarKeys.map((a) => friendbot(config.horizonUrl, a)));
    const before = await Promise.all(stellarKeys.map(xlmBalance));
    // Interleaved lines: each claim walks past the other rail's READY payments.
    const lines: Line[] = [];
    for (let i = 0; i < 5; i++) {
      lines.push({ kind: "stellar", address: stellarKeys[i]!, amount: `${i + 1}.25`, connectionId: stellarConnectionId });
      lines.push({ kind: "bank", account: `12300010${i}`, amount: `${i + 2}.50`, connectionId: bankConnectionId });
    }
    const { disbursementId, paymentIds } = await startedDisbursement(lines);
    const stellarIds = paymentIds.filter((_, i) => lines[i]!.kind === "stellar");
    const bankIds = paymentIds.filter((_, i) => lines[i]!.kind === "bank");

    const dispatcher = startDispatcher(dispatcherContext(), {
      idleMs: 20,
      idleMaxMs: 200,
      lanes: { concurrency: 2, maxBatchSize: 2, idleMs: 20, idleMaxMs: 200, leaseMs: 5_000 },
    });
    try {
      // The Stellar half settles on the ledger; the bank half is shipped, then paid by the bank.
      await waitFor(
        async () => {
          const rows = await db.select({ id: payments.id, status: payments.status }).from(payments).where(eq(payments.disbursementId, disbursementId));
          const status = new Map(rows.map((r) => [r.id, r.status]));
          if (!stellarIds.every((id) => status.get(id) === "SUCCESS")) return false;
          const atBank = bankIds.map((id) => bank.bank.state.payments.get(id.replace(/-/g, "")));
          return atBank.every((p) => p?.status === "SUCCESS");
        },
        { timeoutMs: 120_000, intervalMs: 200, message: "the Stellar half to succeed and the bank to pay the bank half" },
      );
      // The bank's statement settles its half.
      const statement = await fetch(`${bank.url}/statements/mt940?account_number=${FUNDING}`, { headers: { "x-api-key": KEY } }).then((r) => r.text());
      const imported = await importBankFile(ctx, { fileName: "two-rails.mt940", content: Buffer.from(statement), source: "API", connectionId: bankConnectionId });
      expect(imported.outcomes.MATCHED).toBe(bankIds.length);
      await waitFor(async () => (await db.select().from(disbursements).where(eq(disbursements.id, disbursementId)))[0]!.status === "COMPLETED", {
        timeoutMs: 60_000,
        message: "the disbursement to complete",
      });
    } finally {
      await dispatcher.stop();
    }

    const rows = new Map((await db.select().from(payments).where(eq(payments.disbursementId, disbursementId))).map((p) => [p.id, p]));
    expect([...rows.values()].map((p) => p.status)).toEqual(paymentIds.map(() => "SUCCESS"));
    // Stellar half: one successful transaction each, the exact amount on the ledger, never at the bank.
    const perPayment = await db.execute<{ id: string; n: number }>(sql`
      select p.id, count(*) filter (where t.status = 'SUCCESS')::int as n from payments p
      left join stellar_transaction_payments stp on stp.payment_id = p.id left join stellar_transactions t on t.id = stp.transaction_id
      where p.disbursement_id = ${disbursementId} group by p.id`);
    const successes = new Map([...perPayment].map((r) => [r.id, r.n]));
    for (const [i, id] of stellarIds.entries()) {
      expect(successes.get(id), `Stellar payment ${i}`).toBe(1);
      expect(rows.get(id)!.railBatchId).toBeNull();
      expect(rows.get(id)!.railReference).toBe(rows.get(id)!.stellarTransactionHash);
      expect(bank.bank.state.payments.has(id.replace(/-/g, ""))).toBe(false);
    }
    const after = await Promise.all(stellarKeys.map(xlmBalance));
    expect(after.map((b, i) => b - before[i]!)).toEqual(stellarKeys.map((_, i) => toStroops(`${i + 1}.25`)));
    // Bank half: no Stellar transaction, each reference at the bank once, paid its amount.
    for (const id of bankIds) {
      expect(successes.get(id)).toBe(0);
      expect(rows.get(id)!.railReference).toBe(id.replace(/-/g, ""));
    }
    const atBank = [...bank.bank.state.payments.values()];
    expect(atBank.map((p) => p.payment_reference_number).sort()).toEqual(bankIds.map((id) => id.replace(/-/g, "")).sort());
    expect(atBank.map((p) => p.amount).sort((a, b) => Number(a - b))).toEqual([250n, 350n, 450n, 550n, 650n]);
    expect(await checkPaymentTotals(db, orgId)).toEqual([]);
  }, 240_000);
});
