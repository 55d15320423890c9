import type { Db } from "@/db/client";
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
};

export const silentLog: EngineLog = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} };

export const MAX_OPS_PER_TRANSACTION = 100;
