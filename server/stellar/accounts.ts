import { and, eq, inArray, isNull, sql } from "drizzle-orm";
import { Account, Asset, Keypair, Operation, TransactionBuilder, type xdr } from "@stellar/stellar-sdk";
import type { Db, DbOrTx } from "@/db/client";
import { assets, organizations, payments, stellarAccounts, type StellarAccount, type StellarAccountKind } from "@/db/schema";
import { toStroops } from "@/server/domain/money";
import { decryptSecret, encryptSecret } from "@/server/services/crypto/secret-box";
import { findTransaction, friendbot, loadAccountState, submitEnvelope, type AccountState } from "./horizon";
import type { StellarConfig } from "./network";

/**
 * The accounts an organization pays from. Per organization and network: one distribution account
 * (holds the funds, is every payment operation's source and pays the fees through fee bumps),
 * channel accounts (transaction sources, sponsored by the distribution account with a zero
 * balance) and, on the local network only, the issuer of its demo asset. Secrets are stored
 * encrypted; `keypairOf` is the only place they are decrypted.
 */

type Log = { info: (obj: object, msg?: string) => void; warn: (obj: object, msg?: string) => void };
const quiet: Log = { info: () => {}, warn: () => {} };

/** USDC (or any non-native demo asset) issued to a new local distribution account. */
export const LOCAL_DEMO_ISSUE_AMOUNT = "1000000";
const SETUP_LOCK_NAMESPACE = "stellar-account-setup:";

export function keypairOf(account: Pick<StellarAccount, "encryptedSecret">): Keypair {
  return Keypair.fromSecret(decryptSecret(account.encryptedSecret));
}

export async function getDistributionAccount(db: DbOrTx, orgId: string, network: string): Promise<StellarAccount | null> {
  const [row] = await db
    .select()
    .from(stellarAccounts)
    .where(and(eq(stellarAccounts.orgId, orgId), eq(stellarAccounts.network, network), eq(stellarAccounts.kind, "distribution")));
  return row ?? null;
}

function newKeypairRow(orgId: string, network: string, kind: StellarAccountKind, sponsor: string | null = null) {
  const keypair = Keypair.random();
  return { orgId, network, kind, publicKey: keypair.publicKey(), encryptedSecret: encryptSecret(keypair.secret()), sponsorPublicKey: sponsor };
}

async function insertKeypair(db: DbOrTx, orgId: string, network: string, kind: "channel" | "issuer", sponsor: string | null = null): Promise<StellarAccount> {
  const [row] = await db
    .insert(stellarAccounts)
    .values(newKeypairRow(orgId, network, kind, sponsor))
    .returning();
  if (!row) throw new Error("inserting a keypair returned nothing");
  return row;
}

/** The organization's distribution account on this network, created (keypair only) when missing. */
export async function ensureDistributionKeypair(db: DbOrTx, orgId: string, network: string): Promise<StellarAccount> {
  const existing = await getDistributionAccount(db, orgId, network);
  if (existing) return existing;
  await db
    .insert(stellarAccounts)
    .values(newKeypairRow(orgId, network, "distribution"))
    .onConflictDoNothing();
  const row = await getDistributionAccount(db, orgId, network);
  if (!row) throw new Error("creating the distribution account returned nothing");
  return row;
}

/** Available balance of an asset in an account state: native keeps the minimum balance. */
export function availableStroops(state: AccountState, asset: { code: string; issuer: string }): bigint {
  if (asset.issuer === "") {
    const native = state.balances.find((b) => b.asset_type === "native");
    if (!native) return 0n;
    const minimum = BigInt(2 + state.subentryCount + state.numSponsoring - state.numSponsored) * 5_000_000n;
    const selling = toStroops((native as { selling_liabilities?: string }).selling_liabilities ?? "0");
    const available = toStroops(native.balance) - minimum - selling;
    return available > 0n ? available : 0n;
  }
  const line = state.balances.find((b) => "asset_code" in b && b.asset_code === asset.code && "asset_issuer" in b && b.asset_issuer === asset.issuer) as
    { balance: string; selling_liabilities?: string } | undefined;
  if (!line) return 0n;
  const available = toStroops(line.balance) - toStroops(line.selling_liabilities ?? "0");
  return available > 0n ? available : 0n;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Retry a Horizon call through transient trouble (faults, restarts), a bounded number of times. */
async function retrying<T>(what: string, fn: () => Promise<T>, attempts = 8): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await fn();
    } catch (error) {
      lastError = error;
      await sleep(Math.min(250 * 2 ** i, 4_000));
    }
  }
  throw new Error(`${what}: ${(lastError as Error)?.message ?? String(lastError)}`);
}

