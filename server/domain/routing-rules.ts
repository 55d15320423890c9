/**
 * Routing rules (docs/rails.md "Routing rules"): an organization's ordered rule list decides which
 * payment connection pays each payment. Pure: the services (start, preview), the rule forms and the
 * tests read the same functions.
 *
 * The evaluation is split in two so the database can apply it to 100,000 payments in one statement:
 * `compileRouting` resolves, once per rule, which connection it would use (its target, or its fallback
 * when the target is disabled or unhealthy) and which destination kinds that connection can pay; then
 * a payment is routed by the first compiled rule whose conditions hold and whose kinds include the
 * payment's (`routePayment` here; the same test in SQL in server/services/routing/routing-sql.ts).
 */
import type { RegistrationContactType } from "./disbursement-types";
import { toStroops } from "./money";
import { DESTINATION_KINDS, type ConnectionHealth, type DestinationKind, type RailType } from "./rails";

/** Conditions of a rule (stored as `routing_rules.conditions`, db/schema/connections.ts); every present one must hold. */
export type RoutingConditions = {
  minAmount?: string;
  maxAmount?: string;
  assetIds?: string[];
  destinationKinds?: DestinationKind[];
  attribute?: { name: string; values: string[] };
};

export type RoutingRuleDef = {
  id: string;
  name: string;
  enabled: boolean;
  conditions: RoutingConditions;
  connectionId: string;
  fallbackConnectionId: string | null;
};

export type RoutingConnectionDef = { id: string; name: string; railType: RailType; enabled: boolean; healthStatus: ConnectionHealth };

/** What one payment offers to the conditions. `amount` is a decimal string (exact). */
export type RoutablePayment = {
  amount: string;
  assetId: string;
  destinationKind: DestinationKind | null;
  attributes: Record<string, string | undefined> | null | undefined;
};

/** The destination kinds each rail can pay to (a connection's capability). */
export const RAIL_DESTINATION_KINDS: Record<RailType, readonly DestinationKind[]> = {
  STELLAR: ["STELLAR_ADDRESS"],
  BANK: ["BANK_ACCOUNT", "IBAN"],
  MOJALOOP: ["MSISDN"],
};

export const railSupportsKind = (rail: RailType, kind: DestinationKind) => RAIL_DESTINATION_KINDS[rail].includes(kind);

export const DESTINATION_KIND_LABELS: Record<DestinationKind, string> = {
  STELLAR_ADDRESS: "Stellar address",
  BANK_ACCOUNT: "bank account",
  IBAN: "IBAN",
  MSISDN: "phone number (MSISDN)",
  EMAIL: "email",
};

/** "a bank account", "an IBAN": for sentences. */
export const DESTINATION_KIND_PHRASES: Record<DestinationKind, string> = {
  STELLAR_ADDRESS: "a Stellar address",
  BANK_ACCOUNT: "a bank account",
  IBAN: "an IBAN",
  MSISDN: "a phone number (MSISDN)",
  EMAIL: "an email address",
};

export const RAIL_LABELS: Record<RailType, string> = { STELLAR: "Stellar", BANK: "bank", MOJALOOP: "Mojaloop" };

/**
 * The kind a payment will be paid to. A wallet that holds a destination (registered, or given in the
 * instructions) says it; a receiver who has not registered yet (SDP flow) will give what the
 * disbursement's contact type asks for: a bank account for BANK_ACCOUNT, a phone number (MSISDN) for
 * DIRECT_PHONE, a Stellar address otherwise.
 */
export function expectedDestinationKind(contactType: RegistrationContactType, walletKind: DestinationKind | null | undefined): DestinationKind {
  if (walletKind) return walletKind;
  if (contactType === "BANK_ACCOUNT") return "BANK_ACCOUNT";
  return contactType === "DIRECT_PHONE" ? "MSISDN" : "STELLAR_ADDRESS";
}

/** A connection may carry payments: enabled and not reported unhealthy (UNKNOWN counts as usable). */
export const connectionUsable = (c: RoutingConnectionDef | undefined): boolean => !!c && c.enabled && c.healthStatus !== "UNHEALTHY";

export type CompiledRule = {
  /** 1-based order among the enabled rules (the SQL's CASE result). */
  index: number;
  rule: RoutingRuleDef;
  /** The connection the rule routes to now (target, or fallback when the target cannot be used); null: none usable. */
  connection: RoutingConnectionDef | null;
  viaFallback: boolean;
  /** Kinds this rule routes: its kind condition (if any) ∩ what the connection can pay. Empty: routes nothing. */
  kinds: DestinationKind[];
  /** Why the rule routes nothing now, in plain words (null when it routes). */
  blocked: string | null;
};

function unusableWhy(c: RoutingConnectionDef | undefined): string {
  if (!c) return "was deleted";
  if (!c.enabled) return "is disabled";
  return "is unhealthy";
}

