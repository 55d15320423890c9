import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { DisbursementStatus, RegistrationContactType } from "@/server/domain/disbursement-types";
import { DISPATCHED_RAILS } from "@/server/domain/rails";
import { RAIL_LABELS, type CompiledRule } from "@/server/domain/routing-rules";
import { conflict } from "../errors";
import { loadRouting } from "./load-routing";
import { listUnrouted, ROUTED_STATUSES, type UnroutedPayment } from "./preview-disbursement-routing";
import { routedPaymentsQuery, routeTargetsValues } from "./routing-sql";

/** How many refused payments a refusal names in its message and in its extras. */
const IN_MESSAGE = 3;
const IN_EXTRAS = 10;

type RoutingQuery = Parameters<typeof routedPaymentsQuery>[0];

/**
 * What a start will write (docs/rails/routing.md "At start"). Payments are routed when they are added
 * (server/services/intake/), so a start normally writes no routing at all: the plan re-checks every
 * payment against the current rules in one read, and `needsUpdate` says whether any recorded
 * connection/rule differs (rules edited or a connection disabled since intake, an attribute changed,
 * a payment added before routing at intake). `moveSet`: every DRAFT payment takes one route that some
 * of them lack, written by the DRAFT → READY move itself (movePaymentStatus `set`).
 */
export type RoutingPlan = {
  q: RoutingQuery;
  targets: ReturnType<typeof routeTargetsValues>;
  routed: number;
  moveSet?: { connectionId: string; routingRuleId: string };
  needsUpdate: boolean;
};

function linesText(listed: readonly UnroutedPayment[], total: number) {
  const named = listed.slice(0, IN_MESSAGE).map((p) => `line ${p.line_number ?? "?"} (receiver ${p.receiver_external_id})`);
  return `${named.join(", ")}${total > named.length ? ` and ${total - named.length} more` : ""}`;
}

function extrasOf(listed: readonly UnroutedPayment[], first: Record<string, string>) {
  const extras: Record<string, string> = { ...first };
  for (const p of listed.slice(0, IN_EXTRAS))
    extras[`line ${p.line_number ?? "?"}`] = `receiver ${p.receiver_external_id}, ${p.amount.replace(/\.?0+$/, "")}: ${p.reason}`;
  return extras;
}

async function refuseBlocked(
  tx: DbOrTx,
  q: RoutingQuery,
  compiled: readonly CompiledRule[],
  rows: readonly { route_index: number | null; n: number }[],
  blocked: readonly number[],
) {
  const unrouted = rows.filter((r) => r.route_index === null).reduce((n, r) => n + r.n, 0);
  if (unrouted > 0) {
    const listed = await listUnrouted(tx, q, IN_EXTRAS);
    throw conflict(
      `${unrouted === 1 ? "1 payment is" : `${unrouted} payments are`} not routed to any connection: ${linesText(listed, unrouted)}. ${listed[0]?.reason ? `For example: ${listed[0].reason}. ` : ""}Add or change a routing rule, then start again.`,
      extrasOf(listed, { unrouted: String(unrouted) }),
      "UNROUTED_PAYMENTS",
    );
  }
  const blockedRows = rows.filter((r) => r.route_index !== null && blocked.includes(r.route_index));
  if (blockedRows.length === 0) return;
  const connection = compiled.find((c) => c.index === blockedRows[0]!.route_index)!.connection!;
  const sameConnection = compiled.filter((c) => c.connection?.id === connection.id).map((c) => c.index);
  const count = blockedRows.filter((r) => sameConnection.includes(r.route_index!)).reduce((n, r) => n + r.n, 0);
  const listed = await listUnrouted(tx, q, IN_EXTRAS, sameConnection);
  const rail = RAIL_LABELS[connection.railType];
  throw conflict(
    `Payments to ${connection.name} (${rail}) cannot be paid yet: ${count === 1 ? "1 payment routes" : `${count} payments route`} there (${linesText(listed, count)}) and this platform does not send ${rail} payments yet. Change the routing rules to route them to another connection.`,
    extrasOf(
      listed.map((p) => ({ ...p, reason: `routed to ${connection.name}, which cannot be paid yet` })),
      { connection: connection.name, payments: String(count) },
    ),
    "RAIL_NOT_DISPATCHED",
  );
}

/**
 * Evaluate the routing of the payments a start will pay (the caller holds the disbursement's lock)
 * in one read-only, set-based statement, and refuse the start — before anything is written, so the
 * scheduler's refused attempt leaves no trace — when a payment is unrouted (UNROUTED_PAYMENTS) or
 * routes to a connection whose rail the platform does not pay through yet (RAIL_NOT_DISPATCHED),
 * naming the first payments. Resuming a PAUSED disbursement routes only payments not routed yet.
 */