async function ensureFundedByFriendbot(config: StellarConfig, address: string): Promise<AccountState> {
  return retrying(`funding ${address} with friendbot`, async () => {
    const existing = await loadAccountState(config.horizonUrl, address);
    if (existing) return existing;
    await friendbot(config.horizonUrl, address).catch(() => {});
    const state = await loadAccountState(config.horizonUrl, address);
    if (!state) throw new Error("not created yet");
    return state;
  });
}

/**
 * Submit a set-up transaction sourced by `source` and wait until it is in a ledger. A lost answer is
 * resolved by the hash; a rejected transaction is rebuilt (setup is idempotent: callers re-check).
 */
export async function submitSetupTransaction(config: StellarConfig, source: Keypair, operations: xdr.Operation[], signers: Keypair[]) {
  let lastProblem = "";
  for (let attempt = 0; attempt < 6; attempt++) {
    const state = await retrying("loading the source account", async () => {
      const s = await loadAccountState(config.horizonUrl, source.publicKey());
      if (!s) throw new Error(`${source.publicKey()} does not exist`);
      return s;
    });
    const tx = new TransactionBuilder(new Account(source.publicKey(), state.sequence.toString()), {
      fee: String(config.baseFee),
      networkPassphrase: config.passphrase,
    }).setTimeout(config.txTimeoutSeconds);
    for (const op of operations) tx.addOperation(op);
    const built = tx.build();
    built.sign(source, ...signers.filter((s) => s.publicKey() !== source.publicKey()));
    const hash = Buffer.from(built.hash()).toString("hex");
    const outcome = await submitEnvelope(config.horizonUrl, built);
    if (outcome.kind === "landed") {
      if (outcome.landed.successful) return outcome.landed;
      lastProblem = "the transaction failed";
      continue;
    }
    if (outcome.kind === "rejected") {
      lastProblem = JSON.stringify(outcome.codes);
      if (outcome.codes.transaction === "tx_bad_seq") continue;
      throw new Error(`set-up transaction rejected: ${lastProblem}`);
    }
    // No answer: wait for the hash until the time bound has passed.
    const deadline = Date.now() + (config.txTimeoutSeconds + 10) * 1000;
    while (Date.now() < deadline) {
      const landed = await findTransaction(config.horizonUrl, hash).catch(() => null);
      if (landed) {
        if (landed.successful) return landed;
        lastProblem = "the transaction failed";
        break;
      }
      await sleep(500);
    }
    lastProblem ||= outcome.reason;
  }
  throw new Error(`set-up transaction did not succeed: ${lastProblem}`);
}

export type SetupReport = {
  orgId: string;
  distribution: string;
  /** False on a real network until someone funds the distribution account. */
  funded: boolean;
  channels: number;
  issuers: { code: string; issuer: string }[];
};

/**
 * Local network: make each non-native asset of the organization issued by an account we hold.
 * The demo catalog is seeded with a random issuer; it is replaced by a stored one as long as no
 * payment in that asset is in flight or paid (nobody could have been paid in it).
 */
async function ensureLocalIssuers(db: Db, orgId: string, config: StellarConfig, log: Log) {
  const orgAssets = await db
    .select()
    .from(assets)
    .where(and(eq(assets.orgId, orgId), eq(assets.kind, "STELLAR"), sql`${assets.issuer} <> ''`));
  const held = await db
    .select()
    .from(stellarAccounts)
    .where(and(eq(stellarAccounts.orgId, orgId), eq(stellarAccounts.network, config.network), eq(stellarAccounts.kind, "issuer")));
  const heldByKey = new Map(held.map((h) => [h.publicKey, h]));
  const issuers: { asset: typeof assets.$inferSelect; issuer: StellarAccount }[] = [];
  for (const asset of orgAssets) {
    let issuer = heldByKey.get(asset.issuer);
    if (!issuer) {
      const [used] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(payments)
        .where(and(eq(payments.assetId, asset.id), inArray(payments.status, ["PENDING", "SUCCESS"])));
      if ((used?.n ?? 0) > 0) {
        log.warn({ event: "stellar.setup.issuer_unknown", asset: asset.code }, "the asset's issuer is not held here and payments used it; leaving it");
        continue;
      }
      issuer = await db.transaction(async (tx) => {
        const created = await insertKeypair(tx, orgId, config.network, "issuer");
        await tx.update(assets).set({ issuer: created.publicKey, updatedAt: new Date() }).where(eq(assets.id, asset.id));
        return created;
      });
      asset.issuer = issuer.publicKey;
      log.info({ event: "stellar.setup.issuer_created", asset: asset.code, issuer: issuer.publicKey }, "local issuer created");
    }
    issuers.push({ asset, issuer });
  }
  return issuers;
}

