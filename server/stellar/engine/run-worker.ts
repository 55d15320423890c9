import type { Db } from "@/db/client";
import { organizationsNeedingSetup, setupOrganizationAccounts } from "../accounts";
import type { StellarConfig } from "../network";
import { claimPaymentBatch } from "./claim-payment-batch";
import { MAX_OPS_PER_TRANSACTION, silentLog, type CompleteDisbursementIfDone, type EngineContext, type EngineLog } from "./context";
import { reconcileDueTransactions } from "./reconcile-transactions";
import { submitPaymentTransaction } from "./submit-payment-batch";
import { createStopSignal } from "@/server/stop-signal";

export type WorkerOptions = {
  db: Db;
  config: StellarConfig;
  log?: EngineLog;
  /** Transactions this worker builds and sends at once (default: the channel account count). */
  concurrency?: number;
  /** Payment operations per transaction (default and maximum 100). */
  maxOpsPerTx?: number;
  /** How long an open transaction stays leased to the worker working on it (default 15 s). */
  leaseMs?: number;
  /** Pause between polls when there is nothing to do (default 250 ms). */
  idleMs?: number;
  /** Only these organizations (default: all). */
  orgIds?: string[] | null;
  /** Set up organizations that have work but no channel accounts, every `setupEveryMs` (default off). */
  autoSetup?: boolean;
  setupEveryMs?: number;
  /** The port settling uses to complete finished disbursements: pass `completeDisbursementIfDone` from server/services/disbursements/complete-if-done.ts. */
  completeDisbursementIfDone: CompleteDisbursementIfDone;
};

export type WorkerStats = { built: number; reconciled: number; errors: number };

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
  const idleMs = options.idleMs ?? 250;
  const ctx: EngineContext = {
    db: options.db,
    config: options.config,
    log,
    maxOpsPerTx: Math.max(1, Math.min(options.maxOpsPerTx ?? MAX_OPS_PER_TRANSACTION, MAX_OPS_PER_TRANSACTION)),
    leaseMs: options.leaseMs ?? 15_000,
    orgIds: options.orgIds ?? null,
    completeDisbursementIfDone: options.completeDisbursementIfDone,
  };
  const stats: WorkerStats = { built: 0, reconciled: 0, errors: 0 };
  const signal = createStopSignal();
  const sleep = (ms: number) => signal.sleep(ms);
  const failed = async (where: string, error: unknown, failures: number) => {
    stats.errors++;
    log.warn({ event: "stellar.worker.error", where, error: (error as Error)?.message ?? String(error) }, "worker step failed");
    await sleep(Math.min(idleMs * 2 ** failures, 5_000));
  };

  const lane = async () => {
    let failures = 0;
    while (!signal.stopped) {
      try {
        const claim = await claimPaymentBatch(ctx);
        failures = 0;
        if (claim.kind === "built") {
          stats.built++;
          await submitPaymentTransaction(ctx, claim.transaction);
          continue;
        }
        await sleep(idleMs);
      } catch (error) {
        await failed("lane", error, ++failures);
      }
    }
  };

  const reconciler = async () => {
    let failures = 0;
    while (!signal.stopped) {
      try {
        const n = await reconcileDueTransactions(ctx, concurrency);
        stats.reconciled += n;
        failures = 0;
        if (n === 0) await sleep(idleMs);
      } catch (error) {
        await failed("reconciler", error, ++failures);
      }
    }
  };

  const setupLoop = async () => {
    const every = options.setupEveryMs ?? 30_000;
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

  const loops = [...Array.from({ length: concurrency }, () => lane()), reconciler(), ...(options.autoSetup ? [setupLoop()] : [])];
  log.info({ event: "stellar.worker.start", network: ctx.config.network, horizon: ctx.config.horizonUrl, concurrency, max_ops: ctx.maxOpsPerTx }, "worker started");

  let stopped: Promise<void> | null = null;
  return {
    stats,
    stop() {
      stopped ??= (async () => {
        signal.stop();
        await Promise.allSettled(loops);
        log.info({ event: "stellar.worker.stop", ...stats }, "worker stopped");
      })();
      return stopped;
    },
  };
}
