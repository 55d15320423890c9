import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Asset, Horizon, Keypair, Networks, Operation, TransactionBuilder } from "@stellar/stellar-sdk";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { closeDb } from "@/db/client";
import { seedDemoCatalog } from "@/server/services/catalog/seed-demo-catalog";
import { setupOrganizationAccounts } from "@/server/stellar/accounts";
import { stellarConfig } from "@/server/stellar/network";
import { freePort } from "@/scripts/lib/embedded-postgres";
import { ensureLedger, type LedgerRuntime } from "@/scripts/lib/stellar-runtime";
import { createOrgWithMembers, testDb } from "./helpers";

/**
 * One network passphrase end to end (docs/security/anchor-tests.md): STELLAR_NETWORK_PASSPHRASE reaches
 * the local ledger the launcher starts (scripts/lib/stellar-runtime.ts), the app's set-up and payments
 * are signed for it, and stellar.toml and SEP-10 announce it. The SDF anchor test suite accepts only the
 * testnet or public passphrase, so this is what lets it run against a local instance.
 */
process.env.DATABASE_URL = inject("databaseUrl");
afterAll(() => closeDb());

const db = testDb();
const env = (port: number, passphrase?: string): NodeJS.ProcessEnv => ({
  ...process.env,
  STELLAR_NETWORK: "local",
  HORIZON_URL: "",
  LEDGER_PORT: String(port),
  CHANNEL_ACCOUNTS: "2",
  STELLAR_NETWORK_PASSPHRASE: passphrase ?? "",
});

let dataDir: string;
let port: number;
let ledger: LedgerRuntime;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "ledger-passphrase-"));
  port = await freePort();
  ledger = (await ensureLedger(env(port, Networks.TESTNET), dataDir, () => {}))!;
});
afterAll(async () => {
  await ledger?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("STELLAR_NETWORK_PASSPHRASE", () => {
  it("starts the launcher's local ledger on the configured passphrase", async () => {
    expect(ledger.url).toBe(`http://127.0.0.1:${port}`);
    const root = (await (await fetch(`${ledger.url}/`)).json()) as { network_passphrase: string };
    expect(root.network_passphrase).toBe(Networks.TESTNET);
  });

  it("sets up an organization's accounts and pays on that ledger (no tx_bad_auth)", async () => {
    const config = stellarConfig({ ...env(port, Networks.TESTNET), HORIZON_URL: ledger.url });
    expect(config.passphrase).toBe(Networks.TESTNET);
    const org = await createOrgWithMembers(db, ["owner"]);
    await seedDemoCatalog(db, org.org.id);
    const report = await setupOrganizationAccounts(db, org.org.id, config);
    expect(report.funded).toBe(true);
    expect(report.channels).toBe(2);

    // A payment signed for the configured network applies; the same one signed for the default
    // standalone network is refused as the ledger refuses any signature for another network.
    const server = new Horizon.Server(ledger.url, { allowHttp: true });
    const payer = Keypair.random();
    await fetch(`${ledger.url}/friendbot?addr=${payer.publicKey()}`);
    const build = async (passphrase: string) => {
      const tx = new TransactionBuilder(await server.loadAccount(payer.publicKey()), { fee: "100", networkPassphrase: passphrase })
        .addOperation(Operation.payment({ destination: report.distribution, asset: Asset.native(), amount: "1" }))
        .setTimeout(60)
        .build();
      tx.sign(payer);
      return tx;
    };
    const wrong = await server.submitTransaction(await build(Networks.STANDALONE)).catch((e: { response?: { data?: { extras?: { result_codes?: unknown } } } }) => e);
    expect((wrong as { response?: { data?: { extras?: { result_codes?: unknown } } } }).response?.data?.extras?.result_codes).toEqual({ transaction: "tx_bad_auth" });
    const ok = await server.submitTransaction(await build(Networks.TESTNET));
    expect(ok.successful).toBe(true);
  });

  it("refuses to join a running ledger on another passphrase, and keeps the default when unset", async () => {
    await expect(ensureLedger(env(port, Networks.PUBLIC), dataDir, () => {})).rejects.toThrow(/runs "Test SDF Network ; September 2015", not STELLAR_NETWORK_PASSPHRASE/);
    const joined = await ensureLedger(env(port, Networks.TESTNET), dataDir, () => {});
    expect(joined?.url).toBe(ledger.url);
    expect(stellarConfig(env(port)).passphrase).toBe(Networks.STANDALONE);
  });
});
