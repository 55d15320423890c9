import type { Db, DbOrTx } from "@/db/client";
import type { RailType } from "@/server/domain/rails";
import type { PaymentRail, RailConnection } from "../payment-rail";

export type DispatcherLog = {
  info: (obj: object, msg?: string) => void;
  warn: (obj: object, msg?: string) => void;
  error: (obj: object, msg?: string) => void;
  debug?: (obj: object, msg?: string) => void;
};

/**
 * What the dispatcher needs (docs/rails.md "Dispatcher"). The rails, the connections' decrypted
 * credentials and the disbursement rules come in as ports, so this folder imports no service.
 */
export type DispatcherContext = {
  db: Db;
  log: DispatcherLog;
  /** This worker's name in leases. */
  workerId: string;
  /** How long a worker owns a batch it is shipping; another takes over (by asking the bank) after it. */
  leaseMs: number;
  /** Most payments in one stored batch (one pain.001 or one initiate_payment call). */
  batchSize: number;
  /** Delay before a batch is tried again after funds were short or the bank did not answer. */
  retryMs: number;
  /** Only these organizations (null: all), like the engine's WORKER_ORG_IDS. */
  orgIds?: readonly string[] | null;
  /** How often a shipped batch's pending payments are looked up at the bank (refusals never reach a statement). */
  pollMs: number;
  /** Rails this dispatcher pays (a rail with a `claimStep`, Stellar, gets claim lanes; the others stored batches: run-dispatcher.ts). */
  railTypes: readonly RailType[];
  railFor(type: RailType): PaymentRail;
  /** A connection with its credentials opened (server/services/connections/open-rail-connection.ts in the worker). */
  openConnection(orgId: string, connectionId: string): Promise<RailConnection>;
  completeDisbursementIfDone(tx: DbOrTx, orgId: string, disbursementId: string): Promise<unknown>;
};

export const DEFAULT_DISPATCH_LEASE_MS = 60_000;
export const DEFAULT_DISPATCH_RETRY_MS = 30_000;
export const silentDispatcherLog: DispatcherLog = { info: () => {}, warn: () => {}, error: () => {} };
