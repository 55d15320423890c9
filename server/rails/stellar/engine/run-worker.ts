import type { Db } from "@/db/client";
import type { PaymentRail } from "../../payment-rail";
import { organizationsNeedingSetup, setupOrganizationAccounts } from "@/server/stellar/accounts";
import type { StellarConfig } from "@/server/stellar/network";
import { claimPaymentBatch } from "./claim-payment-batch";
import { DEFAULT_LEASE_MS, MAX_OPS_PER_TRANSACTION, silentLog, type CompleteDisbursementIfDone, type EngineContext, type EngineLog } from "./context";
import { reconcileDueTransactions, renewLeases } from "./reconcile-transactions";
import { completeFinishedDisbursements } from "./settle-transaction";
import { submitPaymentTransaction } from "./submit-payment-batch";
import { createStopSignal } from "@/server/stop-signal";

/** How often the reconciler looks for STARTED disbursements with nothing left to pay. */
const COMPLETION_SWEEP_MS = 2_000;

export type WorkerOptions = {
  db: Db;
  config: StellarConfig;
  log?: EngineLog;
  /** Transactions this worker builds and sends at once (default: the channel account count). */
  concurrency?: number;
  /** Payment operations per transaction (default and maximum 100). */
  maxOpsPerTx?: number;
  /** How long an open transaction stays leased to the worker working on it (default 3 s); renewed every third of it while the worker still works on it. */
  leaseMs?: number;
  /** First pause of a lane when there is nothing to do (default 50 ms); doubles while idle up to `idleMaxMs`. */
  idleMs?: number;
  /** Longest pause of an idle lane (default 1 s): bounds how late work that appears is claimed. */
  idleMaxMs?: number;
  /** Claims one worker runs at once (default 2): see DEFAULT_CLAIMERS. */
  claimers?: number;
  /** Only these organizations (default: all). */
  orgIds?: string[] | null;
  /** Set up organizations that have work but no channel accounts, every `setupEveryMs` (default off). */
  autoSetup?: boolean;
  setupEveryMs?: number;
  /** The set-up loop's first round waits for this (the start-up set-up running in the background), so two set-ups never overlap. */
  setupAfter?: Promise<unknown>;
  /** The rail envelopes leave through (default: the Stellar rail on `config`'s network). */
  rail?: PaymentRail;
  /** The port settling uses to complete finished disbursements: pass `completeDisbursementIfDone` from server/services/disbursements/complete-if-done.ts. */
  completeDisbursementIfDone: CompleteDisbursementIfDone;
};

/** Counters of one worker; `claimMs` sums the time of the claims that built a transaction, lock waits included (bench:payments reads it from the stop line). */
export type WorkerStats = { built: number; reconciled: number; errors: number; idlePolls: number; renewals: number; claimMs: number };

/**
 * Claims per worker at once. Claims no longer wait for each other (claim-payment-batch.ts), but on
 * a small machine the build-and-sign of a claim is CPU work: two at a time overlap one claim's
 * database round trips with another's signing without flooding PostgreSQL with open transactions.
 */
export const DEFAULT_CLAIMERS = 2;

export type WorkerHandle = {
  stats: WorkerStats;
  /** Stop claiming; resolves when every loop has finished its current step. */
  stop(): Promise<void>;
};

/**
 * The submission worker: `concurrency` lanes, each claiming a batch (stored and signed before it
 * leaves), submitting it and settling the answer; one reconciler resolving open transactions whose
 * lease ran out. Any number of workers, in any number of processes, share one database.
 */
