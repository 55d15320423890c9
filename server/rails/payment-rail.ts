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
  /** The network has no record of it: safe to submit again. */
  | { paymentId: string; status: "UNKNOWN" };

export type FundsCheck = { available: string; sufficient: boolean; message?: string };
export type FundsBlock = { blocked: boolean; reference?: string; message?: string };

export type RailHealth = { healthy: boolean; message: string };

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
  /** Send a batch; answers one outcome per payment. Idempotent on each payment's reference. */
  submit(connection: RailConnection, batch: { reference: string; fundsBlockReference?: string | null; payments: RailPayment[] }): Promise<RailOutcome[]>;
  /** Ask the network what became of payments already submitted (crash recovery, polling). */
  lookup(connection: RailConnection, payments: Pick<RailPayment, "paymentId" | "reference">[]): Promise<RailOutcome[]>;
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