/** Resolve each enabled rule's connection once (see the file comment). Disabled rules are left out. */
export function compileRouting(rules: readonly RoutingRuleDef[], connections: readonly RoutingConnectionDef[]): CompiledRule[] {
  const byId = new Map(connections.map((c) => [c.id, c]));
  const compiled: CompiledRule[] = [];
  for (const rule of rules) {
    if (!rule.enabled) continue;
    const target = byId.get(rule.connectionId);
    const fallback = rule.fallbackConnectionId ? byId.get(rule.fallbackConnectionId) : undefined;
    let connection: RoutingConnectionDef | null = null;
    let viaFallback = false;
    let blocked: string | null = null;
    if (target && connectionUsable(target)) connection = target;
    else if (fallback && connectionUsable(fallback)) {
      connection = fallback;
      viaFallback = true;
    } else {
      const targetName = target ? `“${target.name}”` : "its connection";
      blocked = rule.fallbackConnectionId
        ? `${targetName} ${unusableWhy(target)} and its fallback ${fallback ? `“${fallback.name}”` : ""} ${unusableWhy(fallback)}`.replace("  ", " ")
        : `${targetName} ${unusableWhy(target)} and the rule has no fallback`;
    }
    const wanted = rule.conditions.destinationKinds?.length ? rule.conditions.destinationKinds : DESTINATION_KINDS;
    const kinds = connection ? wanted.filter((k) => railSupportsKind(connection.railType, k)) : [];
    compiled.push({ index: compiled.length + 1, rule, connection, viaFallback, kinds, blocked });
  }
  return compiled;
}

/** Whether every condition of a rule holds for a payment (the kind is checked against the connection separately). */
export function conditionsHold(c: RoutingConditions, p: RoutablePayment): boolean {
  const amount = toStroops(p.amount);
  if (c.minAmount !== undefined && amount < toStroops(c.minAmount)) return false;
  if (c.maxAmount !== undefined && amount > toStroops(c.maxAmount)) return false;
  if (c.assetIds?.length && !c.assetIds.includes(p.assetId)) return false;
  if (c.destinationKinds?.length && (!p.destinationKind || !c.destinationKinds.includes(p.destinationKind))) return false;
  if (c.attribute) {
    const value = p.attributes?.[c.attribute.name.toLowerCase()];
    if (value === undefined || value === null) return false;
    const wanted = value.trim().toLowerCase();
    if (!c.attribute.values.some((v) => v.trim().toLowerCase() === wanted)) return false;
  }
  return true;
}

export type RoutingDecision = { routed: true; connectionId: string; ruleId: string; viaFallback: boolean } | { routed: false; reason: string };

/** Route one payment: the first enabled rule whose conditions hold and whose connection can pay its kind. */
export function routePayment(p: RoutablePayment, compiled: readonly CompiledRule[]): RoutingDecision {
  for (const c of compiled) {
    if (!conditionsHold(c.rule.conditions, p)) continue;
    if (c.connection && p.destinationKind && c.kinds.includes(p.destinationKind)) {
      return { routed: true, connectionId: c.connection.id, ruleId: c.rule.id, viaFallback: c.viaFallback };
    }
  }
  return { routed: false, reason: unroutedReason(p, compiled) };
}

/** Convenience for one-off evaluation (tests, small lists): compile and route. */
export function evaluateRouting(p: RoutablePayment, rules: readonly RoutingRuleDef[], connections: readonly RoutingConnectionDef[]): RoutingDecision {
  return routePayment(p, compileRouting(rules, connections));
}

/** Why no rule routes this payment, in plain words: the first rule that matched and why it could not route, else "no rule matches". */
export function unroutedReason(p: RoutablePayment, compiled: readonly CompiledRule[]): string {
  if (!p.destinationKind) return "the receiver has no destination yet";
  const kind = DESTINATION_KIND_PHRASES[p.destinationKind];
  for (const c of compiled) {
    if (!conditionsHold(c.rule.conditions, p)) continue;
    if (c.blocked) return `rule “${c.rule.name}” matches but ${c.blocked}`;
    if (c.connection && !c.kinds.includes(p.destinationKind)) {
      return `rule “${c.rule.name}” matches but “${c.connection.name}” (${RAIL_LABELS[c.connection.railType]}) cannot pay to ${kind}`;
    }
  }
  if (compiled.length === 0) return "there is no enabled routing rule";
  return `no enabled rule matches a payment of ${trimAmount(p.amount)} to ${kind}`;
}

function trimAmount(amount: string) {
  return amount.includes(".") ? amount.replace(/\.?0+$/, "") : amount;
}

/** A rule's conditions and targets in words: "amount 0–500 KES, region is north or east, to bank account → Bank A, fallback Stellar". */
export function describeRoutingRule(
  rule: Pick<RoutingRuleDef, "conditions" | "connectionId" | "fallbackConnectionId">,
  names: { connection: (id: string) => string; asset: (id: string) => string },
): string {
  const c = rule.conditions;
  const parts: string[] = [];
  const currency = c.assetIds?.length ? c.assetIds.map(names.asset).join(" or ") : "";
  if (c.minAmount !== undefined || c.maxAmount !== undefined) {
    const min = c.minAmount !== undefined ? trimAmount(c.minAmount) : undefined;
    const max = c.maxAmount !== undefined ? trimAmount(c.maxAmount) : undefined;
    const range = min !== undefined && max !== undefined ? `${min}–${max}` : min !== undefined ? `at least ${min}` : `at most ${max}`;
    parts.push(`amount ${range}${currency ? ` ${currency}` : ""}`);
  } else if (currency) parts.push(`in ${currency}`);
  if (c.attribute) parts.push(`${c.attribute.name} is ${c.attribute.values.join(" or ")}`);
  if (c.destinationKinds?.length) parts.push(`to ${c.destinationKinds.map((k) => DESTINATION_KIND_LABELS[k]).join(" or ")}`);
  const when = parts.length ? parts.join(", ") : "every payment";
  const fallback = rule.fallbackConnectionId ? `, fallback ${names.connection(rule.fallbackConnectionId)}` : "";
  return `${when} → ${names.connection(rule.connectionId)}${fallback}`;
}
