/**
 * The Stellar read services behind the Distribution account page and preflight, against the real
 * local ledger: reserved amounts are summed in SQL over READY/PENDING/PAUSED payments of STARTED
 * or PAUSED disbursements only; available = the ledger's spendable balance − reserved, exactly;
 * preflight names each problem per receiver; and with the ledger unreachable both answer at once
 * with a clear message instead of hanging or blaming receivers. No worker runs: started payments
 * stay READY (in flight) for the whole file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Asset, Keypair, Operation } from "@stellar/stellar-sdk";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assets } from "@/db/schema";
import { freePort } from "@/scripts/lib/embedded-postgres";
import { formatStroops, toStroops } from "@/server/domain/money";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import type { OrgContext } from "@/server/services/context";
import { changeDisbursementStatus } from "@/server/services/disbursements/change-disbursement-status";
import { createDisbursement } from "@/server/services/disbursements/create-disbursement";
import { importInstructions } from "@/server/services/disbursements/import-instructions";
import { getDistributionAccountView } from "@/server/services/stellar/get-distribution-account";
import { preflightDisbursement } from "@/server/services/stellar/preflight-disbursement";
import { availableStroops, getDistributionAccount, keypairOf, setupOrganizationAccounts, submitSetupTransaction } from "@/server/stellar/accounts";
import { friendbot, loadAccountState } from "@/server/stellar/horizon";
import { startLocalLedger, type LocalLedgerHandle } from "@/server/stellar/local-ledger";
import { stellarConfig, type StellarConfig } from "@/server/stellar/network";
import { createOrgWithMembers, nextUkMobile, randomSuffix, testDb } from "./helpers";

const db = testDb();
let ledger: LocalLedgerHandle;
let ledgerDir: string;
let config: StellarConfig;
let ctx: OrgContext;
let catalog: Awaited<ReturnType<typeof seedDemoCatalog>>;
let distribution: string;

/** A READY *_AND_WALLET_ADDRESS disbursement (receivers registered at once); a row may reuse a receiver's phone. */
async function disbursement(assetId: string, rows: { address: string; amount: string; phone?: string }[]) {
  const suffix = randomSuffix();
  const created = await createDisbursement(ctx, {
    name: `Views ${suffix}`,
    wallet_id: catalog.wallet.id,
    asset_id: assetId,
    registration_contact_type: "PHONE_NUMBER_AND_WALLET_ADDRESS",
  });
  const phones = rows.map((r) => r.phone ?? nextUkMobile());
  const csv = ["phone,id,amount,walletAddress", ...rows.map((r, i) => `${phones[i]},views-${suffix}-${i},${r.amount},${r.address}`)].join("\n");
  const ready = await importInstructions(ctx, { disbursementId: created.id, fileName: `views-${suffix}.csv`, content: Buffer.from(csv) });
  expect(ready).toMatchObject({ status: "READY", total_payments: rows.length });
  return { id: created.id, phones };
}

/** A closed port, as the services report it: the refused fetch, not one of their timeouts. */
const REFUSED = "The ledger could not be reached (fetch failed).";

const start = (id: string) => changeDisbursementStatus(ctx, { id, status: "STARTED" });

beforeAll(async () => {
  ledgerDir = mkdtempSync(path.join(os.tmpdir(), "views-ledger-"));
  ledger = await startLocalLedger({ dataDir: ledgerDir, closeIntervalMs: 100, maxOpsPerLedger: 0 });
  config = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: ledger.url, CHANNEL_ACCOUNTS: "2" });
  const org = await createOrgWithMembers(db, ["owner"]);
  ctx = { db, actor: { userId: org.users.owner.id }, org: { id: org.org.id }, role: "owner" };
  catalog = await seedDemoCatalog(db, org.org.id);
  distribution = (await setupOrganizationAccounts(db, org.org.id, config)).distribution;
}, 180_000);

afterAll(async () => {
  await ledger?.close();
  if (ledgerDir) rmSync(ledgerDir, { recursive: true, force: true });
});

