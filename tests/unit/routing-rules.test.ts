import { describe, expect, it } from "vitest";
import {
  compileRouting,
  conditionsHold,
  describeRoutingRule,
  evaluateRouting,
  expectedDestinationKind,
  railSupportsKind,
  type RoutablePayment,
  type RoutingConnectionDef,
  type RoutingRuleDef,
} from "@/server/domain/routing-rules";
import { REGISTRATION_CONTACT_TYPES } from "@/server/domain/disbursement-types";
import { createRoutingRuleInput, routingConditionsInput } from "@/server/schemas/routing.schema";

const KES = "00000000-0000-4000-8000-00000000000a";
const USDC = "00000000-0000-4000-8000-00000000000b";

const stellar: RoutingConnectionDef = { id: "c-stellar", name: "Stellar", railType: "STELLAR", enabled: true, healthStatus: "HEALTHY" };
const bankA: RoutingConnectionDef = { id: "c-bank-a", name: "Bank A", railType: "BANK", enabled: true, healthStatus: "UNKNOWN" };
const bankB: RoutingConnectionDef = { id: "c-bank-b", name: "Bank B", railType: "BANK", enabled: true, healthStatus: "HEALTHY" };

let n = 0;
const rule = (over: Partial<RoutingRuleDef>): RoutingRuleDef => ({
  id: `r-${++n}`,
  name: `rule ${n}`,
  enabled: true,
  conditions: {},
  connectionId: stellar.id,
  fallbackConnectionId: null,
  ...over,
});
const pay = (over: Partial<RoutablePayment> = {}): RoutablePayment => ({ amount: "100", assetId: KES, destinationKind: "BANK_ACCOUNT", attributes: {}, ...over });

describe("conditions", () => {
  it("amount range is inclusive at both ends and exact beyond float precision", () => {
    const c = { minAmount: "0.1000001", maxAmount: "500" };
    expect(conditionsHold(c, pay({ amount: "0.1000001" }))).toBe(true);
    expect(conditionsHold(c, pay({ amount: "0.1000000" }))).toBe(false);
    expect(conditionsHold(c, pay({ amount: "500.0000000" }))).toBe(true);
    expect(conditionsHold(c, pay({ amount: "500.0000001" }))).toBe(false);
    // 9007199254740993 is not a float: a float comparison would call it equal to ...992.
    expect(conditionsHold({ maxAmount: "9007199254740992" }, pay({ amount: "9007199254740993" }))).toBe(false);
    expect(conditionsHold({ minAmount: "10" }, pay({ amount: "9.9999999" }))).toBe(false);
    expect(conditionsHold({ maxAmount: "10" }, pay({ amount: "10" }))).toBe(true);
  });

  it("asset, destination kind and attribute (case-insensitive, trimmed); empty lists mean no condition", () => {
    expect(conditionsHold({ assetIds: [USDC] }, pay())).toBe(false);
    expect(conditionsHold({ assetIds: [USDC, KES] }, pay())).toBe(true);
    expect(conditionsHold({ assetIds: [] }, pay())).toBe(true);
    expect(conditionsHold({ destinationKinds: ["IBAN"] }, pay())).toBe(false);
    expect(conditionsHold({ destinationKinds: ["IBAN", "BANK_ACCOUNT"] }, pay())).toBe(true);
    expect(conditionsHold({ destinationKinds: ["IBAN"] }, pay({ destinationKind: null }))).toBe(false);
    const region = { attribute: { name: "region", values: ["North", "east"] } };
    expect(conditionsHold(region, pay({ attributes: { region: "NORTH" } }))).toBe(true);
    expect(conditionsHold(region, pay({ attributes: { region: " East " } }))).toBe(true);
    expect(conditionsHold(region, pay({ attributes: { region: "south" } }))).toBe(false);
    expect(conditionsHold(region, pay({ attributes: {} }))).toBe(false);
    expect(conditionsHold(region, pay({ attributes: null }))).toBe(false);
  });
});

