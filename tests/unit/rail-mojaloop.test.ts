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

  it("health UNKNOWN without a test party; funds, submit and lookup throw saying so", async () => {
    // Without a test party the switch is not asked: UNKNOWN, telling staff to set one (the lookup itself: tests/integration/mojaloop-callbacks.test.ts).
    const { testParty: _none, ...withoutTestParty } = connection.settings;
    await expect(rail.checkHealth({ ...connection, settings: withoutTestParty })).resolves.toEqual({
      healthy: false,
      unknown: true,
      message: expect.stringMatching(/^No test party is set, so the switch was not asked\. Set a test party/),
    });
    // The dispatcher pays this rail through advanceBatch (advance-batch.ts); the one-shot port methods say so.
    await expect(rail.checkFunds(connection, "KES", "1")).rejects.toThrow(/batch steps.*no funds check/);
    await expect(rail.submit(connection, { reference: "b", payments: [] })).rejects.toThrow(/batch steps.*Switch cannot send payments in one call/);
    await expect(rail.lookup(connection, [])).rejects.toThrow(/batch steps/);
    expect(rail.advanceBatch).toBeTypeOf("function");
    // A fresh FSPIOP transfer id per claim, never derived from the payment (a retried payment gets a new one).
    const first = rail.paymentReference!("3f7c2d1e-0000-4000-8000-000000000001");
    expect(first).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(rail.paymentReference!("3f7c2d1e-0000-4000-8000-000000000001")).not.toBe(first);
  });
});
