import type { Db, DbOrTx } from "@/db/client";
import type { DestinationKind, RailType } from "@/server/domain/rails";

/**
 * The seam between the platform and a payment network (docs/rails.md). Each rail lives in its own
 * folder under server/rails/<rail>/ and is the only code that knows its protocol; the dispatcher,
 * services and pages speak only this interface. Rails never run inside a database transaction: the
 * dispatcher stores each payment's rail reference before `submit` and asks `lookup` after a crash
 * instead of sending again.
 */

/** A connection as a rail sees it: its settings, its decrypted credentials and its currency names. */
export type RailConnection = {
  id: string;
  orgId: string;
  railType: RailType;
  name: string;
  settings: Record<string, unknown>;
  /** Decrypted only in the worker or the service that calls the rail; never logged or sent to a browser. */
  credentials: Record<string, string>;
  /** Asset id → the rail's currency or asset name. */
  currencyFor(assetId: string): string | undefined;
  /** Field templates the rail fills per payment (FIELD_MAPPING_FIELDS in server/schemas/connections.schema.ts). */
  fieldMapping: Readonly<Record<string, string>>;
};

export type Destination = {
  kind: DestinationKind;
  /** Canonical form (see normaliseDestination). */
  value: string;
  memo?: string | null;
  details?: { bankCode?: string; bic?: string; branch?: string; holderName?: string } | null;
};

export type DestinationCheck = { ok: true; destination: Destination } | { ok: false; field: string; message: string };

/** One payment handed to a rail. `reference` was stored on the payment before the call. */
export type RailPayment = {
  paymentId: string;
  reference: string;
  /** Exact decimal string with at most the currency's decimals. */
  amount: string;
  assetId: string;
  currency: string;
  decimals: number;
  destination: Destination;
  /** The receiver's name where the rail needs one (bank transfers). */
  payeeName?: string | null;
};

/** What the network said about one payment. PENDING: accepted, the final answer comes later. */
export type RailOutcome =
  | { paymentId: string; status: "SUCCESS"; details?: Record<string, unknown> }
  | { paymentId: string; status: "PENDING"; details?: Record<string, unknown> }
  | { paymentId: string; status: "FAILED"; code: string; message: string; details?: Record<string, unknown> }
  /** The network has no record of paying it and never will (not received, or its batch can no longer land): safe to pay again. */
  | { paymentId: string; status: "UNKNOWN"; details?: Record<string, unknown> };

/**
 * What `submit` sends: a batch the rail turns into its message now, or — for a rail with `startLanes` —
 * a batch it prepared and stored inside the claim's transaction, whose `payload` (a signed Stellar
 * envelope) is sent byte for byte and whose payments only name themselves.
 */
export type RailSubmission =
  | { reference: string; fundsBlockReference?: string | null; payments: RailPayment[] }
  | { reference: string; payload: string; payments: Pick<RailPayment, "paymentId" | "reference">[] };

export type FundsCheck = { available: string; sufficient: boolean; message?: string };
export type FundsBlock = { blocked: boolean; reference?: string; message?: string };

/** `unknown`: the rail cannot tell (not wired yet); the connection's health stays UNKNOWN rather than UNHEALTHY. */
export type RailHealth = { healthy: boolean; message: string; unknown?: boolean };

export type RailCapabilities = {
  /** Most payments one submit call carries. */
  maxBatchSize: number;
  destinationKinds: readonly DestinationKind[];
  /** Decimals the rail accepts for a currency, when it limits them. */
  decimalsFor(currency: string): number | undefined;
  /** How final outcomes arrive: in submit's answer, by a callback from the network, or by a statement. */
  settlement: "SYNCHRONOUS" | "CALLBACK" | "STATEMENT";
  /** Whether funds can be blocked (reserved) before shipping. */
  blocksFunds: boolean;
};

export interface PaymentRail {
  readonly type: RailType;
  capabilities(connection: RailConnection): RailCapabilities;
  /** Validate and normalise a destination for this rail (a clear message naming the field). */
  checkDestination(destination: Destination): DestinationCheck;
  checkHealth(connection: RailConnection): Promise<RailHealth>;
  checkFunds(connection: RailConnection, currency: string, amount: string): Promise<FundsCheck>;
  blockFunds?(connection: RailConnection, currency: string, amount: string, reference: string): Promise<FundsBlock>;
  /** Send a batch; answers one outcome per payment, in the order given. Idempotent on each payment's reference. */
  submit(connection: RailConnection, batch: RailSubmission): Promise<RailOutcome[]>;
  /**
   * Ask the network what became of payments already submitted (crash recovery, polling), one outcome
   * per payment: SUCCESS / FAILED when final, PENDING while it may still land, UNKNOWN when the network
   * has no record of it and never will (safe to pay again). `batch`: the stored batch they went out in,
   * for rails that look up by batch (Stellar: the transaction hash, and the envelope's bounds).
   */
  lookup(
    connection: RailConnection,
    payments: Pick<RailPayment, "paymentId" | "reference">[],
    batch?: { reference: string; payload?: string | null },
  ): Promise<RailOutcome[]>;
  /**
   * The reference a payment gets when it is claimed, stored with its move to PENDING before anything
   * is sent (a bank: the pain.001 EndToEndId). Rails without it use the batch's reference.
   */
  paymentReference?(paymentId: string): string;
  /**
   * Optional step for rails that settle synchronously and must do rail work INSIDE the claim's
   * database transaction — take a free channel account (SKIP LOCKED), build and sign the envelope
   * for its sequence number, store the transaction's hash before anything is sent (Stellar). Such a
   * rail claims with its own lanes, started by the dispatcher with the shared ports (run-dispatcher.ts);
   * the lanes claim only payments routed to an enabled connection of this rail, move them through the
   * payment status writer, send through this rail's `submit`, recover through its `lookup`, and
   * complete disbursements through `completeDisbursementIfDone`. Rails without it are claimed into
   * stored batches by the dispatcher itself (claim-rail-batch.ts).
   */
  startLanes?(ctx: RailLanesContext): RailLanes;
  /**
   * Rails whose network takes files (a bank's portal): the shipment file of a batch, for staff to
   * download and upload themselves (a pain.001 for banks).
   */
  shipmentFile?(
    connection: RailConnection,
    batch: { reference: string; createdAt: Date; payments: RailPayment[] },
  ): { fileName: string; contentType: string; content: string };
  /** A failure code of this rail in plain words. */
  describeFailure(code: string): string;
}

/** What the dispatcher hands a rail that runs its own claim lanes (`PaymentRail.startLanes`). */
export type RailLanesContext = {
  db: Db;
  log: {
    info: (obj: object, msg?: string) => void;
    warn: (obj: object, msg?: string) => void;
    error: (obj: object, msg?: string) => void;
    debug?: (obj: object, msg?: string) => void;
  };
  /** Only these organizations (null: all). */
  orgIds: readonly string[] | null;
  /** Port to the disbursement rules (server/services/disbursements/complete-if-done.ts in the worker). */
  completeDisbursementIfDone: (tx: DbOrTx, orgId: string, disbursementId: string) => Promise<unknown>;
  /** The worker's lane settings (WORKER_* in server/config/schema.ts); unset ones take the rail's defaults. */
  lanes: {
    concurrency?: number;
    maxBatchSize?: number;
    leaseMs?: number;
    idleMs?: number;
    idleMaxMs?: number;
    /** Set up the rail's accounts for organizations that need them, after `setupAfter`. */
    autoSetup?: boolean;
    setupAfter?: Promise<unknown>;
  };
};

export type RailLanes = { stop(): Promise<void> };
