import { sql, type SQL } from "drizzle-orm";
import type { RegistrationContactType } from "@/server/domain/disbursement-types";
import { expectedDestinationKind, type CompiledRule } from "@/server/domain/routing-rules";
import type { PaymentStatus } from "@/server/domain/disbursement-types";
import { paymentStatusArray, uuidArray } from "@/server/payments/payment-state-writer";

/**
 * The routing of server/domain/routing-rules.ts as one SQL expression, so a preview or a start
 * evaluates 100,000 payments in one set-based statement instead of one query each. Each compiled rule
 * becomes a CASE branch testing exactly what `conditionsHold` and `routePayment` test: amount range
 * (numeric, exact, inclusive), asset, destination kind (the compiled kinds: the rule's kind condition
 * ∩ what its connection can pay), and a receiver attribute compared trimmed and case-insensitively.
 * tests/integration/routing.test.ts checks the two agree.
 */

/** `text[]` parameter (values are bound, never interpolated). */
const textArray = (values: readonly string[]) =>
  sql`array[${sql.join(
    values.map((v) => sql`${v}::text`),
    sql`, `,
  )}]`;

/** The payment's destination kind as routing sees it (expectedDestinationKind in SQL). */
function kindExpression(contactType: RegistrationContactType): SQL {
  return sql`coalesce(rw.destination_kind, ${expectedDestinationKind(contactType, null)}::destination_kind)`;
}

function ruleCondition(rule: CompiledRule, kind: SQL): SQL | null {
  if (rule.kinds.length === 0) return null;
  const c = rule.rule.conditions;
  const parts: SQL[] = [sql`${kind} = any(${`{${rule.kinds.join(",")}}`}::destination_kind[])`];
  if (c.minAmount !== undefined) parts.push(sql`p.amount >= ${c.minAmount}::numeric`);
  if (c.maxAmount !== undefined) parts.push(sql`p.amount <= ${c.maxAmount}::numeric`);
  if (c.assetIds?.length) parts.push(sql`p.asset_id = any(${uuidArray(c.assetIds)})`);
  if (c.attribute) {
    const values = c.attribute.values.map((v) => v.trim().toLowerCase());
    parts.push(sql`lower(btrim(r.attributes ->> ${c.attribute.name.toLowerCase()})) = any(${textArray(values)})`);
  }
  return sql.join(parts, sql` and `);
}

export const usesAttributes = (compiled: readonly CompiledRule[]) => compiled.some((c) => c.kinds.length > 0 && !!c.rule.conditions.attribute);

/** `case when <rule 1> then 1 when <rule 2> then 2 … end`: the index of the compiled rule that routes the payment, null when none. */
export function routeIndexExpression(compiled: readonly CompiledRule[], contactType: RegistrationContactType): SQL {
  const kind = kindExpression(contactType);
  const branches = compiled.flatMap((rule) => {
    const condition = ruleCondition(rule, kind);
    return condition ? [sql`when ${condition} then ${rule.index}::int`] : [];
  });
  if (branches.length === 0) return sql`null::int`;
  return sql`(case ${sql.join(branches, sql` `)} end)`;
}

/**
 * `select p.id, p.amount, p.status, p.line_number, p.receiver_id, p.receiver_wallet_id, p.connection_id,
 * p.routing_rule_id, route_index` for the disbursement's payments in `statuses` (joins the receiver
 * only when a rule reads its attributes). `onlyUnrouted`: payments that have no connection yet.
 */
export function routedPaymentsQuery(options: {
  orgId: string;
  disbursementId: string;
  contactType: RegistrationContactType;
  compiled: readonly CompiledRule[];
  statuses: readonly PaymentStatus[];
  onlyUnrouted?: boolean;
}): SQL {
  const { compiled } = options;
  const receiverJoin = usesAttributes(compiled) ? sql`join receivers r on r.id = p.receiver_id` : sql``;
  return sql`
    select p.id, p.amount, p.status, p.line_number, p.receiver_id, p.receiver_wallet_id, p.connection_id, p.routing_rule_id,
      ${routeIndexExpression(compiled, options.contactType)} as route_index
    from payments p
    join receiver_wallets rw on rw.id = p.receiver_wallet_id
    ${receiverJoin}
    where p.disbursement_id = ${options.disbursementId} and p.org_id = ${options.orgId}
      and p.status = any(${paymentStatusArray(options.statuses)})
      ${options.onlyUnrouted ? sql`and p.connection_id is null` : sql``}`;
}

/** `(values (1, connection, rule), …)`: each routing compiled rule's connection and rule, joinable on route_index. */
export function routeTargetsValues(compiled: readonly CompiledRule[]): SQL | null {
  const rows = compiled.filter((c) => c.connection && c.kinds.length > 0).map((c) => sql`(${c.index}::int, ${c.connection!.id}::uuid, ${c.rule.id}::uuid)`);
  return rows.length ? sql`(values ${sql.join(rows, sql`, `)})` : null;
}
