import { eq, sql } from "drizzle-orm";
import type { FeeBumpTransaction } from "@stellar/stellar-sdk";
import { assets, stellarAccounts, stellarTransactionPayments, stellarTransactions, type StellarAccount } from "@/db/schema";
import { movePaymentStatus, uuidArray } from "@/server/payments/payment-state-writer";
import { getDistributionAccount, keypairOf } from "../accounts";
import { loadAccountState, recentLedger } from "../horizon";
import { failureMessage } from "../result-codes";
import { buildPaymentTransaction } from "./build-payment-transaction";
import { MAX_OPS_PER_TRANSACTION, NOTHING_PAYABLE_RECHECK_MS, type EngineContext } from "./context";

export type ClaimedTransaction = {
  id: string;
  orgId: string;
  hash: string;
  envelope: FeeBumpTransaction;
  sequence: bigint;
  channelAccountId: string;
  attempts: number;
  paymentIds: string[];
};

export type ClaimResult =
  | { kind: "built"; transaction: ClaimedTransaction }
  /** No READY payment of a STARTED disbursement with a registered wallet (and a free channel). */
  | { kind: "idle" }
  /** Work exists but every channel of that organization is busy (or unusable). */
  | { kind: "busy" };

type Candidate = { id: string; org_id: string; asset_id: string };
type ClaimRow = { id: string; amount: string; address: string; memo: string | null };
type Attempt = ClaimResult | { kind: "sequence"; channel: StellarAccount } | { kind: "nothing-payable" };

const CONTRACT_ADDRESS = /^C/;

/**
 * Claim one batch and turn it into a stored, signed transaction (docs/performance.md, "Claim").
 * Its cost does not depend on the size of the READY backlog: work is found from the small tables
 * (STARTED disbursements whose maintained READY total is above zero, with a free channel of their
 * organization), then ONE disbursement is locked first — the platform's lock order is disbursement →
 * payments → totals (server/payments/payment-state-writer.ts) — and its next READY payments are read
 * from the partial index `payments_ready_claim_idx` with LIMIT … FOR UPDATE SKIP LOCKED. The
 * database transaction holds no remote call: the recent ledger is read before it opens, and a
 * channel whose sequence number is unknown is looked up on Horizon after it closes.
 * Nothing is submitted here: once this commits, the stored hash is how every later step finds the outcome.
 */
export async function claimPaymentBatch(ctx: EngineContext): Promise<ClaimResult> {
  // An idle poll is this one small read: no lock, no Horizon call.
  const [work] = await ctx.db.execute<Candidate>(candidateQuery(ctx, "none"));
  if (!work) return { kind: "idle" };
  // Bounds, outside any database transaction (cached across lanes for half a second).
  const ledger = await recentLedger(ctx.config.horizonUrl);
  // Free channels whose sequence number is unknown are looked up now, before the disbursement is
  // locked: otherwise every such channel would cost a locked round (the lock serializes claims).
  const unsequenced = await ctx.db
    .select()
    .from(stellarAccounts)
    .where(
      sql`${stellarAccounts.orgId} = ${work.org_id} and ${stellarAccounts.network} = ${ctx.config.network} and ${stellarAccounts.kind} = 'channel'
          and ${stellarAccounts.activatedAt} is not null and ${stellarAccounts.lockedByTx} is null and ${stellarAccounts.sequence} is null`,
    )
    .limit(4);
  await Promise.all(unsequenced.map((channel) => loadChannelSequence(ctx, channel)));
  let sequenceLookups = 0;
  // A disbursement with nothing payable now is remembered and skipped; the next one is tried at once.
  for (let round = 0; round < 20 && sequenceLookups < 3; round++) {
    const attempt = await ctx.db.transaction((tx) => claimInTransaction(ctx, tx, ledger.sequence));
    if (attempt.kind === "nothing-payable") continue;
    if (attempt.kind !== "sequence") return attempt;
    sequenceLookups++;
    await loadChannelSequence(ctx, attempt.channel);
  }
  return { kind: "busy" };
}

type Tx = Parameters<Parameters<EngineContext["db"]["transaction"]>[0]>[0];

/** The disbursements to skip now (forgetting those whose time to look again has come). */
function skippedDisbursements(ctx: Pick<EngineContext, "nothingPayableUntil">): string[] {
  const until = ctx.nothingPayableUntil;
  if (!until || until.size === 0) return [];
  const now = Date.now();
  for (const [id, at] of until) if (at <= now) until.delete(id);
  return [...until.keys()];
}

