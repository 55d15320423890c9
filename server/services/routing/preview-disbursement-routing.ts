import { and, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements } from "@/db/schema";
import type { PaymentStatus, RegistrationContactType } from "@/server/domain/disbursement-types";
import { formatStroops, toStroops } from "@/server/domain/money";
import { DISPATCHED_RAILS, type DestinationKind, type RailType } from "@/server/domain/rails";
import { expectedDestinationKind, unroutedReason, type CompiledRule } from "@/server/domain/routing-rules";
import { routingPreviewInput, UNROUTED_LISTED } from "@/server/schemas/routing.schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { loadRouting } from "./load-routing";
import { routedPaymentsQuery } from "./routing-sql";

export { routingPreviewInput };

/** The payments a start will route and pay: not yet sent and not final. */
export const ROUTED_STATUSES: readonly PaymentStatus[] = ["DRAFT", "READY", "PAUSED"];

export type UnroutedPayment = {
  payment_id: string;
  line_number: number | null;
  receiver_id: string;
  receiver_external_id: string;
  amount: string;
  destination_kind: DestinationKind;
  reason: string;
};

export type RoutingPreview = {
  disbursement_id: string;
  asset: { id: string; code: string };
  payments: number;
  amount: string;
  connections: {
    connection_id: string;
    name: string;
    rail_type: RailType;
    /** false: the platform cannot pay through this rail yet, so start is refused (RAIL_NOT_DISPATCHED). */
    dispatched: boolean;
    payments: number;
    amount: string;
    rules: { rule_id: string; name: string; via_fallback: boolean; payments: number; amount: string }[];
  }[];
  unrouted: { payments: number; amount: string; listed: UnroutedPayment[] };
};

type Grouped = { route_index: number | null; n: number; total: string };

/** Counts and sums per compiled rule (null: unrouted), in one aggregate over the payments. */
export async function routingCounts(db: DbOrTx, q: Parameters<typeof routedPaymentsQuery>[0]): Promise<Grouped[]> {
  const rows = await db.execute<Grouped>(sql`
    select route_index, count(*)::int as n, coalesce(sum(amount), 0)::text as total
    from (${routedPaymentsQuery(q)}) routed group by route_index`);
  return [...rows];
}

/** The first unrouted payments in file order, each with the reason no rule routes it. */
export async function listUnrouted(db: DbOrTx, q: Parameters<typeof routedPaymentsQuery>[0], limit: number, onlyIndexes?: readonly number[]): Promise<UnroutedPayment[]> {
  const which = onlyIndexes ? sql`routed.route_index = any(${`{${onlyIndexes.join(",")}}`}::int[])` : sql`routed.route_index is null`;
  const rows = await db.execute<{
    id: string;
    line_number: number | null;
    receiver_id: string;
    external_id: string;
    amount: string;
    destination_kind: DestinationKind | null;
    attributes: Record<string, string> | null;
    asset_id: string;
  }>(sql`
    select routed.id, routed.line_number, routed.receiver_id, r2.external_id, routed.amount::text as amount,
      rw2.destination_kind, r2.attributes, p2.asset_id
    from (${routedPaymentsQuery(q)}) routed
    join payments p2 on p2.id = routed.id
    join receivers r2 on r2.id = routed.receiver_id
    join receiver_wallets rw2 on rw2.id = routed.receiver_wallet_id
    where ${which}
    order by routed.line_number nulls last, routed.id
    limit ${limit}`);
  return rows.map((r) => {
    const kind = expectedDestinationKind(q.contactType, r.destination_kind);
    return {
      payment_id: r.id,
      line_number: r.line_number,
      receiver_id: r.receiver_id,
      receiver_external_id: r.external_id,
      amount: r.amount,
      destination_kind: kind,
      reason: unroutedReason({ amount: r.amount, assetId: r.asset_id, destinationKind: kind, attributes: r.attributes }, q.compiled),
    };
  });
}

/** Group the per-rule counts by connection, in rule order. */
export function summarize(compiled: readonly CompiledRule[], grouped: readonly Grouped[]) {
  const byIndex = new Map(compiled.map((c) => [c.index, c]));
  const connections = new Map<string, RoutingPreview["connections"][number]>();
  let unrouted = { payments: 0, amount: 0n };
  let payments = 0;
  let amount = 0n;
  for (const g of [...grouped].sort((a, b) => (a.route_index ?? 1e9) - (b.route_index ?? 1e9))) {
    payments += g.n;
    amount += toStroops(g.total);
    const rule = g.route_index === null ? undefined : byIndex.get(g.route_index);
    if (!rule?.connection) {
      unrouted = { payments: unrouted.payments + g.n, amount: unrouted.amount + toStroops(g.total) };
      continue;
    }
    const c = rule.connection;
    let entry = connections.get(c.id);
    if (!entry) {
      entry = { connection_id: c.id, name: c.name, rail_type: c.railType, dispatched: DISPATCHED_RAILS.includes(c.railType), payments: 0, amount: "0", rules: [] };
      connections.set(c.id, entry);
    }
    entry.payments += g.n;
    entry.amount = formatStroops(toStroops(entry.amount) + toStroops(g.total));
    entry.rules.push({ rule_id: rule.rule.id, name: rule.rule.name, via_fallback: rule.viaFallback, payments: g.n, amount: formatStroops(toStroops(g.total)) });
  }
  return {
    payments,
    amount: formatStroops(amount),
    connections: [...connections.values()],
    unrouted: { payments: unrouted.payments, amount: formatStroops(unrouted.amount) },
  };
}

export async function loadDisbursementForRouting(db: DbOrTx, orgId: string, disbursementId: string) {
  const [d] = await db
    .select({ id: disbursements.id, assetId: disbursements.assetId, contactType: disbursements.registrationContactType, assetCode: assets.code })
    .from(disbursements)
    .innerJoin(assets, eq(assets.id, disbursements.assetId))
    .where(and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, orgId)));
  return d as { id: string; assetId: string; contactType: RegistrationContactType; assetCode: string } | undefined;
}

/**
 * Where a disbursement's payments would go if it started now: per connection, how many and how much
 * (and through which rule, directly or by fallback), and which payments no rule routes (the first
 * UNROUTED_LISTED with line, receiver and reason, plus the total). Two set-based statements whatever
 * the number of payments (docs/rails.md "Routing rules").
 */
export async function previewDisbursementRouting(ctx: OrgContext, raw: z.input<typeof routingPreviewInput>): Promise<RoutingPreview> {
  assertCan(ctx, "disbursements:read");
  assertCan(ctx, "connections:read");
  const input = routingPreviewInput.parse(raw);
  const d = await loadDisbursementForRouting(ctx.db, ctx.org.id, input.disbursement_id);
  if (!d) throw notFound("The disbursement");
  const { compiled } = await loadRouting(ctx.db, ctx.org.id);
  const q = { orgId: ctx.org.id, disbursementId: d.id, contactType: d.contactType, compiled, statuses: ROUTED_STATUSES };
  const summary = summarize(compiled, await routingCounts(ctx.db, q));
  const listed = summary.unrouted.payments > 0 ? await listUnrouted(ctx.db, q, UNROUTED_LISTED) : [];
  return {
    disbursement_id: d.id,
    asset: { id: d.assetId, code: d.assetCode },
    payments: summary.payments,
    amount: summary.amount,
    connections: summary.connections,
    unrouted: { ...summary.unrouted, listed },
  };
}
