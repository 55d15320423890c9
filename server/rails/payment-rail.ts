import type { Db, DbOrTx } from "@/db/client";
import type { RailBatch } from "@/db/schema";
import type { DestinationKind, RailBatchStatus, RailType } from "@/server/domain/rails";

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
 * What `submit` sends: a batch the rail turns into its message now, or — for a rail with `claimStep` —
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
   * Optional: the rail's hooks into the dispatcher's claim, for rails that settle synchronously and
   * must do rail work INSIDE the claim's database transaction (Stellar: a free channel account SKIP
   * LOCKED, a fee-bumped envelope built and signed for its sequence number, its hash stored before
   * anything is sent). The dispatcher owns the claim (server/rails/dispatcher/claim-payments.ts): the
   * candidate, the disbursement lock, the READY payments of one connection FOR UPDATE SKIP LOCKED in
   * file order, the move READY → PENDING with each payment's reference, and completion; it calls
   * these hooks in between and, after the commit, `send` (docs/rails/dispatcher.md). Rails without it
   * are claimed by the dispatcher into stored batches (claim-rail-batch.ts) and shipped by its loop.
   */
  claimStep?(ctx: RailClaimContext): RailClaimStep;
  /**
   * Optional, for rails whose stored batch goes through several remote phases the rail itself owns
   * (Mojaloop: party lookups, bulk quotes, bulk transfers, each answered by callbacks). The
   * dispatcher's stored-batch loop (ship-rail-batch.ts) leases the batch and calls this instead of
   * its funds → shipment → lookup steps; the rail moves the batch as far as it goes now and stores
   * every step through `step.store` (fenced on the lease, see RailBatchStep) before each remote call.
   */
  advanceBatch?(step: RailBatchStep): Promise<void>;
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

/** A change of a stored batch a rail's `advanceBatch` writes (rail_batches). */
export type RailBatchChange = { status?: RailBatchStatus; message?: string | null; nextAttemptAt?: Date };

/** What the dispatcher hands a rail's `advanceBatch`: one leased batch. */
export type RailBatchStep = {
  db: Db;
  log: RailClaimContext["log"];
  /** The batch as leased (its status when the step began). */
  batch: RailBatch;
  connection: RailConnection;
  /**
   * Store a change of the batch and renew this worker's lease, in `tx` (the batch row is locked until
   * it commits: store first, then the rail's rows). Fenced: when another worker has taken the batch
   * over, nothing is written and it throws — the dispatcher then ends the step; the rail lets it
   * through. `release`: end the step (the lease is given up); with `nextAttemptAt` the earlier of it
   * and a wake-up stored meanwhile (a callback's `next_attempt_at = now()`) is kept.
   */
  store(tx: DbOrTx, change: RailBatchChange, options?: { release?: boolean }): Promise<void>;
  /** The dispatcher's completion rule (server/services/disbursements/complete-if-done.ts in the worker), inside a transaction that moved payments. */
  completeDisbursementIfDone(tx: DbOrTx, orgId: string, disbursementId: string): Promise<unknown>;
};

/** The disbursement × connection a claim works on (a STARTED disbursement with READY payments routed to an enabled connection of the rail). */
export type ClaimCandidate = { disbursementId: string; orgId: string; connectionId: string; railType: RailType; assetId: string };

/** A READY payment the claim locked for the rail (its receiver wallet's destination). */
export type ClaimablePayment = { id: string; amount: string; destination: { kind: DestinationKind; value: string; memo: string | null } | null };

/**
 * Outside any transaction, before a claim of this candidate (remote reads belong here: Stellar's
 * recent ledger). `busy`: the rail cannot take more of this
 * candidate now (no free channel); `skip`: nothing of it is payable by this rail for now.
 */
export type RailClaimStart = { kind: "busy" } | { kind: "skip" } | { kind: "ready"; state?: unknown };

/**
 * Inside the claim's transaction, after the disbursement lock and BEFORE payments are locked: what
 * the rail holds for this claim (Stellar: a free channel account FOR UPDATE SKIP LOCKED). `retry`:
 * roll back, run `outside` (remote, no transaction open) and claim again.
 */
export type RailReservation = { kind: "busy" } | { kind: "skip" } | { kind: "retry"; outside(): Promise<void> } | { kind: "reserved"; reservation?: unknown };

/**
 * Inside the same transaction, with the locked payments: `take` the ones this claim sends (the rest
 * stay READY and unlocked at commit), having stored what will be sent, with each one's rail
 * reference; or `fail` payments the rail can never pay (Stellar: contract addresses), committed on
 * their own, after which the dispatcher claims again at once.
 */
export type RailPreparation =
  | {
      kind: "take";
      payments: { id: string; reference: string }[];
      /** The status message of the move to PENDING. */
      message: string;
      /** What `send` receives after the commit. */
      batch: unknown;
      /** The stored batch that ships them (rail_batches), written with the move. */
      railBatchId?: string;
      /** Merged into each payment's rail_details with the move. */
      details?: Record<string, unknown>;
    }
  | { kind: "fail"; payments: { id: string; message: string }[] };

/** A rail's hooks into the dispatcher's claim lanes (PaymentRail.claimStep); `batch` is whatever `prepare` returned. */
export interface RailClaimStep {
  /** Most payments one claim locks and hands to `prepare`. */
  readonly maxPayments: number;
  /** Claim lanes per worker when the worker's settings name none (Stellar: its channel accounts). */
  readonly defaultConcurrency: number;
  /** When set: only payments whose receiver wallet is REGISTERED with a destination of these kinds are claimed. */
  readonly destinationKinds?: readonly DestinationKind[];
  beforeClaim?(candidate: ClaimCandidate): Promise<RailClaimStart>;
  reserve?(tx: DbOrTx, candidate: ClaimCandidate, state: unknown): Promise<RailReservation>;
  prepare(tx: DbOrTx, claim: { candidate: ClaimCandidate; state: unknown; reservation: unknown; payments: ClaimablePayment[] }): Promise<RailPreparation>;
  /** After the claim committed: send the batch through the rail's `submit` and settle its outcomes through the payment status writer. */
  send(batch: unknown): Promise<void>;
  /** Resolve what a crashed or unanswered worker left open (by its stored reference, through `lookup`); how many were looked at. */
  recover?(): Promise<number>;
  /** Periodic rail chores the dispatcher runs beside the lanes (lease renewal, account set-up). */
  readonly chores?: readonly { name: string; everyMs: number; after?: Promise<unknown>; run(): Promise<unknown> }[];
  /** Counters added to the dispatcher's stop line. */
  stats?(): Record<string, number>;
}

/** What the dispatcher hands a rail's claim step. */
export type RailClaimContext = {
  db: Db;
  log: {
    info: (obj: object, msg?: string) => void;
    warn: (obj: object, msg?: string) => void;
    error: (obj: object, msg?: string) => void;
    debug?: (obj: object, msg?: string) => void;
  };
  /** Only these organizations (null: all). */
  orgIds: readonly string[] | null;
  /** Complete those of these disbursements whose payments are all final (the dispatcher's, through completeDisbursementIfDone), after a settlement committed. */
  completeFinished(orgId: string, disbursementIds: readonly string[]): Promise<unknown>;
  /** The worker's settings (WORKER_* in server/config/schema.ts); unset ones take the rail's defaults. */
  settings: {
    /** Claim lanes of this worker. */
    concurrency?: number;
    maxBatchSize?: number;
    leaseMs?: number;
    /** Set up the rail's accounts for organizations that need them, after `setupAfter`. */
    autoSetup?: boolean;
    setupAfter?: Promise<unknown>;
  };
};