describe("evaluateRouting", () => {
  it("takes the first enabled rule whose every condition holds", () => {
    const rules = [
      rule({ name: "disabled", enabled: false, connectionId: bankB.id }),
      rule({ name: "small north", conditions: { maxAmount: "500", attribute: { name: "region", values: ["north"] } }, connectionId: bankA.id }),
      rule({ name: "any bank", conditions: { destinationKinds: ["BANK_ACCOUNT", "IBAN"] }, connectionId: bankB.id }),
    ];
    const conns = [stellar, bankA, bankB];
    expect(evaluateRouting(pay({ amount: "400", attributes: { region: "north" } }), rules, conns)).toEqual({
      routed: true,
      connectionId: bankA.id,
      ruleId: rules[1]!.id,
      viaFallback: false,
    });
    expect(evaluateRouting(pay({ amount: "600", attributes: { region: "north" } }), rules, conns)).toMatchObject({
      routed: true,
      connectionId: bankB.id,
      ruleId: rules[2]!.id,
    });
    expect(evaluateRouting(pay({ amount: "400", attributes: { region: "south" } }), rules, conns)).toMatchObject({ connectionId: bankB.id });
  });

  it("skips a rule whose connection cannot pay the destination kind, and says so when nothing else routes", () => {
    const rules = [rule({ name: "everything to bank", connectionId: bankA.id })];
    const decision = evaluateRouting(pay({ destinationKind: "STELLAR_ADDRESS" }), rules, [stellar, bankA]);
    expect(decision).toEqual({ routed: false, reason: "rule “everything to bank” matches but “Bank A” (bank) cannot pay to a Stellar address" });
    const withStellar = [...rules, rule({ name: "stellar", connectionId: stellar.id })];
    expect(evaluateRouting(pay({ destinationKind: "STELLAR_ADDRESS" }), withStellar, [stellar, bankA])).toMatchObject({ routed: true, connectionId: stellar.id });
  });

  it("falls back when the target is disabled or unhealthy, only if the fallback qualifies", () => {
    const r = rule({ name: "bank a", connectionId: bankA.id, fallbackConnectionId: bankB.id });
    const disabledA = { ...bankA, enabled: false };
    const unhealthyA = { ...bankA, healthStatus: "UNHEALTHY" as const };
    expect(evaluateRouting(pay(), [r], [disabledA, bankB])).toEqual({ routed: true, connectionId: bankB.id, ruleId: r.id, viaFallback: true });
    expect(evaluateRouting(pay(), [r], [unhealthyA, bankB])).toEqual({ routed: true, connectionId: bankB.id, ruleId: r.id, viaFallback: true });
    // UNKNOWN health is usable: no fallback.
    expect(evaluateRouting(pay(), [r], [bankA, bankB])).toMatchObject({ connectionId: bankA.id, viaFallback: false });
    // The fallback must itself be usable…
    expect(evaluateRouting(pay(), [r], [disabledA, { ...bankB, healthStatus: "UNHEALTHY" }])).toEqual({
      routed: false,
      reason: "rule “bank a” matches but “Bank A” is disabled and its fallback “Bank B” is unhealthy",
    });
    // …and able to pay the kind (a Stellar fallback cannot pay a bank account).
    const toStellar = rule({ name: "bank a or stellar", connectionId: bankA.id, fallbackConnectionId: stellar.id });
    expect(evaluateRouting(pay(), [toStellar], [disabledA, stellar])).toEqual({
      routed: false,
      reason: "rule “bank a or stellar” matches but “Stellar” (Stellar) cannot pay to a bank account",
    });
    // Without a fallback the rule is passed over and the next one routes.
    const bare = rule({ name: "bare", connectionId: bankA.id });
    const next = rule({ name: "next", connectionId: bankB.id });
    expect(evaluateRouting(pay(), [bare], [disabledA])).toEqual({ routed: false, reason: "rule “bare” matches but “Bank A” is disabled and the rule has no fallback" });
    expect(evaluateRouting(pay(), [bare, next], [disabledA, bankB])).toMatchObject({ routed: true, connectionId: bankB.id, ruleId: next.id, viaFallback: false });
  });

  it("says in plain words when no rule matches or there is none", () => {
    expect(evaluateRouting(pay(), [], [stellar])).toEqual({ routed: false, reason: "there is no enabled routing rule" });
    expect(evaluateRouting(pay({ amount: "600.5000000" }), [rule({ conditions: { maxAmount: "500" }, connectionId: bankA.id })], [bankA])).toEqual({
      routed: false,
      reason: "no enabled rule matches a payment of 600.5 to a bank account",
    });
    expect(evaluateRouting(pay({ destinationKind: null }), [rule({})], [stellar])).toEqual({ routed: false, reason: "the receiver has no destination yet" });
  });

  it("compiles each rule's kinds as its kind condition ∩ what the connection can pay", () => {
    const compiled = compileRouting(
      [rule({ connectionId: bankA.id }), rule({ conditions: { destinationKinds: ["IBAN", "STELLAR_ADDRESS"] }, connectionId: bankA.id }), rule({ enabled: false })],
      [bankA],
    );
    expect(compiled.map((c) => c.kinds)).toEqual([["BANK_ACCOUNT", "IBAN"], ["IBAN"]]);
    expect(compiled.map((c) => c.index)).toEqual([1, 2]);
    expect(railSupportsKind("STELLAR", "STELLAR_ADDRESS")).toBe(true);
    expect(railSupportsKind("STELLAR", "IBAN")).toBe(false);
    expect(railSupportsKind("BANK", "MSISDN")).toBe(false);
  });
});

