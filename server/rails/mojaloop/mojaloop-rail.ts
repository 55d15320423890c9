import { currencyDecimals } from "@/server/domain/currencies";
import { checkMsisdn } from "@/server/domain/destinations";
import { MOJALOOP_MAX_BULK_ITEMS } from "@/server/domain/mojaloop";
import { describeFspiopError } from "./fspiop-errors";
import type { MojaloopSettings } from "@/server/schemas/connections.schema";
import type { DestinationCheck, PaymentRail, RailCapabilities, RailConnection, RailHealth } from "../payment-rail";

/**
 * The Mojaloop rail (docs/rails/mojaloop-connections.md): phone-number payees paid through a Mojaloop
 * switch over FSPIOP 1.1, this platform acting as the payer DFSP. What needs no switch is here now —
 * destinations, capabilities, failure codes in plain words; the FSPIOP client (party lookup, bulk
 * quotes and transfers, callbacks) is wired to checkHealth, submit and lookup later, and until then
 * MOJALOOP stays out of DISPATCHED_RAILS (server/domain/rails.ts): a start routed here is refused.
 */

export const MOJALOOP_NOT_WIRED = "The Mojaloop rail is not wired to the dispatcher yet";

function settingsOf(connection: RailConnection): MojaloopSettings {
  return connection.settings as MojaloopSettings;
}

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

  /** Not checked yet: the connection's health stays UNKNOWN (a switch that is never asked is not unhealthy). */
  async checkHealth(connection): Promise<RailHealth> {
    const settings = settingsOf(connection);
    const party = settings.testParty ? `the test party ${settings.testParty.type} ${settings.testParty.identifier}` : "a party";
    return {
      healthy: false,
      unknown: true,
      message: `${MOJALOOP_NOT_WIRED}, so it cannot look up ${party} at ${settings.baseUrl}; the health stays unknown.`,
    };
  },

  async checkFunds() {
    throw new Error(`${MOJALOOP_NOT_WIRED}: funds at the switch cannot be checked.`);
  },

  async submit(connection) {
    throw new Error(`${MOJALOOP_NOT_WIRED}: ${connection.name} cannot send payments.`);
  },

  async lookup(connection) {
    throw new Error(`${MOJALOOP_NOT_WIRED}: ${connection.name} cannot look payments up.`);
  },

  describeFailure: (code) => describeFspiopError(code),
};
