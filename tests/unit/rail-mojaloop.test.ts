import { describe, expect, it } from "vitest";
import { railFor } from "@/server/rails/registry";
import type { RailConnection } from "@/server/rails/payment-rail";

/**
 * The Mojaloop rail on the PaymentRail port before its FSPIOP client is wired
 * (server/rails/mojaloop/mojaloop-rail.ts, docs/rails/mojaloop-connections.md).
 */

const rail = railFor("MOJALOOP");
const connection: RailConnection = {
  id: "00000000-0000-4000-8000-000000000001",
  orgId: "00000000-0000-4000-8000-000000000002",
  railType: "MOJALOOP",
  name: "Switch",
  settings: { baseUrl: "https://switch.example.org", fspId: "payer", callbackAllowlist: ["10.0.0.5"], testParty: { type: "MSISDN", identifier: "+254712345678" } },
  credentials: {},
  currencyFor: () => "KES",
  fieldMapping: {},
};

describe("the Mojaloop rail", () => {
  it("pays MSISDN destinations, normalised to E.164 with +, naming the field otherwise", () => {
    expect(rail.checkDestination({ kind: "MSISDN", value: "+254 712-345678" })).toEqual({
      ok: true,
      destination: { kind: "MSISDN", value: "+254712345678", memo: null, details: null },
    });
    expect(rail.checkDestination({ kind: "MSISDN", value: "0712345678" })).toEqual({
      ok: false,
      field: "phone",
      message: "phone is not a valid phone number in international format (+<country code><number>)",
    });
    expect(rail.checkDestination({ kind: "IBAN", value: "DE89370400440532013000" })).toEqual({
      ok: false,
      field: "destination",
      message: "A Mojaloop connection pays phone numbers (MSISDN), not ibans.",
    });
  });

  it("capabilities: bulks of 1,000, MSISDN, settled by callback, ISO decimals, no funds block", () => {
    const c = rail.capabilities(connection);
    expect(c).toMatchObject({ maxBatchSize: 1000, destinationKinds: ["MSISDN"], settlement: "CALLBACK", blocksFunds: false });
    expect([c.decimalsFor("KES"), c.decimalsFor("ugx"), c.decimalsFor("KWD"), c.decimalsFor("XXZ")]).toEqual([2, 0, 3, undefined]);
  });

  it("describes FSPIOP error codes in plain words, and any other code by its number", () => {
    expect(rail.describeFailure("3204")).toMatch(/party not found/);
    expect(rail.describeFailure("3208")).toMatch(/transfer was not found/);
    expect(rail.describeFailure("4001")).toMatch(/payer's FSP has too little liquidity/);
    expect(rail.describeFailure("5001")).toMatch(/payee's FSP has too little liquidity/);
    expect(rail.describeFailure("5105")).toMatch(/payee's FSP rejected/);
    expect(rail.describeFailure("3303")).toMatch(/expired/);
    expect(rail.describeFailure("2001")).toMatch(/internal error/);
    expect(rail.describeFailure("2003")).toMatch(/unavailable/);
    expect(rail.describeFailure("5400")).toMatch(/^5400: .*blocked/);
  });

  it("is not wired yet: health UNKNOWN naming the test party; funds, submit and lookup throw saying so", async () => {
    await expect(rail.checkHealth(connection)).resolves.toEqual({
      healthy: false,
      unknown: true,
      message:
        "The Mojaloop rail is not wired to the dispatcher yet, so it cannot look up the test party MSISDN +254712345678 at https://switch.example.org; the health stays unknown.",
    });
    await expect(rail.checkFunds(connection, "KES", "1")).rejects.toThrow(/not wired to the dispatcher yet/);
    await expect(rail.submit(connection, { reference: "b", payments: [] })).rejects.toThrow(/Switch cannot send payments/);
    await expect(rail.lookup(connection, [])).rejects.toThrow(/not wired to the dispatcher yet/);
  });
});
