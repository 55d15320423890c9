import type { Db, DbOrTx } from "@/db/client";
import type { StellarConfig } from "../network";

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
  /** How long a worker owns an open transaction it is working on before another may look at it. */
  leaseMs: number;
  /** Only these organizations (null: all). */
  orgIds: string[] | null;
  /** Port to the disbursement rules (server/services/disbursements/complete-if-done.ts in the worker): completes a disbursement whose payments are all final, inside the settling transaction. */
  completeDisbursementIfDone: CompleteDisbursementIfDone;
};

/** Completes the disbursement when all its payments are final; runs in the caller's transaction. The engine receives it instead of importing services (docs/architecture.md#layers). */
export type CompleteDisbursementIfDone = (tx: DbOrTx, orgId: string, disbursementId: string) => Promise<unknown>;

export const silentLog: EngineLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

export const MAX_OPS_PER_TRANSACTION = 100;
