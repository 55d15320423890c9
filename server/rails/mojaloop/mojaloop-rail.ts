import { randomUUID } from "node:crypto";
import { currencyDecimals } from "@/server/domain/currencies";
import { checkMsisdn } from "@/server/domain/destinations";
import { MOJALOOP_MAX_BULK_ITEMS } from "@/server/domain/mojaloop";
import { advanceMojaloopBatch } from "./advance-batch";
import { checkMojaloopHealth } from "./check-health";
import { describeFspiopError } from "./fspiop-errors";
import type { DestinationCheck, PaymentRail, RailCapabilities } from "../payment-rail";

/**
 * The Mojaloop rail (docs/rails/mojaloop-connections.md, docs/rails/mojaloop.md "The rail"): phone-number
 * payees paid through a Mojaloop switch over FSPIOP 1.1, this platform acting as the payer DFSP. The
 * dispatcher claims its payments into stored batches (each payment's rail reference is its FSPIOP
 * transfer id, `paymentReference`) and hands each leased batch to `advanceBatch` (advance-batch.ts:
 * party lookups, bulk quotes, bulk transfers); the switch's callbacks are applied by apply-callback.ts.
 * FSPIOP is asynchronous, so the port's one-shot `submit` and `lookup` are not how this rail pays.
 */

/** Why `submit`/`lookup`/`checkFunds` are not used by this rail (the dispatcher calls `advanceBatch` instead). */
export const MOJALOOP_BATCH_STEPS =
  "Mojaloop payments are paid by the rail's batch steps (bulk quotes, then bulk transfers, answered by callbacks: server/rails/mojaloop/advance-batch.ts)";

/** What a payment's destination must be on a switch: a phone number (MSISDN), E.164 with its +. */
export function checkMojaloopDestination(destination: { kind: string; value: string }): DestinationCheck {
  if (destination.kind !== "MSISDN") {
    return {
      ok: false,
      field: "destination",
      message: `A Mojaloop connection pays phone numbers (MSISDN), not ${destination.kind.toLowerCase().replace(/_/g, " ")}s.`,
    };
  }
  const phone = checkMsisdn(destination.value, "phone");
  if (!phone.ok) return { ok: false, field: "phone", message: phone.message };
  return { ok: true, destination: { kind: "MSISDN", value: phone.value, memo: null, details: null } };
}

export const mojaloopRail: PaymentRail = {
  type: "MOJALOOP",

  capabilities(): RailCapabilities {
    return {
      // FSPIOP caps a bulk quote and a bulk transfer at 1,000 items (server/domain/mojaloop.ts).
      maxBatchSize: MOJALOOP_MAX_BULK_ITEMS,
      destinationKinds: ["MSISDN"],
      decimalsFor: (currency) => currencyDecimals(currency),
      // Each transfer's outcome arrives by the switch's PUT callback (or a GET /transfers after a timeout).
      settlement: "CALLBACK",
      blocksFunds: false,
    };
  },

  checkDestination: checkMojaloopDestination,

  /** Test connection: a party lookup of the connection's test party, answered by the switch's callback (check-health.ts). */
  checkHealth: (connection) => checkMojaloopHealth(connection),

  /** A switch has no balance query: our FSP's liquidity is checked by the switch per transfer (4001 when short). */
  async checkFunds() {
    throw new Error(`${MOJALOOP_BATCH_STEPS}; a Mojaloop switch has no funds check — each transfer is refused with 4001 when our FSP's liquidity is short.`);
  },

  /** Not used: one request cannot carry an FSPIOP payment (quote then transfer, each answered by a callback). */
  async submit(connection) {
    throw new Error(`${MOJALOOP_BATCH_STEPS}; ${connection.name} cannot send payments in one call.`);
  },

  /** Not used: a transfer's state arrives by callback (GET /bulkTransfers/{id} asks for it again: advance-batch.ts). */
  async lookup(connection) {
    throw new Error(`${MOJALOOP_BATCH_STEPS}; ${connection.name} cannot look payments up in one call.`);
  },

  /** The FSPIOP transfer id: a fresh UUID, stored with the payment's move to PENDING before anything is sent, never reused. */
  paymentReference: () => randomUUID(),

  advanceBatch: (step) => advanceMojaloopBatch(step),

  describeFailure: (code) => describeFspiopError(code),
};
