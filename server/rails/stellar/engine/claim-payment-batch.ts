import { eq, sql } from "drizzle-orm";
import type { Keypair } from "@stellar/stellar-sdk";
import type { DbOrTx } from "@/db/client";
import { assets, stellarAccounts, type StellarAccount } from "@/db/schema";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { getDistributionAccount, keypairOf, organizationsNeedingSetup, setupOrganizationAccounts } from "@/server/stellar/accounts";
import { loadAccountState, recentLedger } from "@/server/stellar/horizon";
import { failureMessage } from "@/server/stellar/result-codes";
import { claimPayments } from "../../dispatcher/claim-payments";
import type { ClaimCandidate, RailClaimStep, RailPreparation, RailReservation } from "../../payment-rail";
import { buildPaymentTransaction } from "./build-payment-transaction";
import { MAX_OPS_PER_TRANSACTION, type EngineContext } from "./context";
import { reconcileDueTransactions, renewLeases } from "./reconcile-transactions";
import { submitPaymentTransaction } from "./submit-payment-batch";

/** A transaction the claim built, signed and stored: what the lane sends (submit-payment-batch.ts). */
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

export type StellarClaimOptions = {
  /** Lanes of this worker (the recovery looks at as many open transactions at once); default the channel account count. */
  concurrency?: number;
  /** Set up organizations that have work but no channel accounts, every `setupEveryMs` (default 30 s), after `setupAfter`. */
  autoSetup?: boolean;
  setupEveryMs?: number;
  setupAfter?: Promise<unknown>;
};

const CONTRACT_ADDRESS = /^C/;
/** How long after finding every channel out beforeClaim checks for a free one before opening a claim. */
const CHANNELS_OUT_RECHECK_MS = 1_000;

/**
 * The Stellar rail's hooks into the dispatcher's claim (server/rails/dispatcher/claim-payments.ts,
 * docs/rails/dispatcher.md). The dispatcher finds the candidate (a STARTED disbursement × an enabled
 * Stellar connection with READY payments), locks the disbursement FOR SHARE and the connection's next
 * READY payments with a registered Stellar address (FOR UPDATE SKIP LOCKED, file order, up to
 * `maxOpsPerTx`), and moves the ones taken READY → PENDING with the transaction's hash as their
 * rail reference. This step adds what only Stellar knows:
 * - beforeClaim (no transaction open): a Stellar asset and a distribution account (cached); when the
 *   organization's channels were all out at the last claim, one small read that one came back (else
 *   busy); the recent ledger for the bounds (cached across lanes for half a second);
 * - reserve (inside, before payments are locked): a free channel FOR UPDATE SKIP LOCKED (busy when
 *   none; `retry` when its sequence number is unknown: looked up on Horizon with no transaction open,
 *   with up to three more unsequenced free channels);
 * - prepare: contract addresses fail at once (classic payments cannot reach them); memo-less payments
 *   go together (up to 100), else one payment with a memo alone; the fee-bumped envelope is built and
 *   signed, and stored with its hash, its payments in operation order and the channel's lock in one
 *   statement, before anything is sent;
 * - send: the stored envelope through the rail's `submit`, outcomes settled through the writer
 *   (settle-transaction.ts); recover: open transactions whose lease ran out, by their hash
 *   (reconcile-transactions.ts); chores: lease renewal and account set-up.
 */