describe("expectedDestinationKind", () => {
  it("is the wallet's destination when it has one", () => {
    for (const t of REGISTRATION_CONTACT_TYPES) expect(expectedDestinationKind(t, "IBAN")).toBe("IBAN");
  });
  it("for a receiver not registered yet: a bank account for BANK_ACCOUNT, a phone number for DIRECT_PHONE, a Stellar address otherwise", () => {
    expect(expectedDestinationKind("BANK_ACCOUNT", null)).toBe("BANK_ACCOUNT");
    expect(expectedDestinationKind("DIRECT_PHONE", null)).toBe("MSISDN");
    for (const t of REGISTRATION_CONTACT_TYPES.filter((t) => t !== "BANK_ACCOUNT" && t !== "DIRECT_PHONE"))
      expect(expectedDestinationKind(t, null)).toBe("STELLAR_ADDRESS");
  });
});

describe("Mojaloop connections", () => {
  const switchA: RoutingConnectionDef = { id: "c-switch", name: "Switch", railType: "MOJALOOP", enabled: true, healthStatus: "UNKNOWN" };
  it("pay phone numbers (MSISDN) only; a rule without a kind condition routes just those to it", () => {
    const rules = [rule({ id: "r-any", name: "Phones", connectionId: switchA.id, conditions: {} })];
    expect(evaluateRouting(pay({ destinationKind: "MSISDN" }), rules, [switchA])).toEqual({
      routed: true,
      connectionId: "c-switch",
      ruleId: "r-any",
      viaFallback: false,
    });
    expect(evaluateRouting(pay({ destinationKind: "IBAN" }), rules, [switchA])).toEqual({
      routed: false,
      reason: "rule “Phones” matches but “Switch” (Mojaloop) cannot pay to an IBAN",
    });
  });
});

describe("describeRoutingRule", () => {
  it("reads as a sentence", () => {
    const names = { connection: (id: string) => ({ [bankA.id]: "Bank A", [stellar.id]: "Stellar" })[id] ?? "?", asset: () => "KES" };
    expect(
      describeRoutingRule(
        {
          conditions: {
            minAmount: "0",
            maxAmount: "500.0000000",
            assetIds: [KES],
            attribute: { name: "region", values: ["north", "east"] },
            destinationKinds: ["BANK_ACCOUNT"],
          },
          connectionId: bankA.id,
          fallbackConnectionId: stellar.id,
        },
        names,
      ),
    ).toBe("amount 0–500 KES, region is north or east, to bank account → Bank A, fallback Stellar");
    expect(describeRoutingRule({ conditions: {}, connectionId: stellar.id, fallbackConnectionId: null }, names)).toBe("every payment → Stellar");
    expect(describeRoutingRule({ conditions: { minAmount: "10" }, connectionId: stellar.id, fallbackConnectionId: null }, names)).toBe("amount at least 10 → Stellar");
  });
});

describe("rule input schema", () => {
  const conn = "00000000-0000-4000-8000-000000000001";
  it("refuses min above max, bad amounts, fallback equal to the target; normalizes blanks and attribute names", () => {
    expect(routingConditionsInput.safeParse({ min_amount: "10", max_amount: "9.9999999" }).success).toBe(false);
    expect(routingConditionsInput.safeParse({ min_amount: "10", max_amount: "10" }).success).toBe(true);
    expect(routingConditionsInput.safeParse({ min_amount: "1.12345678" }).success).toBe(false);
    expect(routingConditionsInput.safeParse({ min_amount: "-1" }).success).toBe(false);
    expect(routingConditionsInput.safeParse({ min_amount: "1e3" }).success).toBe(false);
    expect(routingConditionsInput.parse({ min_amount: " ", destination_kinds: [], attribute: { name: " Region ", values: [" north "] } })).toEqual({
      min_amount: undefined,
      max_amount: undefined,
      asset_ids: undefined,
      destination_kinds: undefined,
      attribute: { name: "region", values: ["north"] },
    });
    expect(createRoutingRuleInput.safeParse({ name: "x", connection_id: conn, fallback_connection_id: conn }).success).toBe(false);
    expect(createRoutingRuleInput.safeParse({ name: "x", connection_id: conn }).success).toBe(true);
  });
});