export async function planDisbursementRouting(
  tx: DbOrTx,
  ctx: { org: { id: string } },
  d: { id: string; status: DisbursementStatus; registrationContactType: RegistrationContactType },
): Promise<RoutingPlan> {
  const { compiled } = await loadRouting(tx, ctx.org.id, { lockConnections: true });
  const resume = d.status === "PAUSED";
  const q: RoutingQuery = {
    orgId: ctx.org.id,
    disbursementId: d.id,
    contactType: d.registrationContactType,
    compiled,
    statuses: resume ? ["PAUSED", "READY"] : ROUTED_STATUSES,
    onlyUnrouted: resume,
  };
  const targets = routeTargetsValues(compiled);
  // Per route: how many payments, how many DRAFT, and how many whose recorded connection/rule differ
  // from it (none when the intake routed them and nothing changed since).
  const differs = sql`(routed.connection_id, routed.routing_rule_id) is distinct from (t.connection_id, t.rule_id)`;
  const rows = await tx.execute<{ route_index: number | null; n: number; n_draft: number; n_differs: number; n_draft_differs: number }>(sql`
    select routed.route_index, count(*)::int as n,
      count(*) filter (where routed.status = 'DRAFT')::int as n_draft,
      ${targets ? sql`count(*) filter (where ${differs})::int` : sql`0`} as n_differs,
      ${targets ? sql`count(*) filter (where routed.status = 'DRAFT' and ${differs})::int` : sql`0`} as n_draft_differs
    from (${routedPaymentsQuery(q)}) routed
    ${targets ? sql`left join ${targets} as t(route_index, connection_id, rule_id) on t.route_index = routed.route_index` : sql``}
    group by routed.route_index`);
  const blocked = compiled.filter((c) => c.connection && c.kinds.length > 0 && !DISPATCHED_RAILS.includes(c.connection.railType)).map((c) => c.index);
  await refuseBlocked(tx, q, compiled, rows, blocked);

  const routed = rows.reduce((n, r) => n + r.n, 0);
  // When every DRAFT payment takes one route, the DRAFT → READY move writes it with the status (free:
  // that move rewrites those rows anyway), covering payments added before routing at intake existed.
  // Resuming moves PAUSED payments that are routed already: a constant written with that move would overwrite them.
  const draftRoutes = rows.filter((r) => r.n_draft > 0);
  const single = !resume && draftRoutes.length === 1 ? draftRoutes[0] : undefined;
  const singleRule = single ? compiled.find((c) => c.index === single.route_index) : undefined;
  const moveSet =
    single && singleRule?.connection && single.n_draft_differs > 0 ? { connectionId: singleRule.connection.id, routingRuleId: singleRule.rule.id } : undefined;
  const left = rows.reduce((n, r) => n + r.n_differs - (moveSet && r === single ? r.n_draft_differs : 0), 0);
  return { q, targets, routed, moveSet, needsUpdate: left > 0 };
}

/**
 * Write the routing of the payments whose recorded connection or rule differs from the plan's, in one
 * set-based statement (none when the plan found nothing to write). Run after the start's move.
 */
export async function applyDisbursementRouting(tx: DbOrTx, plan: RoutingPlan): Promise<number> {
  if (!plan.needsUpdate || !plan.targets) return 0;
  const rows = await tx.execute<{ n: number }>(sql`
    with routed as materialized (${routedPaymentsQuery(plan.q)}),
    upd as (
      update payments p set connection_id = t.connection_id, routing_rule_id = t.rule_id
      from routed join ${plan.targets} as t(route_index, connection_id, rule_id) on t.route_index = routed.route_index
      where p.id = routed.id and (routed.connection_id, routed.routing_rule_id) is distinct from (t.connection_id, t.rule_id)
      returning 1)
    select count(*)::int as n from upd`);
  return rows[0]?.n ?? 0;
}

export type RoutingOutcome = { routed: number; updated: number };

/**
 * Plan and write in one call, for a caller that moves no payment itself: every payment to be paid
 * gets its connection and rule; rows already routed that way are not written again.
 */
export async function routeDisbursementPayments(
  tx: DbOrTx,
  ctx: { org: { id: string } },
  d: { id: string; status: DisbursementStatus; registrationContactType: RegistrationContactType },
): Promise<RoutingOutcome> {
  const plan = await planDisbursementRouting(tx, ctx, d);
  // Without a move, the most common route is not written by anyone else.
  const updated = await applyDisbursementRouting(tx, { ...plan, needsUpdate: plan.needsUpdate || !!plan.moveSet });
  return { routed: plan.routed, updated };
}