/** The distribution account trusts each asset; on the local network it is issued the demo amount once. */
async function ensureTrustlines(config: StellarConfig, distribution: Keypair, assetList: { code: string; issuer: string; issuerKeypair?: Keypair }[]) {
  let state = await loadAccountState(config.horizonUrl, distribution.publicKey());
  if (!state) return;
  for (const a of assetList) {
    const asset = new Asset(a.code, a.issuer);
    const line = state.balances.find((b) => "asset_code" in b && b.asset_code === a.code && "asset_issuer" in b && b.asset_issuer === a.issuer);
    const ops: xdr.Operation[] = [];
    const signers: Keypair[] = [];
    if (!line) ops.push(Operation.changeTrust({ asset }));
    if (a.issuerKeypair && (!line || toStroops(line.balance) === 0n)) {
      ops.push(Operation.payment({ destination: distribution.publicKey(), asset, amount: LOCAL_DEMO_ISSUE_AMOUNT, source: a.issuer }));
      signers.push(a.issuerKeypair);
    }
    if (ops.length === 0) continue;
    if (!line && !a.issuerKeypair) {
      // Real network: trusting costs 0.5 XLM of reserve; skip quietly when the account cannot afford it.
      if (availableStroops(state, { code: "XLM", issuer: "" }) < 5_000_000n) continue;
    }
    await submitSetupTransaction(config, distribution, ops, signers);
    state = (await loadAccountState(config.horizonUrl, distribution.publicKey())) ?? state;
  }
}

/** Channel accounts up to the configured count, created on the ledger sponsored by the distribution account. */
async function ensureChannels(db: Db, orgId: string, config: StellarConfig, distribution: StellarAccount, log: Log): Promise<number> {
  const where = and(eq(stellarAccounts.orgId, orgId), eq(stellarAccounts.network, config.network), eq(stellarAccounts.kind, "channel"));
  let channels = await db.select().from(stellarAccounts).where(where);
  for (let i = channels.length; i < config.channelAccounts; i++) {
    await insertKeypair(db, orgId, config.network, "channel", distribution.publicKey);
  }
  channels = await db.select().from(stellarAccounts).where(where);
  const states = await Promise.all(channels.map((c) => retrying("loading a channel", () => loadAccountState(config.horizonUrl, c.publicKey))));
  const missing = channels.filter((_, i) => !states[i]);
  const present = channels.filter((c, i) => states[i] && !c.activatedAt);
  if (present.length > 0) {
    await db
      .update(stellarAccounts)
      .set({ activatedAt: new Date(), updatedAt: new Date() })
      .where(
        inArray(
          stellarAccounts.id,
          present.map((c) => c.id),
        ),
      );
  }
  if (missing.length > 0) {
    // A ledger that was reset lost them: they are not usable until created again.
    await db
      .update(stellarAccounts)
      .set({ activatedAt: null, sequence: null, updatedAt: new Date() })
      .where(
        and(
          inArray(
            stellarAccounts.id,
            missing.map((c) => c.id),
          ),
          isNull(stellarAccounts.lockedByTx),
        ),
      );
    const distKeypair = keypairOf(distribution);
    // Each new channel signs its end_sponsoring: 19 channels + the distribution account = 20 signatures, the most allowed.
    for (let i = 0; i < missing.length; i += 19) {
      const chunk = missing.slice(i, i + 19);
      const ops: xdr.Operation[] = [];
      for (const c of chunk) {
        ops.push(Operation.beginSponsoringFutureReserves({ sponsoredId: c.publicKey, source: distribution.publicKey }));
        ops.push(Operation.createAccount({ destination: c.publicKey, startingBalance: "0", source: distribution.publicKey }));
        ops.push(Operation.endSponsoringFutureReserves({ source: c.publicKey }));
      }
      await submitSetupTransaction(config, distKeypair, ops, chunk.map(keypairOf));
      await db
        .update(stellarAccounts)
        .set({ activatedAt: new Date(), sequence: null, sponsorPublicKey: distribution.publicKey, updatedAt: new Date() })
        .where(
          inArray(
            stellarAccounts.id,
            chunk.map((c) => c.id),
          ),
        );
      log.info({ event: "stellar.setup.channels_created", count: chunk.length }, "channel accounts created");
    }
  }
  return channels.length;
}