export function startWorker(options: WorkerOptions): WorkerHandle {
  const log = options.log ?? silentLog;
  const concurrency = Math.max(1, options.concurrency ?? options.config.channelAccounts);
  const idleMs = options.idleMs ?? 50;
  const idleMaxMs = Math.max(idleMs, options.idleMaxMs ?? 1_000);
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const working = new Set<string>();
  const ctx: EngineContext = {
    db: options.db,
    config: options.config,
    log,
    maxOpsPerTx: Math.max(1, Math.min(options.maxOpsPerTx ?? MAX_OPS_PER_TRANSACTION, MAX_OPS_PER_TRANSACTION)),
    leaseMs,
    working,
    orgIds: options.orgIds ?? null,
    completeDisbursementIfDone: options.completeDisbursementIfDone,
    ...(options.rail ? { rail: options.rail } : {}),
    nothingPayableUntil: new Map(),
    counters: { claimMoveMs: 0, settleMs: 0, settled: 0 },
  };
  const stats: WorkerStats = { built: 0, reconciled: 0, errors: 0, idlePolls: 0, renewals: 0, claimMs: 0 };
  const signal = createStopSignal();
  const sleep = (ms: number) => signal.sleep(ms);
  // Idle lanes back off (docs/performance.md, "Claim"); a lane that finds work wakes the others at once.
  const wakers = new Set<() => void>();
  const idleSleep = async (ms: number) => {
    let wake = () => {};
    const woken = new Promise<void>((resolve) => (wake = resolve));
    wakers.add(wake);
    await Promise.race([sleep(ms), woken]);
    wakers.delete(wake);
  };
  const wakeLanes = () => {
    for (const wake of [...wakers]) wake();
    wakers.clear();
  };
  const backoff = (idleRounds: number) => Math.min(idleMs * 2 ** idleRounds, idleMaxMs);
  // At most `claimers` claims at a time per worker: a claim waits for nothing but the totals rows in
  // its last statement, yet twenty lanes that wake at one ledger close would otherwise open twenty
  // transactions at once, each holding its payment and channel locks while the one CPU builds and signs the others.
  const claimers = Math.max(1, options.claimers ?? DEFAULT_CLAIMERS);
  let claimsRunning = 0;
  const claimQueue: (() => void)[] = [];
  const claimOne = async () => {
    if (claimsRunning >= claimers) await new Promise<void>((resolve) => claimQueue.push(resolve));
    else claimsRunning++;
    try {
      const t0 = performance.now();
      const claim = await claimPaymentBatch(ctx);
      if (claim.kind === "built") stats.claimMs += performance.now() - t0;
      return claim;
    } finally {
      const next = claimQueue.shift();
      if (next) next();
      else claimsRunning--;
    }
  };
  const failed = async (where: string, error: unknown, failures: number) => {
    stats.errors++;
    log.warn({ event: "stellar.worker.error", where, error: (error as Error)?.message ?? String(error) }, "worker step failed");
    await sleep(Math.min(idleMs * 2 ** failures, 5_000));
  };

  const lane = async () => {
    let failures = 0;
    let idleRounds = 0;
    let busyRounds = 0;
    while (!signal.stopped) {
      try {
        const claim = await claimOne();
        failures = 0;
        if (claim.kind === "built") {
          stats.built++;
          // New work after a quiet spell: the sibling lanes idling on "nothing to do" look at once.
          if (idleRounds > 0) wakeLanes();
          idleRounds = 0;
          busyRounds = 0;
          working.add(claim.transaction.id);
          try {
            await submitPaymentTransaction(ctx, claim.transaction);
          } finally {
            working.delete(claim.transaction.id);
          }
          continue;
        }
        stats.idlePolls++;
        if (claim.kind === "busy") {
          // Work exists but every channel is out (more lanes than channels, e.g. several workers):
          // wait for one to come back without waking anyone, and without being woken by new work.
          idleRounds = 0;
          await sleep(backoff(busyRounds++));
        } else {
          busyRounds = 0;
          await idleSleep(backoff(idleRounds++));
        }
      } catch (error) {
        await failed("lane", error, ++failures);
      }
    }
  };

  // Lease renewal: while this worker works on a transaction, nobody else may take it; once it stops
  // renewing (a crash), the lease runs out within `leaseMs` and the reconciler of another worker
  // resolves it by its stored hash (reconcile-transactions.ts), never by sending blindly.
  const heartbeat = async () => {
    while (!signal.stopped) {
      await sleep(Math.max(50, Math.floor(leaseMs / 3)));
      if (working.size === 0) continue;
      try {
        stats.renewals += await renewLeases(ctx, [...working]);
      } catch (error) {
        log.warn({ event: "stellar.worker.renew_failed", error: (error as Error)?.message }, "lease renewal failed");
      }
    }
  };

  const reconciler = async () => {
    let failures = 0;
    let idleRounds = 0;
    let sweptAt = 0;
    while (!signal.stopped) {
      try {
        if (Date.now() - sweptAt >= COMPLETION_SWEEP_MS) {
          // A worker that crashed between a settlement and its completion step left a STARTED
          // disbursement with nothing to pay: completed here (a read of the small tables, usually empty).
          sweptAt = Date.now();
          await completeFinishedDisbursements(ctx, null, null);
        }
        const n = await reconcileDueTransactions(ctx, concurrency);
        stats.reconciled += n;
        failures = 0;
        // Capped at half a second: a crashed worker's transactions are looked at soon after its lease ends.
        if (n === 0) await sleep(Math.min(idleMs * 2 ** idleRounds++, 500));
        else {
          // Resolving frees channels and requeues payments: backed-off lanes look again at once.
          idleRounds = 0;
          wakeLanes();
        }
      } catch (error) {
        await failed("reconciler", error, ++failures);
      }
    }
  };

  const setupLoop = async () => {
    const every = options.setupEveryMs ?? 30_000;
    await options.setupAfter?.catch(() => {});
    while (!signal.stopped) {
      try {
        for (const orgId of await organizationsNeedingSetup(ctx.db, ctx.config.network)) {
          if (signal.stopped || (ctx.orgIds && !ctx.orgIds.includes(orgId))) continue;
          await setupOrganizationAccounts(ctx.db, orgId, ctx.config, log);
        }
      } catch (error) {
        stats.errors++;
        log.warn({ event: "stellar.worker.setup_failed", error: (error as Error)?.message }, "account set-up failed");
      }
      await sleep(every);
    }
  };

  const loops = [...Array.from({ length: concurrency }, () => lane()), reconciler(), heartbeat(), ...(options.autoSetup ? [setupLoop()] : [])];
  log.info({ event: "stellar.worker.start", network: ctx.config.network, horizon: ctx.config.horizonUrl, concurrency, max_ops: ctx.maxOpsPerTx }, "worker started");

  let stopped: Promise<void> | null = null;
  return {
    stats,
    stop() {
      stopped ??= (async () => {
        signal.stop();
        await Promise.allSettled(loops);
        const c = ctx.counters!;
        log.info(
          {
            event: "stellar.worker.stop",
            ...stats,
            claimMs: Math.round(stats.claimMs),
            claimMoveMs: Math.round(c.claimMoveMs),
            settleMs: Math.round(c.settleMs),
            settled: c.settled,
          },
          "worker stopped",
        );
      })();
      return stopped;
    },
  };
}
