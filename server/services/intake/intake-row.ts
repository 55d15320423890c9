import type { Destination } from "@/server/domain/destinations";

/**
 * One payment to add to a disbursement, whatever brought it (a CSV line, a G2P `/disburse` item, a
 * Mojaloop phone payee next): who is paid, where, how much (docs/rails/intake.md). Rail-neutral: the
 * destination is a kind + value (+ memo, details), never a rail's own shape.
 */
export type IntakeRow = {
  /** Position in what was sent (CSV line, G2P item index + 1): the payment's `line_number`, and the key of its problems. */
  line: number;
  /**
   * How an existing receiver of the organization is found:
   * - `contact`: by phone number (when given) else e-mail (the SDP flow: the receiver registers a wallet later);
   * - `externalId`: by the receiver's external id (bank-account CSV payees);
   * - `destination`: by whoever holds the destination already (a G2P `stellar:`, `account:` or `iban:` payee).
   */
  match: "contact" | "externalId" | "destination";
  /** The receiver's external id: stored on a new receiver (and on a contact-matched one when the adapter says so). */
  externalId: string;
  phone: string | null;
  email: string | null;
  /** The raw verification value (hashed before it is stored), for disbursements with a verification field. */
  verification: string | null;
  /** Where the payment goes; null: the receiver gives it when registering (SDP invitation flow). */
  destination: Destination | null;
  /** Exact decimal string, already checked at the asset's precision. */
  amount: string;
  /** The sender's own payment id (CSV `paymentID`, G2P `reference_id`): `payments.external_payment_id`. */
  paymentRef: string | null;
  /** Receiver attributes routing rules match; only `region` today. */
  region: string | null;
};

/** Why a row cannot be added; each adapter renders it (CSV: line and field; G2P: `rjct.payee_fa.invalid` on the item). */
export type IntakeProblemCode =
  /** The destination is held by another receiver of the organization. */
  | "DESTINATION_HELD"
  /** The receiver's wallet is registered with another destination and has payments in flight. */
  | "DESTINATION_BUSY"
  /** The verification value differs from the one this receiver confirmed. */
  | "VERIFICATION_MISMATCH";

export type IntakeProblem = { line: number; code: IntakeProblemCode; message: string };

export type IntakeResult =
  | { ok: true; /** The new payments' ids in row order (empty unless asked for). */ paymentIds: string[]; newReceivers: number; newWallets: number; unrouted: number }
  | { ok: false; problems: IntakeProblem[] };