/**
 * Make an organization ready to pay on the configured network. Idempotent, and checked against the
 * ledger (a local ledger that was reset is set up again). On the local network: the distribution
 * account is funded by friendbot, the demo asset's issuer is ours and issues it, and the channels
 * are created. On a real network: the keypair is created and stored; once someone has funded the
 * address, trustlines and channels follow on the next run.
 */
export async function setupOrganizationAccounts(db: Db, orgId: string, config: StellarConfig, log: Log = quiet): Promise<SetupReport> {
  // One set-up per organization at a time (web process, workers, start-up).
  return db.transaction(async (lockTx) => {
    await lockTx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${SETUP_LOCK_NAMESPACE + orgId}, 0))`);
    const distribution = await ensureDistributionKeypair(db, orgId, config.network);
    const distKeypair = keypairOf(distribution);
    const report: SetupReport = { orgId, distribution: distribution.publicKey, funded: false, channels: 0, issuers: [] };

    if (config.network === "local") {
      await ensureFundedByFriendbot(config, distribution.publicKey);
      const issuers = await ensureLocalIssuers(db, orgId, config, log);
      for (const { issuer } of issuers) await ensureFundedByFriendbot(config, issuer.publicKey);
      await ensureTrustlines(
        config,
        distKeypair,
        issuers.map(({ asset, issuer }) => ({ code: asset.code, issuer: issuer.publicKey, issuerKeypair: keypairOf(issuer) })),
      );
      report.issuers = issuers.map(({ asset, issuer }) => ({ code: asset.code, issuer: issuer.publicKey }));
    } else {
      const state = await loadAccountState(config.horizonUrl, distribution.publicKey);
      if (!state) {
        log.warn(
          { event: "stellar.setup.unfunded", org_id: orgId, distribution: distribution.publicKey, network: config.network },
          "the distribution account does not exist yet: fund it with XLM, then restart the worker",
        );
        return report;
      }
      const orgAssets = await db
        .select()
        .from(assets)
        .where(and(eq(assets.orgId, orgId), eq(assets.kind, "STELLAR"), sql`${assets.issuer} <> ''`));
      await ensureTrustlines(
        config,
        distKeypair,
        orgAssets.map((a) => ({ code: a.code, issuer: a.issuer })),
      );
    }
    report.funded = true;
    const held = [distribution.publicKey, ...report.issuers.map((i) => i.issuer)];
    await db
      .update(stellarAccounts)
      .set({ activatedAt: new Date(), updatedAt: new Date() })
      .where(and(inArray(stellarAccounts.publicKey, held), isNull(stellarAccounts.activatedAt)));
    report.channels = await ensureChannels(db, orgId, config, distribution, log);
    log.info({ event: "stellar.setup.done", org_id: orgId, distribution: distribution.publicKey, channels: report.channels }, "accounts ready");
    return report;
  });
}

/** Set up every organization (start-up of `npm start` and of a worker). Failures are logged, not thrown. */
export async function setupAllOrganizations(db: Db, config: StellarConfig, log: Log = quiet): Promise<SetupReport[]> {
  const orgs = await db.select({ id: organizations.id }).from(organizations);
  const reports: SetupReport[] = [];
  for (const org of orgs) {
    try {
      reports.push(await setupOrganizationAccounts(db, org.id, config, log));
    } catch (error) {
      log.warn({ event: "stellar.setup.failed", org_id: org.id, error: (error as Error).message }, "account set-up failed");
    }
  }
  return reports;
}

/** Organizations with claimable work but no usable channel account, or with no distribution account at all (for the worker to set up). */
export async function organizationsNeedingSetup(db: DbOrTx, network: string): Promise<string[]> {
  const rows = await db.execute<{ org_id: string }>(sql`
    -- READY work read from the maintained totals (db/schema/payment-totals.ts), never from the payment rows.
    select distinct d.org_id from disbursements d
    join disbursement_payment_totals t on t.disbursement_id = d.id and t.status = 'READY' and t.payment_count > 0
    where d.status = 'STARTED'
      and not exists (
        select 1 from stellar_accounts c
        where c.org_id = d.org_id and c.network = ${network} and c.kind = 'channel' and c.activated_at is not null)
    union
    -- Organizations created after start-up (e.g. by the CLI) have no distribution account yet.
    select o.id as org_id from organizations o
    where not exists (
      select 1 from stellar_accounts a where a.org_id = o.id and a.network = ${network} and a.kind = 'distribution')`);
  return [...rows].map((r) => r.org_id);
}
