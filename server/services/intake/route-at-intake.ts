import type { RegistrationContactType } from "@/server/domain/disbursement-types";
import type { DestinationKind } from "@/server/domain/rails";
import { expectedDestinationKind, routePayment, type CompiledRule } from "@/server/domain/routing-rules";
import { usesAttributes } from "../routing/routing-sql";

export type IntakeRoute = { connectionId: string; ruleId: string };

/**
 * Route payments as they are added (docs/rails/routing.md "At intake"): the organization's compiled
 * rules applied in memory (server/domain/routing-rules.ts, the same functions the preview and start
 * agree with), so the payment's insert carries its connection and rule. When no rule reads the
 * amount, the decision depends on the destination kind and the attribute values the rules read (the
 * asset is the disbursement's): it is computed once per distinct combination, not once per row.
 */
export function intakeRouter(compiled: readonly CompiledRule[], d: { assetId: string; registrationContactType: RegistrationContactType }) {
  const live = compiled.filter((c) => c.kinds.length > 0);
  const amountMatters = live.some((c) => c.rule.conditions.minAmount !== undefined || c.rule.conditions.maxAmount !== undefined);
  // Attribute names the rules read (as conditionsHold reads them: lower-cased keys).
  const names = [...new Set(live.flatMap((c) => (c.rule.conditions.attribute ? [c.rule.conditions.attribute.name.toLowerCase()] : [])))];
  const memo = new Map<string, IntakeRoute | null>();
  const decide = (amount: string, kind: DestinationKind, attributes: Record<string, string> | null): IntakeRoute | null => {
    const decision = routePayment({ amount, assetId: d.assetId, destinationKind: kind, attributes }, compiled);
    return decision.routed ? { connectionId: decision.connectionId, ruleId: decision.ruleId } : null;
  };
  return {
    /** Whether a rule reads receiver attributes (the intake then reads existing receivers' attributes). */
    usesAttributes: usesAttributes(compiled),
    /** The route of one payment; `walletKind` null: the receiver has not registered a destination yet. Null: unrouted (start refuses it). */
    route(amount: string, walletKind: DestinationKind | null, attributes: Record<string, string> | null): IntakeRoute | null {
      const kind = expectedDestinationKind(d.registrationContactType, walletKind);
      if (amountMatters) return decide(amount, kind, attributes);
      // Without an amount condition the decision depends on the kind and the attributes read: a few distinct keys.
      // Length-prefixed values: unambiguous whatever they hold.
      let key: string = kind;
      for (const name of names) {
        const value = attributes?.[name];
        key += value === undefined || value === null ? "|-" : `|${value.length}:${value}`;
      }
      let route = memo.get(key);
      if (route === undefined) {
        route = decide("0", kind, attributes);
        memo.set(key, route);
      }
      return route;
    },
  };
}