/**
 * The next STARTED disbursement with READY payments and a free channel, locked FOR NO KEY UPDATE.
 * First one nobody holds (SKIP LOCKED spreads lanes over disbursements), else wait for the oldest.
 * At most a handful of rows: disbursements are few, and the READY count is the maintained total.
 */
async function lockCandidate(ctx: EngineContext, tx: Tx): Promise<Candidate | null> {
  const [free] = await tx.execute<Candidate>(candidateQuery(ctx, "skip locked"));
  if (free) return free;
  const [waited] = await tx.execute<Candidate>(candidateQuery(ctx, "wait"));
  return waited ?? null;
}

/** The claim's candidate query (exported for the EXPLAIN of `npm run bench:payments -- claim`). */
export function candidateQuery(ctx: Pick<EngineContext, "orgIds" | "config" | "nothingPayableUntil">, lock: "none" | "skip locked" | "wait") {
  const orgFilter = ctx.orgIds ? sql`and d.org_id = any(${uuidArray(ctx.orgIds)})` : sql``;
  const skipped = skippedDisbursements(ctx);
  const skipFilter = skipped.length > 0 ? sql`and not (d.id = any(${uuidArray(skipped)}))` : sql``;
  const locking = lock === "none" ? sql`` : lock === "wait" ? sql`for no key update of d` : sql`for no key update of d skip locked`;
  return sql`
    select d.id, d.org_id, d.asset_id from disbursements d
    where d.status = 'STARTED' ${orgFilter} ${skipFilter}
      and exists (select 1 from disbursement_payment_totals t where t.disbursement_id = d.id and t.status = 'READY' and t.payment_count > 0)
      and exists (
        select 1 from stellar_accounts c
        where c.org_id = d.org_id and c.network = ${ctx.config.network} and c.kind = 'channel'
          and c.activated_at is not null and c.locked_by_tx is null)
    order by d.created_at, d.id
    limit 1
    ${locking}`;
}

/**
 * A disbursement's next READY payments with a registered wallet, in file order, from
 * `payments_ready_claim_idx`. The limit is a literal: a prepared statement's generic plan would
 * otherwise not know how few rows are wanted.
 */
export function readyPaymentsQuery(disbursementId: string, maxOps: number) {
  return sql`
    select p.id, p.amount::text as amount, rw.stellar_address as address, rw.stellar_memo as memo
    from payments p
    join receiver_wallets rw on rw.id = p.receiver_wallet_id
    where p.disbursement_id = ${disbursementId} and p.status = 'READY'
      and rw.status = 'REGISTERED' and rw.stellar_address is not null
    order by p.line_number, p.id
    limit ${sql.raw(String(Math.trunc(maxOps)))}
    for update of p skip locked`;
}

