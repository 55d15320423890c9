import { describe, expect, it } from "vitest";
import { compileRouting, routePayment, type RoutingConnectionDef, type RoutingRuleDef } from "@/server/domain/routing-rules";
import type { DestinationKind } from "@/server/domain/rails";
import { intakeRouter } from "@/server/services/intake/route-at-intake";

const connections: RoutingConnectionDef[] = [
  { id: "stellar", name: "Stellar", railType: "STELLAR", enabled: true, healthStatus: "HEALTHY" },
  { id: "north", name: "North", railType: "STELLAR", enabled: true, healthStatus: "UNKNOWN" },
  { id: "bank", name: "Bank", railType: "BANK", enabled: true, healthStatus: "HEALTHY" },
  { id: "down", name: "Down", railType: "BANK", enabled: false, healthStatus: "HEALTHY" },
];
const rule = (id: string, conditions: RoutingRuleDef["conditions"], connectionId: string, fallbackConnectionId: string | null = null): RoutingRuleDef => ({
  id,
  name: id,
  enabled: true,
  conditions,
  connectionId,
  fallbackConnectionId,
});
const KINDS: (DestinationKind | null)[] = [null, "STELLAR_ADDRESS", "IBAN", "BANK_ACCOUNT", "MSISDN"];
const REGIONS = [undefined, "north", " North ", "south", "3:x", "3", ""];

/** The intake's router (memoised per kind and attribute values) against the domain's routePayment, payment by payment. */
function agree(rules: RoutingRuleDef[], contactType: "PHONE_NUMBER" | "BANK_ACCOUNT") {
  const compiled = compileRouting(rules, connections);
  const router = intakeRouter(compiled, { assetId: "asset", registrationContactType: contactType });
  for (let i = 0; i < 400; i++) {
    const walletKind = KINDS[i % KINDS.length]!;
    const region = REGIONS[(i * 7) % REGIONS.length];
    const attributes = region === undefined ? null : { region };
    const amount = `${(i * 37) % 1200}.${String(i % 100).padStart(2, "0")}`;
    const kind = walletKind ?? (contactType === "BANK_ACCOUNT" ? "BANK_ACCOUNT" : "STELLAR_ADDRESS");
    const expected = routePayment({ amount, assetId: "asset", destinationKind: kind, attributes }, compiled);
    const got = router.route(amount, walletKind, attributes);
    expect(got, `payment ${i}: ${amount} ${kind} ${region}`).toEqual(expected.routed ? { connectionId: expected.connectionId, ruleId: expected.ruleId } : null);
  }
}

describe("routing at intake agrees with the domain's routePayment", () => {
  it("kinds only (decided once per kind)", () =>
    agree([rule("stellar", { destinationKinds: ["STELLAR_ADDRESS"] }, "stellar"), rule("bank", {}, "bank")], "PHONE_NUMBER"));
  it("an attribute rule first (decided once per kind and region value)", () =>
    agree([rule("north", { attribute: { name: "Region", values: ["north"] } }, "north"), rule("stellar", {}, "stellar"), rule("bank", {}, "bank")], "PHONE_NUMBER"));
  it("amount ranges and a disabled target with its fallback (decided per payment)", () =>
    agree(
      [
        rule("big", { minAmount: "500", maxAmount: "900.5" }, "down", "bank"),
        rule("small", { maxAmount: "100" }, "north"),
        rule("stellar", { destinationKinds: ["STELLAR_ADDRESS"] }, "stellar"),
      ],
      "BANK_ACCOUNT",
    ));
  it("no rule at all: every payment unrouted", () => agree([], "PHONE_NUMBER"));
});
