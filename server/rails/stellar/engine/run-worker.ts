import type { Db, DbOrTx } from "@/db/client";
import type { StellarConfig } from "@/server/stellar/network";
import { startDispatcher } from "../../dispatcher/run-dispatcher";
import { DEFAULT_DISPATCH_LEASE_MS, DEFAULT_DISPATCH_RETRY_MS } from "../../dispatcher/context";
import type { PaymentRail } from "../../payment-rail";
import { createStellarRail } from "../stellar-rail";
import { silentLog, type EngineLog } from "./context";

export type WorkerOptions = {
  db: Db;
  config: StellarConfig;
  log?: EngineLog;
  /** Claim lanes of this worker (default: the channel account count). */
  concurrency?: number;
  /** Payment operations per transaction (default and maximum 100). */
  maxOpsPerTx?: number;
  /** How long an open transaction stays leased to the worker working on it (default 3 s); renewed every third of it while the worker still works on it. */
  leaseMs?: number;
  /** First pause of a lane when there is nothing to do (default 50 ms); doubles while idle up to `idleMaxMs`. */
  idleMs?: number;
  /** Longest pause of an idle lane (default 1 s): bounds how late work that appears is claimed. */
  idleMaxMs?: number;
  /** Claims one worker runs at once (default 2: server/rails/dispatcher/claim-lanes.ts). */
  claimers?: number;
  /** Only these organizations (default: all). */
  orgIds?: string[] | null;
  /** Set up organizations that have work but no channel accounts (default off), after `setupAfter`. */
  autoSetup?: boolean;
  setupAfter?: Promise<unknown>;
  /** The rail envelopes leave through (default: the Stellar rail on `config`'s network). */
  rail?: PaymentRail;
  /** The port completion uses: pass `completeDisbursementIfDone` from server/services/disbursements/complete-if-done.ts. */
  completeDisbursementIfDone: (tx: DbOrTx, orgId: string, disbursementId: string) => Promise<unknown>;
};

/** Counters of one worker; `claimMs` sums the time of the claims that built a transaction, lock waits included. */
export type WorkerStats = { built: number; reconciled: number; errors: number; idlePolls: number; renewals: number; claimMs: number };

export type WorkerHandle = {
  stats: WorkerStats;
  /** Stop claiming; resolves when every loop has finished its current step. */
  stop(): Promise<void>;
};

/**
 * A worker that pays only the Stellar rail, on `config`'s network: the one dispatcher
 * (server/rails/dispatcher/run-dispatcher.ts) with this rail alone — its claim lanes claiming through
 * the dispatcher's claim with the Stellar claim step (claim-payment-batch.ts), sending and settling
 * through the rail, its recovery resolving open transactions by their hash. `npm run worker` starts
 * the dispatcher with every rail; tests and benchmarks that need a Stellar worker on their own ledger
 * start this one. Any number of workers, in any number of processes, share one database.
 */
export function startWorker(options: WorkerOptions): WorkerHandle {
  const log = options.log ?? silentLog;
  const rail = options.rail ?? createStellarRail({ config: () => options.config });
  const dispatcher = startDispatcher(
    {
      db: options.db,
      log,
      workerId: `stellar-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
      leaseMs: DEFAULT_DISPATCH_LEASE_MS,
      retryMs: DEFAULT_DISPATCH_RETRY_MS,
      pollMs: 60_000,
      batchSize: 100,
      orgIds: options.orgIds ?? null,
      railTypes: ["STELLAR"],
      railFor: () => rail,
      openConnection: () => Promise.reject(new Error("a Stellar worker opens no connection")),
      completeDisbursementIfDone: options.completeDisbursementIfDone,
    },
    {
      lanes: {
        concurrency: options.concurrency,
        maxBatchSize: options.maxOpsPerTx,
        leaseMs: options.leaseMs,
        idleMs: options.idleMs,
        idleMaxMs: options.idleMaxMs,
        claimers: options.claimers,
        autoSetup: options.autoSetup,
        setupAfter: options.setupAfter,
      },
    },
  );
  const lanes = dispatcher.lanes[0]!;
  // A live view: tests read the counters while the worker runs.
  const stats: WorkerStats = {
    get built() {
      return lanes.stats.built;
    },
    get reconciled() {
      return lanes.stats.reconciled;
    },
    get errors() {
      return lanes.stats.errors;
    },
    get idlePolls() {
      return lanes.stats.idlePolls;
    },
    get claimMs() {
      return lanes.stats.claimMs;
    },
    get renewals() {
      return Number(lanes.railStats().renewals ?? 0);
    },
  };
  return { stats, stop: () => dispatcher.stop() };
}