async function claimInTransaction(ctx: EngineContext, tx: Tx, ledgerSequence: number): Promise<Attempt> {
  const { config } = ctx;
  const maxOps = Math.max(1, Math.min(ctx.maxOpsPerTx, MAX_OPS_PER_TRANSACTION));

  // 1. One disbursement, locked first (the rows read below are re-checked under this lock).
  const candidate = await lockCandidate(ctx, tx);
  if (!candidate) return { kind: "idle" };

  // 2. Its next READY payments with a registered wallet: memo-less ones batched, else one with a memo alone.
  const rows = [...(await tx.execute<ClaimRow>(readyPaymentsQuery(candidate.id, maxOps)))];
  const contracts = rows.filter((r) => CONTRACT_ADDRESS.test(r.address));
  if (contracts.length > 0) {
    // Classic payments cannot reach contract addresses: these fail now, visibly, instead of looping.
    await movePaymentStatus(tx, {
      orgId: candidate.org_id,
      from: ["READY"],
      to: "FAILED",
      message: `contract_address: ${failureMessage("contract_address", "")}`,
      ids: contracts.map((c) => c.id),
      disbursementsLocked: true,
    });
  }
  const payable = rows.filter((r) => !CONTRACT_ADDRESS.test(r.address));
  const plain = payable.filter((r) => r.memo === null);
  const batch = plain.length > 0 ? plain : payable.slice(0, 1);
  if (batch.length === 0) {
    if (contracts.length > 0) return { kind: "busy" };
    // READY payments whose wallets are not registered yet: look at the disbursements behind this one.
    ctx.nothingPayableUntil?.set(candidate.id, Date.now() + NOTHING_PAYABLE_RECHECK_MS);
    return ctx.nothingPayableUntil ? { kind: "nothing-payable" } : { kind: "idle" };
  }

  // 3. A free channel of that organization (never waited for: SKIP LOCKED).
  const [channel] = await tx
    .select()
    .from(stellarAccounts)
    .where(
      sql`${stellarAccounts.orgId} = ${candidate.org_id} and ${stellarAccounts.network} = ${config.network} and ${stellarAccounts.kind} = 'channel'
          and ${stellarAccounts.activatedAt} is not null and ${stellarAccounts.lockedByTx} is null`,
    )
    .orderBy(sql`${stellarAccounts.sequence} is null`)
    .limit(1)
    .for("update", { skipLocked: true });
  if (!channel) return { kind: "busy" };
  // Its sequence number is unknown (new, or its last transaction expired): looked up after this transaction.
  if (channel.sequence === null) return { kind: "sequence", channel };

  const distribution = await getDistributionAccount(tx, candidate.org_id, config.network);
  const [asset] = await tx.select().from(assets).where(eq(assets.id, candidate.asset_id));
  if (!distribution || !asset) return { kind: "busy" };

  // 4. Bounds: a short time window and a ledger window, so an unanswered transaction expires soon.
  const maxLedger = ledgerSequence + config.txLedgerWindow;
  const maxTime = Math.floor(Date.now() / 1000) + config.txTimeoutSeconds;
  const memo = batch.length === 1 ? batch[0]!.memo : null;
  const built = buildPaymentTransaction({
    passphrase: config.passphrase,
    baseFee: config.baseFee,
    channel: keypairOf(channel),
    channelSequence: channel.sequence,
    distribution: keypairOf(distribution),
    asset: { code: asset.code, issuer: asset.issuer },
    payments: batch.map((p) => ({ destination: p.address, amount: p.amount })),
    memo,
    maxTime,
    maxLedger,
  });

  // 5. Persist before anything is sent.
  const [stored] = await tx
    .insert(stellarTransactions)
    .values({
      orgId: candidate.org_id,
      network: config.network,
      channelAccountId: channel.id,
      assetId: asset.id,
      hash: built.hash,
      innerHash: built.innerHash,
      envelopeXdr: built.envelopeXdr,
      status: "BUILT",
      sequence: built.sequence,
      maxTime: new Date(maxTime * 1000),
      maxLedger,
      operationCount: batch.length,
      nextAttemptAt: new Date(Date.now() + ctx.leaseMs),
    })
    .returning({ id: stellarTransactions.id });
  if (!stored) throw new Error("storing the transaction returned nothing");
  await tx.insert(stellarTransactionPayments).values(batch.map((p, opIndex) => ({ transactionId: stored.id, paymentId: p.id, opIndex })));
  const moved = await movePaymentStatus(tx, {
    orgId: candidate.org_id,
    from: ["READY"],
    to: "PENDING",
    message: `transaction ${built.hash}`,
    ids: batch.map((p) => p.id),
    disbursementsLocked: true,
  });
  if (moved.length !== batch.length) throw new Error(`claimed ${batch.length} payments but moved ${moved.length} to PENDING`);
  await tx.update(stellarAccounts).set({ lockedByTx: stored.id, lockedUntilLedger: maxLedger, updatedAt: new Date() }).where(eq(stellarAccounts.id, channel.id));

  return {
    kind: "built",
    transaction: {
      id: stored.id,
      orgId: candidate.org_id,
      hash: built.hash,
      envelope: built.envelope,
      sequence: built.sequence,
      channelAccountId: channel.id,
      attempts: 0,
      paymentIds: batch.map((p) => p.id),
    },
  };
}

/**
 * A channel's sequence number from Horizon, outside any database transaction. Written only when the
 * channel is still free, still unsequenced and unchanged since it was read (same updated_at), so a
 * stale answer never overwrites what a settlement recorded meanwhile.
 */
async function loadChannelSequence(ctx: EngineContext, channel: StellarAccount): Promise<void> {
  const state = await loadAccountState(ctx.config.horizonUrl, channel.publicKey);
  const unchanged = sql`${stellarAccounts.id} = ${channel.id} and ${stellarAccounts.sequence} is null and ${stellarAccounts.lockedByTx} is null
    and date_trunc('milliseconds', ${stellarAccounts.updatedAt}) = ${channel.updatedAt.toISOString()}::timestamptz`;
  if (!state) {
    await ctx.db.update(stellarAccounts).set({ activatedAt: null, updatedAt: new Date() }).where(unchanged);
    ctx.log.warn({ event: "stellar.channel_missing", channel: channel.publicKey }, "a channel account is missing on the ledger");
    return;
  }
  await ctx.db.update(stellarAccounts).set({ sequence: state.sequence, updatedAt: new Date() }).where(unchanged);
}