describe("distribution account view", () => {
  it("reserves only the in-flight payments of started or paused disbursements, and available = spendable − reserved exactly", async () => {
    const someone = () => Keypair.random().publicKey();
    // READY (not started): reserves nothing. STARTED: 1.2345678 + 2 XLM. PAUSED: 0.0000001 XLM.
    await disbursement(catalog.xlm.id, [{ address: someone(), amount: "1000" }]);
    const started = await disbursement(catalog.xlm.id, [
      { address: someone(), amount: "1.2345678" },
      { address: someone(), amount: "2" },
    ]);
    await start(started.id);
    const paused = await disbursement(catalog.xlm.id, [{ address: someone(), amount: "0.0000001" }]);
    await start(paused.id);
    await changeDisbursementStatus(ctx, { id: paused.id, status: "PAUSED" });

    const view = await getDistributionAccountView(ctx, config);
    expect(view).toMatchObject({ network: "local", public_key: distribution, funded: true, ledger_error: null, channels: { total: 2, active: 2 } });
    const xlm = view.balances.find((b) => b.asset_code === "XLM")!;
    const usdc = view.balances.find((b) => b.asset_code === "USDC")!;
    expect(xlm).toMatchObject({ trusted: true, reserved: "3.2345679", reserved_payments: 3 });
    expect(usdc).toMatchObject({ trusted: true, balance: "1000000.0000000", locked: "0.0000000", reserved: "0.0000000", available: "1000000.0000000" });

    // Against the ledger itself, to the stroop (strings all the way, never floats).
    const state = (await loadAccountState(config.horizonUrl, distribution))!;
    const native = state.balances.find((b) => b.asset_type === "native")!;
    expect(xlm.balance).toBe(formatStroops(toStroops(native.balance)));
    const spendable = availableStroops(state, { code: "XLM", issuer: "" });
    expect(xlm.locked).toBe(formatStroops(toStroops(native.balance) - spendable));
    expect(xlm.available).toBe(formatStroops(spendable - 32_345_679n));
    for (const b of view.balances) for (const k of ["balance", "locked", "reserved", "available"] as const) expect(b[k]).toMatch(/^-?\d+\.\d{7}$/);
    // Never the secret, in any form.
    const row = (await getDistributionAccount(db, ctx.org.id, "local"))!;
    const text = JSON.stringify(view);
    expect(text).not.toContain(keypairOf(row).secret());
    expect(text).not.toContain(row.encryptedSecret);
    expect(text).not.toMatch(/secret/i);
  }, 120_000);

  it("answers at once with the ledger unreachable: a message, balances null, reserved still summed", async () => {
    const down = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: `http://127.0.0.1:${await freePort()}`, CHANNEL_ACCOUNTS: "2" });
    const view = await getDistributionAccountView(ctx, down);
    expect(view.ledger_error).toMatch(/^The ledger could not be reached \(.+\)\.$/);
    // It answered on the refused connection, without waiting out its own timeout.
    expect(view.ledger_error).toBe(REFUSED);
    expect(view.funded).toBeNull();
    expect(view.public_key).toBe(distribution);
    const xlm = view.balances.find((b) => b.asset_code === "XLM")!;
    expect(xlm).toMatchObject({ balance: null, locked: null, available: null, trusted: null, reserved: "3.2345679" });
  });
});

describe("preflight", () => {
  it("names each problem per receiver: missing account, no trustline; ready destinations pass", async () => {
    const [usdc] = await db.select().from(assets).where(eq(assets.id, catalog.usdc.id));
    const trusting = Keypair.random();
    const untrusting = Keypair.random();
    const missing = Keypair.random().publicKey();
    const funder = Keypair.random();
    await friendbot(config.horizonUrl, funder.publicKey());
    await submitSetupTransaction(
      config,
      funder,
      [trusting, untrusting].map((k) => Operation.createAccount({ destination: k.publicKey(), startingBalance: "5" })),
      [],
    );
    await submitSetupTransaction(config, funder, [Operation.changeTrust({ asset: new Asset("USDC", usdc!.issuer), source: trusting.publicKey() })], [trusting]);

    const d = await disbursement(catalog.usdc.id, [
      { address: trusting.publicKey(), amount: "1" },
      { address: untrusting.publicKey(), amount: "2" },
      { address: missing, amount: "3" },
    ]);
    const result = await preflightDisbursement(ctx, d.id, config);
    expect(result).toMatchObject({ disbursement_id: d.id, asset_code: "USDC", checked: 3, unregistered: 0, ok: false, ledger_error: null });
    expect(result.problems.map((p) => ({ contact: p.contact, address: p.address, code: p.code, message: p.message }))).toEqual([
      { contact: d.phones[1], address: untrusting.publicKey(), code: "no_trust", message: "The receiver's account does not trust USDC." },
      { contact: d.phones[2], address: missing, code: "no_account", message: "The receiver's Stellar account does not exist." },
    ]);

    // In XLM the trustline does not matter: only the missing account is a problem.
    const native = await disbursement(catalog.xlm.id, [
      { address: untrusting.publicKey(), amount: "1", phone: d.phones[1] },
      { address: missing, amount: "1", phone: d.phones[2] },
    ]);
    const xlmResult = await preflightDisbursement(ctx, native.id, config);
    expect(xlmResult.problems.map((p) => p.code)).toEqual(["no_account"]);

    const allGood = await disbursement(catalog.usdc.id, [{ address: trusting.publicKey(), amount: "1", phone: d.phones[0] }]);
    expect(await preflightDisbursement(ctx, allGood.id, config)).toMatchObject({ checked: 1, ok: true, problems: [], ledger_error: null });
  }, 120_000);

  it("says once that the ledger is unreachable instead of blaming every receiver, and does not hang", async () => {
    const d = await disbursement(catalog.xlm.id, [
      { address: Keypair.random().publicKey(), amount: "1" },
      { address: Keypair.random().publicKey(), amount: "1" },
    ]);
    const down = stellarConfig({ STELLAR_NETWORK: "local", HORIZON_URL: `http://127.0.0.1:${await freePort()}` });
    const result = await preflightDisbursement(ctx, d.id, down);
    expect(result).toMatchObject({ checked: 0, unregistered: 0, ok: false, problems: [] });
    expect(result.ledger_error).toMatch(/^The ledger could not be reached \(.+\)\.$/);
    // Ended by the refused connection, without waiting out a lookup's timeout.
    expect(result.ledger_error).toBe(REFUSED);
  });

  it("never reads another organization's disbursement", async () => {
    const other = await createOrgWithMembers(db, ["owner"]);
    const otherCtx: OrgContext = { db, actor: { userId: other.users.owner.id }, org: { id: other.org.id }, role: "owner" };
    const d = await disbursement(catalog.xlm.id, [{ address: Keypair.random().publicKey(), amount: "1" }]);
    await expect(preflightDisbursement(otherCtx, d.id, config)).rejects.toThrow("The disbursement was not found.");
    const otherView = await getDistributionAccountView(otherCtx, config);
    expect(otherView.public_key).toBeNull();
    expect(otherView.funded).toBeNull();
    expect(JSON.stringify(otherView)).not.toContain(distribution);
  });
});
