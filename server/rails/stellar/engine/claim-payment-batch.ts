import { eq, sql } from "drizzle-orm";
import type { Keypair } from "@stellar/stellar-sdk";
import { assets, stellarAccounts, type StellarAccount } from "@/db/schema";
import { movePaymentStatus, shareDisbursements, uuidArray } from "@/server/payments/payment-state-writer";
import { getDistributionAccount, keypairOf } from "@/server/stellar/accounts";
import { loadAccountState, recentLedger } from "@/server/stellar/horizon";
import { failureMessage } from "@/server/stellar/result-codes";
import { buildPaymentTransaction } from "./build-payment-transaction";
import { MAX_OPS_PER_TRANSACTION, NOTHING_PAYABLE_RECHECK_MS, type EngineContext } from "./context";

export type ClaimedTransaction = {
  id: string;
  orgId: string;
  hash: string;
  /** The stored fee-bump envelope (base64), sent byte for byte. */
  envelopeXdr: string;
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

type Candidate = { id: string; org_id: string; asset_id: string; has_channel: boolean; has_unsequenced: boolean };
type ClaimRow = { id: string; amount: string; address: string; memo: string | null };
/** `again`: run the claim again at once (contract addresses failed); `gone`: the disbursement is no longer STARTED, look for another. */
type Attempt = ClaimResult | { kind: "sequence"; channel: StellarAccount } | { kind: "nothing-payable" } | { kind: "again" } | { kind: "gone" };

const CONTRACT_ADDRESS = /^C/;

/**
 * Claim one batch and turn it into a stored, signed transaction (docs/performance.md, "Claim").
 * Its cost does not depend on the size of the READY backlog: work is found from the small tables
 * (STARTED disbursements whose maintained READY total is above zero, with a free channel of their
 * organization), then the next READY payments of that disbursement are read from the partial index
 * `payments_ready_claim_idx` with LIMIT … FOR UPDATE SKIP LOCKED.
 *
 * The disbursement is locked FOR SHARE, not exclusively: claimers and settlers of one disbursement
 * run side by side, each on the payments it locked (SKIP LOCKED: never waiting for another claimer),
 * and take the one contended lock — the disbursement's totals rows, by the writer's trigger — in the
 * LAST statement before commit, after the transaction was built, signed and stored. Pause, resume
 * and cancel lock the disbursement FOR NO KEY UPDATE, so they and claims wait for each other as before.
 * The database transaction holds no remote call: the recent ledger is read before it opens, and a
 * channel whose sequence number is unknown is looked up on Horizon after it closes.
 * Nothing is submitted here: once this commits, the stored hash is how every later step finds the outcome.
 */
export async function claimPaymentBatch(ctx: EngineContext): Promise<ClaimResult> {
  // An idle poll is this one small read: no lock, no Horizon call.
  let [work] = await ctx.db.execute<Candidate>(candidateQuery(ctx, "none"));
  if (!work) return { kind: "idle" };
  // Work, but every channel of its organization is out with a transaction: nothing to lock or build.
  if (!work.has_channel) return { kind: "busy" };
  // Bounds, outside any database transaction (cached across lanes for half a second).
  const ledger = await recentLedger(ctx.config.horizonUrl);
  // Free channels whose sequence number is unknown are looked up now, before the claim's
  // transaction: otherwise each such channel would cost a claim round.
  if (work.has_unsequenced) {
    const unsequenced = await ctx.db
      .select()
      .from(stellarAccounts)
      .where(
        sql`${stellarAccounts.orgId} = ${work.org_id} and ${stellarAccounts.network} = ${ctx.config.network} and ${stellarAccounts.kind} = 'channel'
            and ${stellarAccounts.activatedAt} is not null and ${stellarAccounts.lockedByTx} is null and ${stellarAccounts.sequence} is null`,
      )
      .limit(4);
    await Promise.all(unsequenced.map((channel) => loadChannelSequence(ctx, channel)));
  }
  let sequenceLookups = 0;
  for (let round = 0; round < 20 && sequenceLookups < 3; round++) {
    const candidate = work;
    const attempt = await ctx.db.transaction((tx) => claimInTransaction(ctx, tx, candidate, ledger.sequence));
    if (attempt.kind === "again") continue;
    if (attempt.kind === "nothing-payable" || attempt.kind === "gone") {
      // A disbursement with nothing payable now is remembered and skipped; the next one is tried at once.
      [work] = await ctx.db.execute<Candidate>(candidateQuery(ctx, "none"));
      if (!work) return { kind: "idle" };
      if (!work.has_channel) return { kind: "busy" };
      continue;
    }
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
 * The claim's candidate query: the oldest STARTED disbursement with READY payments (maintained
 * total), those whose organization has a free channel first, and whether it has one. At most a
 * handful of rows: disbursements are few. The claim runs it without a lock (`lock` only serves the
 * EXPLAIN of `npm run bench:payments -- claim`, which also shows the locked variant of the earlier design).
 */
export function candidateQuery(ctx: Pick<EngineContext, "orgIds" | "config" | "nothingPayableUntil">, lock: "none" | "skip locked" | "wait") {
  const orgFilter = ctx.orgIds ? sql`and d.org_id = any(${uuidArray(ctx.orgIds)})` : sql``;
  const skipped = skippedDisbursements(ctx);
  const skipFilter = skipped.length > 0 ? sql`and not (d.id = any(${uuidArray(skipped)}))` : sql``;
  const locking = lock === "none" ? sql`` : lock === "wait" ? sql`for no key update of d` : sql`for no key update of d skip locked`;
  // With `lock`, only disbursements whose organization has a free channel (the earlier, locking design).
  const channelFilter = lock === "none" ? sql`` : sql`and ${freeChannel(ctx)}`;
  return sql`
    select d.id, d.org_id, d.asset_id, ${freeChannel(ctx)} as has_channel, ${freeChannel(ctx, sql`and c.sequence is null`)} as has_unsequenced
    from disbursements d
    where d.status = 'STARTED' ${orgFilter} ${skipFilter} ${channelFilter}
      and exists (select 1 from disbursement_payment_totals t where t.disbursement_id = d.id and t.status = 'READY' and t.payment_count > 0)
      -- Only a Stellar asset can travel on Stellar, and only through an enabled Stellar connection of the
      -- organization; which payments of the disbursement are Stellar's is decided per payment (readyPaymentsQuery).
      and exists (select 1 from assets a where a.id = d.asset_id and a.kind = 'STELLAR')
      and exists (select 1 from payment_connections pc where pc.org_id = d.org_id and pc.rail_type = 'STELLAR' and pc.enabled)
    order by has_channel desc, d.created_at, d.id
    limit 1
    ${locking}`;
}

function freeChannel(ctx: Pick<EngineContext, "config">, and = sql``) {
  return sql`exists (
    select 1 from stellar_accounts c
    where c.org_id = d.org_id and c.network = ${ctx.config.network} and c.kind = 'channel'
      and c.activated_at is not null and c.locked_by_tx is null ${and})`;
}

/**
 * The payments the Stellar rail may take (docs/rails.md "Dispatcher"): those routed to an enabled
 * STELLAR connection of the organization, and those with no connection at all — rows that predate
 * routing (migration 0010 left `connection_id` empty on existing payments, and before it every
 * payment was a Stellar payment; start and resume route every DRAFT, READY and PAUSED payment since).
 * A payment routed to a bank connection is never taken, whatever its wallet holds. The connection
 * ids are one uncorrelated sub-select (hashed once per statement), so the claim still walks
 * `payments_ready_claim_idx` in file order.
 */
function stellarRouted(orgId: string) {
  return sql`(p.connection_id is null or p.connection_id in (
    select pc.id from payment_connections pc where pc.org_id = ${orgId} and pc.rail_type = 'STELLAR' and pc.enabled))`;
}

/**
 * A disbursement's next READY payments routed to Stellar with a registered wallet, in file order, from
 * `payments_ready_claim_idx`, locked (rows another claimer holds are skipped). The disbursement must
 * be STARTED in the statement's snapshot: READY payments of a PAUSED disbursement (requeued after
 * the pause) are never claimed. The limit is a literal: a prepared statement's generic plan would
 * otherwise not know how few rows are wanted.
 */
export function readyPaymentsQuery(disbursementId: string, maxOps: number, orgId: string) {
  return sql`
    select p.id, p.amount::text as amount, rw.stellar_address as address, rw.stellar_memo as memo
    from payments p
    join disbursements d on d.id = p.disbursement_id and d.status = 'STARTED'
    join receiver_wallets rw on rw.id = p.receiver_wallet_id
    where p.disbursement_id = ${disbursementId} and p.status = 'READY' and ${stellarRouted(orgId)}
      and rw.status = 'REGISTERED' and rw.stellar_address is not null
    order by p.line_number, p.id
    limit ${sql.raw(String(Math.trunc(maxOps)))}
    for update of p skip locked`;
}

/** Whether a STARTED disbursement still has a READY Stellar payment with a registered wallet, locked by another claimer or not (no lock taken). */
async function hasPayableReady(tx: Tx, disbursementId: string, orgId: string): Promise<boolean> {
  const [row] = await tx.execute<{ one: number }>(sql`
    select 1 as one from payments p
    join disbursements d on d.id = p.disbursement_id and d.status = 'STARTED'
    join receiver_wallets rw on rw.id = p.receiver_wallet_id
    where p.disbursement_id = ${disbursementId} and p.status = 'READY' and ${stellarRouted(orgId)}
      and rw.status = 'REGISTERED' and rw.stellar_address is not null
    limit 1`);
  return row !== undefined;
}

/** Rows that do not change while a worker runs (a distribution account is never replaced; an asset's code and issuer are fixed), kept briefly to save two round trips per claim. */
const SIGNING_CACHE_MS = 30_000;
const signingCache = new Map<string, { at: number; value: Promise<{ distribution: Keypair; asset: { id: string; code: string; issuer: string } } | null> }>();

function signingParties(tx: Tx, orgId: string, network: string, assetId: string) {
  const key = `${orgId}|${network}|${assetId}`;
  const cached = signingCache.get(key);
  if (cached && Date.now() - cached.at < SIGNING_CACHE_MS) return cached.value;
  const value = (async () => {
    const distribution = await getDistributionAccount(tx, orgId, network);
    const [asset] = await tx.select({ id: assets.id, code: assets.code, issuer: assets.issuer }).from(assets).where(eq(assets.id, assetId));
    return distribution && asset ? { distribution: keypairOf(distribution), asset } : null;
  })();
  signingCache.set(key, { at: Date.now(), value });
  value.then(
    (v) => v === null && signingCache.delete(key),
    () => signingCache.delete(key),
  );
  return value;
}

/** A channel's keypair, decrypted once per stored secret. */
const channelKeys = new Map<string, Keypair>();
function channelKeypair(channel: StellarAccount): Keypair {
  let key = channelKeys.get(channel.encryptedSecret);
  if (!key) {
    key = keypairOf(channel);
    if (channelKeys.size > 1_000) channelKeys.clear();
    channelKeys.set(channel.encryptedSecret, key);
  }
  return key;
}

async function claimInTransaction(ctx: EngineContext, tx: Tx, candidate: Candidate, ledgerSequence: number): Promise<Attempt> {
  const { config } = ctx;
  const maxOps = Math.max(1, Math.min(ctx.maxOpsPerTx, MAX_OPS_PER_TRANSACTION));

  // 1. The disbursement FOR SHARE, still STARTED: claims and settlements of it hold this together,
  // pause, resume and cancel (FOR NO KEY UPDATE) wait for them and they for those.
  if ((await shareDisbursements(tx, [candidate.id], true)).length === 0) return { kind: "gone" };

  // 2. A free channel of that organization (never waited for: SKIP LOCKED), before any payment is locked.
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

  // 3. The disbursement's next READY payments with a registered wallet: memo-less ones batched, else one with a memo alone.
  const rows = [...(await tx.execute<ClaimRow>(readyPaymentsQuery(candidate.id, maxOps, candidate.org_id)))];
  const contracts = rows.filter((r) => CONTRACT_ADDRESS.test(r.address));
  if (contracts.length > 0) {
    // Classic payments cannot reach contract addresses: these fail now, visibly, instead of looping;
    // committed on their own (one move per transaction), the claim runs again at once.
    await movePaymentStatus(tx, {
      orgId: candidate.org_id,
      from: ["READY"],
      to: "FAILED",
      message: `contract_address: ${failureMessage("contract_address", "")}`,
      ids: contracts.map((c) => c.id),
      withoutDisbursementLock: true,
    });
    return { kind: "again" };
  }
  const plain = rows.filter((r) => r.memo === null);
  const batch = plain.length > 0 ? plain : rows.slice(0, 1);
  if (batch.length === 0) {
    // Every READY payment is held by another claimer right now: come back shortly.
    if (await hasPayableReady(tx, candidate.id, candidate.org_id)) return { kind: "busy" };
    // READY payments whose wallets are not registered yet (or a pause meanwhile): look at the disbursements behind this one.
    ctx.nothingPayableUntil?.set(candidate.id, Date.now() + NOTHING_PAYABLE_RECHECK_MS);
    return ctx.nothingPayableUntil ? { kind: "nothing-payable" } : { kind: "idle" };
  }

  const parties = await signingParties(tx, candidate.org_id, config.network, candidate.asset_id);
  if (!parties) return { kind: "busy" };

  // 4. Bounds: a short time window and a ledger window, so an unanswered transaction expires soon.
  const maxLedger = ledgerSequence + config.txLedgerWindow;
  const maxTime = Math.floor(Date.now() / 1000) + config.txTimeoutSeconds;
  const memo = batch.length === 1 ? batch[0]!.memo : null;
  const built = buildPaymentTransaction({
    passphrase: config.passphrase,
    baseFee: config.baseFee,
    channel: channelKeypair(channel),
    channelSequence: channel.sequence,
    distribution: parties.distribution,
    asset: parties.asset,
    payments: batch.map((p) => ({ destination: p.address, amount: p.amount })),
    memo,
    maxTime,
    maxLedger,
  });

  // 5. Persist before anything is sent, in one statement: the transaction (hash, envelope), its
  // payments in operation order, and the channel's lock…
  const ids = batch.map((p) => p.id);
  const [stored] = await tx.execute<{ id: string }>(sql`
    with stored as (
      insert into stellar_transactions (org_id, network, channel_account_id, asset_id, hash, inner_hash, envelope_xdr, status, sequence,
        max_time, max_ledger, operation_count, next_attempt_at)
      values (${candidate.org_id}, ${config.network}, ${channel.id}, ${parties.asset.id}, ${built.hash}, ${built.innerHash}, ${built.envelopeXdr}, 'BUILT',
        ${built.sequence.toString()}::bigint, to_timestamp(${maxTime}), ${maxLedger}, ${batch.length}, now() + ${`${ctx.leaseMs} milliseconds`}::interval)
      returning id
    ), operations as (
      insert into stellar_transaction_payments (transaction_id, payment_id, op_index)
      select stored.id, op.payment_id, op.n - 1 from stored, unnest(${uuidArray(ids)}) with ordinality as op(payment_id, n)
    ), channel as (
      update stellar_accounts set locked_by_tx = stored.id, locked_until_ledger = ${maxLedger}, updated_at = now()
      from stored where stellar_accounts.id = ${channel.id}
    )
    select id from stored`);
  if (!stored) throw new Error("storing the transaction returned nothing");
  // …and, last, READY → PENDING: the only statement that waits for other claims and settlements of
  // this disbursement (its totals rows, held from here to the commit).
  const t0 = performance.now();
  const moved = await movePaymentStatus(tx, {
    orgId: candidate.org_id,
    from: ["READY"],
    to: "PENDING",
    message: `transaction ${built.hash}`,
    ids,
    // The rail reference is the transaction's hash (stellar_transaction_payments holds each one's operation index).
    set: { railReference: built.hash },
    withoutDisbursementLock: true,
  });
  if (ctx.counters) ctx.counters.claimMoveMs += performance.now() - t0;
  if (moved.length !== batch.length) throw new Error(`claimed ${batch.length} payments but moved ${moved.length} to PENDING`);

  return {
    kind: "built",
    transaction: {
      id: stored.id,
      orgId: candidate.org_id,
      hash: built.hash,
      envelopeXdr: built.envelopeXdr,
      sequence: built.sequence,
      channelAccountId: channel.id,
      attempts: 0,
      paymentIds: ids,
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
