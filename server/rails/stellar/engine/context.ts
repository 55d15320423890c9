import type { Db, DbOrTx } from "@/db/client";
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
  /** Open transactions this worker is working on right now: their leases are renewed (run-worker.ts). */
  working?: Set<string>;
  /** Only these organizations (null: all). */
  orgIds: string[] | null;
  /**
   * Disbursements whose READY payments were all unpayable at the last look (wallets not registered
   * yet), with when to look again: skipped by the claim meanwhile, so they never block the
   * disbursements behind them (claim-payment-batch.ts).
   */
  nothingPayableUntil?: Map<string, number>;
  /** Time spent where engine steps meet each other (run-worker.ts reports them in its stop line). */
  counters?: EngineCounters;
  /** The rail envelopes leave through (default: the Stellar rail on `config`'s network; submit-payment-batch.ts). */
  rail?: PaymentRail;
  /** Port to the disbursement rules (server/services/disbursements/complete-if-done.ts in the worker): completes a disbursement whose payments are all final, inside the settling transaction. */
  completeDisbursementIfDone: CompleteDisbursementIfDone;
};

/**
 * `claimMoveMs`: the claims' last statement (READY → PENDING), which is where a claim waits for the
 * other claims and settlements of its disbursement (their totals rows); `settleMs`/`settled`: the
 * settlement transactions of landed transactions, from their first statement to their commit.
 */
export type EngineCounters = { claimMoveMs: number; settleMs: number; settled: number };

/** Completes the disbursement when all its payments are final; runs in the caller's transaction. The engine receives it instead of importing services (docs/architecture.md#layers). */
export type CompleteDisbursementIfDone = (tx: DbOrTx, orgId: string, disbursementId: string) => Promise<unknown>;

export const silentLog: EngineLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

export const MAX_OPS_PER_TRANSACTION = 100;

/** Default lease of an open transaction: short, because a live worker renews it every third (docs/performance.md, "Worker liveness"). */
export const DEFAULT_LEASE_MS = 3_000;

/** How long a disbursement with nothing payable is skipped before the claim looks at it again. */
export const NOTHING_PAYABLE_RECHECK_MS = 1_000;