export function createStellarClaimStep(ctx: EngineContext, options: StellarClaimOptions = {}): RailClaimStep {
  const { config } = ctx;
  const working = (ctx.working ??= new Set<string>());
  const counters = (ctx.counters ??= { settleMs: 0, settled: 0 });
  const maxOps = Math.max(1, Math.min(ctx.maxOpsPerTx, MAX_OPS_PER_TRANSACTION));
  const concurrency = Math.max(1, options.concurrency ?? config.channelAccounts);
  let renewals = 0;
  /** Organizations whose channels were all out at the last look, until when beforeClaim checks first. */
  const channelsOutUntil = new Map<string, number>();
  const freeChannel = (orgId: string) =>
    sql`${stellarAccounts.orgId} = ${orgId} and ${stellarAccounts.network} = ${config.network} and ${stellarAccounts.kind} = 'channel'
        and ${stellarAccounts.activatedAt} is not null and ${stellarAccounts.lockedByTx} is null`;

  const step: RailClaimStep = {
    maxPayments: maxOps,
    defaultConcurrency: config.channelAccounts,
    destinationKinds: ["STELLAR_ADDRESS"],

    async beforeClaim(candidate: ClaimCandidate) {
      const parties = await signingParties(ctx.db, candidate.orgId, config.network, candidate.assetId);
      // Only a Stellar asset travels on Stellar; without a distribution account nothing can be signed yet.
      if (parties && parties.asset.kind !== "STELLAR") return { kind: "skip" };
      if (!parties) return { kind: "busy" };
      // Channels of the organization were all out within the last second (more lanes than channels,
      // several workers): one small read says whether one came back, before a transaction is opened
      // for nothing. Without such contention a claim skips it.
      if ((channelsOutUntil.get(candidate.orgId) ?? 0) > Date.now()) {
        const [channels] = await ctx.db.execute<{ free: number }>(sql`select count(*)::int as free from ${stellarAccounts} where ${freeChannel(candidate.orgId)}`);
        if (!channels || channels.free === 0) {
          channelsOutUntil.set(candidate.orgId, Date.now() + CHANNELS_OUT_RECHECK_MS);
          return { kind: "busy" };
        }
      }
      // Bounds, outside any database transaction (cached across lanes for half a second).
      const ledger = await recentLedger(config.horizonUrl);
      return { kind: "ready", state: ledger.sequence };
    },

    async reserve(tx, candidate): Promise<RailReservation> {
      // A free channel of that organization (never waited for: SKIP LOCKED), before any payment is locked.
      const [channel] = await tx
        .select()
        .from(stellarAccounts)
        .where(freeChannel(candidate.orgId))
        .orderBy(sql`${stellarAccounts.sequence} is null`)
        .limit(1)
        .for("update", { skipLocked: true });
      if (!channel) {
        channelsOutUntil.set(candidate.orgId, Date.now() + CHANNELS_OUT_RECHECK_MS);
        return { kind: "busy" };
      }
      // Its sequence number is unknown (new, or its last transaction expired): looked up after this
      // transaction, with the organization's other free unsequenced channels (up to 4 at once), so
      // each such channel does not cost a claim round.
      if (channel.sequence === null) {
        return {
          kind: "retry",
          outside: async () => {
            const unsequenced = await ctx.db
              .select()
              .from(stellarAccounts)
              .where(sql`${freeChannel(candidate.orgId)} and ${stellarAccounts.sequence} is null`)
              .limit(4);
            await Promise.all([channel, ...unsequenced.filter((c) => c.id !== channel.id).slice(0, 3)].map((c) => loadChannelSequence(ctx, c)));
          },
        };
      }
      return { kind: "reserved", reservation: channel };
    },

    async prepare(tx, { candidate, state, reservation, payments }): Promise<RailPreparation> {
      const channel = reservation as StellarAccount;
      const ledgerSequence = state as number;
      const rows = payments.map((p) => ({ id: p.id, amount: p.amount, address: p.destination!.value, memo: p.destination!.memo }));
      const contracts = rows.filter((r) => CONTRACT_ADDRESS.test(r.address));
      if (contracts.length > 0) {
        const message = `contract_address: ${failureMessage("contract_address", "")}`;
        return { kind: "fail", payments: contracts.map((c) => ({ id: c.id, message })) };
      }
      // Memo-less payments batched, else one with a memo alone (one memo per transaction).
      const plain = rows.filter((r) => r.memo === null);
      const batch = plain.length > 0 ? plain : rows.slice(0, 1);
      const parties = await signingParties(tx, candidate.orgId, config.network, candidate.assetId);
      if (!parties) return { kind: "take", payments: [], message: "", batch: null };

      // Bounds: a short time window and a ledger window, so an unanswered transaction expires soon.
      const maxLedger = ledgerSequence + config.txLedgerWindow;
      const maxTime = Math.floor(Date.now() / 1000) + config.txTimeoutSeconds;
      const memo = batch.length === 1 ? batch[0]!.memo : null;
      const built = buildPaymentTransaction({
        passphrase: config.passphrase,
        baseFee: config.baseFee,
        channel: channelKeypair(channel),
        channelSequence: channel.sequence!,
        distribution: parties.distribution,
        asset: parties.asset,
        payments: batch.map((p) => ({ destination: p.address, amount: p.amount })),
        memo,
        maxTime,
        maxLedger,
      });

      // Persist before anything is sent, in one statement: the transaction (hash, envelope), its
      // payments in operation order, and the channel's lock. The dispatcher's move to PENDING follows.
      const ids = batch.map((p) => p.id);
      const [stored] = await tx.execute<{ id: string }>(sql`
        with stored as (
          insert into stellar_transactions (org_id, network, channel_account_id, asset_id, hash, inner_hash, envelope_xdr, status, sequence,
            max_time, max_ledger, operation_count, next_attempt_at)
          values (${candidate.orgId}, ${config.network}, ${channel.id}, ${parties.asset.id}, ${built.hash}, ${built.innerHash}, ${built.envelopeXdr}, 'BUILT',
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
      const claimed: ClaimedTransaction = {
        id: stored.id,
        orgId: candidate.orgId,
        hash: built.hash,
        envelopeXdr: built.envelopeXdr,
        sequence: built.sequence,
        channelAccountId: channel.id,
        attempts: 0,
        paymentIds: ids,
      };
      // The rail reference is the transaction's hash (stellar_transaction_payments holds each one's operation index).
      return { kind: "take", payments: ids.map((id) => ({ id, reference: built.hash })), message: `transaction ${built.hash}`, batch: claimed };
    },

    async send(batch) {
      const t = batch as ClaimedTransaction;
      working.add(t.id);
      try {
        await submitPaymentTransaction(ctx, t);
      } finally {
        working.delete(t.id);
      }
    },

    recover: () => reconcileDueTransactions(ctx, concurrency),

    chores: [
      // Lease renewal: while this worker works on a transaction, nobody else may take it; once it stops
      // renewing (a crash), the lease runs out within `leaseMs` and another worker's recovery resolves
      // it by its stored hash (reconcile-transactions.ts), never by sending blindly.
      {
        name: "stellar.lease_renewal",
        everyMs: Math.max(50, Math.floor(ctx.leaseMs / 3)),
        async run() {
          if (working.size > 0) renewals += await renewLeases(ctx, [...working]);
        },
      },
      ...(options.autoSetup
        ? [
            {
              name: "stellar.account_setup",
              everyMs: options.setupEveryMs ?? 30_000,
              after: options.setupAfter,
              async run() {
                for (const orgId of await organizationsNeedingSetup(ctx.db, config.network)) {
                  if (ctx.orgIds && !ctx.orgIds.includes(orgId)) continue;
                  await setupOrganizationAccounts(ctx.db, orgId, config, ctx.log);
                }
              },
            },
          ]
        : []),
    ],

    stats: () => ({ renewals, settleMs: Math.round(counters.settleMs), settled: counters.settled }),
  };
  return step;
}

/** Rows that do not change while a worker runs (a distribution account is never replaced; an asset's code and issuer are fixed), kept briefly to save two round trips per claim. */
const SIGNING_CACHE_MS = 30_000;
type SigningParties = { distribution: Keypair; asset: { id: string; code: string; issuer: string; kind: string } };
const signingCache = new Map<string, { at: number; value: Promise<SigningParties | null> }>();

/** The distribution account's keypair and the asset paid (null when the organization has no distribution account on the network). */
function signingParties(tx: DbOrTx, orgId: string, network: string, assetId: string) {
  const key = `${orgId}|${network}|${assetId}`;
  const cached = signingCache.get(key);
  if (cached && Date.now() - cached.at < SIGNING_CACHE_MS) return cached.value;
  const value = (async () => {
    const distribution = await getDistributionAccount(tx, orgId, network);
    const [asset] = await tx.select({ id: assets.id, code: assets.code, issuer: assets.issuer, kind: assets.kind }).from(assets).where(eq(assets.id, assetId));
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

export type ClaimResult = { kind: "built"; transaction: ClaimedTransaction } | { kind: "idle" } | { kind: "busy" };

const oneShotSteps = new WeakMap<EngineContext, { step: RailClaimStep; nothingPayableUntil: Map<string, number> }>();

/**
 * One claim through the dispatcher's claim with this rail's step, outside any lane (tests, tools):
 * a built, signed and stored transaction whose payments are PENDING, to be sent with
 * submitPaymentTransaction — or idle / busy.
 */
export async function claimPaymentBatch(ctx: EngineContext): Promise<ClaimResult> {
  let entry = oneShotSteps.get(ctx);
  if (!entry) {
    entry = { step: createStellarClaimStep(ctx), nothingPayableUntil: new Map() };
    oneShotSteps.set(ctx, entry);
  }
  const claim = await claimPayments({ db: ctx.db, railTypes: ["STELLAR"], orgIds: ctx.orgIds, step: entry.step, nothingPayableUntil: entry.nothingPayableUntil });
  return claim.kind === "claimed" ? { kind: "built", transaction: claim.batch as ClaimedTransaction } : claim;
}
