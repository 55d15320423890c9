import type { Db } from "@/db/client";
import type { StellarConfig } from "@/server/stellar/network";
import type { PaymentRail } from "../../payment-rail";

export type EngineLog = {
  info: (obj: object, msg?: string) => void;
  warn: (obj: object, msg?: string) => void;
  error: (obj: object, msg?: string) => void;
  debug: (obj: object, msg?: string) => void;
};

/** What every engine step needs. */
export type EngineContext = {
  db: Db;
  config: StellarConfig;
  log: EngineLog;
  /** Payment operations per transaction (1–100). */
  maxOpsPerTx: number;
  /** How long a worker owns an open transaction it is working on before another may look at it (renewed while it works). */
  leaseMs: number;
  /** Open transactions this worker is working on right now: their leases are renewed (claim-payment-batch.ts, chores). */
  working?: Set<string>;
  /** Only these organizations (null: all). */
  orgIds: readonly string[] | null;
  /** Settlement time (reported in the dispatcher's stop line through the claim step's stats). */
  counters?: EngineCounters;
  /** The rail envelopes leave through (default: the Stellar rail on `config`'s network; submit-payment-batch.ts). */
  rail?: PaymentRail;
  /**
   * The dispatcher's completion (server/rails/dispatcher/complete-disbursements.ts, through
   * completeDisbursementIfDone): after a settlement committed, completes those of its disbursements
   * whose payments are all final.
   */
  completeFinished(orgId: string, disbursementIds: readonly string[]): Promise<unknown>;
};

/** `settleMs`/`settled`: the settlement transactions of landed transactions, from their first statement to their commit. */
export type EngineCounters = { settleMs: number; settled: number };

export const silentLog: EngineLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

export const MAX_OPS_PER_TRANSACTION = 100;

/** Default lease of an open transaction: short, because a live worker renews it every third (docs/performance.md, "Worker liveness"). */
export const DEFAULT_LEASE_MS = 3_000;
