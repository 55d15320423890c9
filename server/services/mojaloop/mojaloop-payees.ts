import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { paymentConnections } from "@/db/schema";
import { EXCLUDABLE_LOOKUP_STATUSES, type PayeeLookupStatus } from "@/server/domain/mojaloop-preflight";
import type { MojaloopPartyStatus } from "@/server/domain/mojaloop";
import { fspiopPartyId } from "@/server/rails/mojaloop/mojaloop-connection";
import { MOJALOOP_TIMEOUTS } from "@/server/schemas/connections.schema";
import { loadRouting } from "../routing/load-routing";
import { loadDisbursementForRouting, ROUTED_STATUSES } from "../routing/preview-disbursement-routing";
import { routedPaymentsQuery } from "../routing/routing-sql";

/**
 * The payments of a disbursement that routing would send to a Mojaloop connection if it started now
 * (the same set-based routing as the routing preview, server/services/routing/routing-sql.ts), each with
 * its phone number and what the switch said about it (`mojaloop_parties`, matched on the connection and
 * the FSPIOP MSISDN form: the stored `+<digits>` without `+`). Shared by the preflight and the
 * exclusion so both see the same payees.
 */

export type MojaloopTarget = { routeIndex: number; connectionId: string; connectionName: string; callbackTimeoutSeconds: number };

export type MojaloopRouting = {
  disbursement: { id: string; assetId: string; assetCode: string };
  query: Parameters<typeof routedPaymentsQuery>[0];
  /** One per compiled rule that routes to a Mojaloop connection (directly or by fallback). */
  targets: MojaloopTarget[];
};

/** The disbursement and its Mojaloop routes; null when the disbursement is not the organization's. */
export async function loadMojaloopRouting(db: DbOrTx, orgId: string, disbursementId: string): Promise<MojaloopRouting | null> {
  const d = await loadDisbursementForRouting(db, orgId, disbursementId);
  if (!d) return null;
  const { compiled } = await loadRouting(db, orgId);
  const routes = compiled.filter((c) => c.connection?.railType === "MOJALOOP" && c.kinds.length > 0);
  const ids = [...new Set(routes.map((c) => c.connection!.id))];
  const settings = ids.length
    ? await db
        .select({ id: paymentConnections.id, settings: paymentConnections.settings })
        .from(paymentConnections)
        .where(and(eq(paymentConnections.orgId, orgId), inArray(paymentConnections.id, ids)))
    : [];
  const timeoutOf = new Map(settings.map((s) => [s.id, callbackTimeoutOf(s.settings)]));
  return {
    disbursement: { id: d.id, assetId: d.assetId, assetCode: d.assetCode },
    query: { orgId, disbursementId: d.id, contactType: d.contactType, compiled, statuses: ROUTED_STATUSES },
    targets: routes.map((c) => ({
      routeIndex: c.index,
      connectionId: c.connection!.id,
      connectionName: c.connection!.name,
      callbackTimeoutSeconds: timeoutOf.get(c.connection!.id) ?? MOJALOOP_TIMEOUTS.callbackSeconds.default,
    })),
  };
}

/** The connection's callback timeout (stored settings were checked by mojaloopSettingsSchema). */
function callbackTimeoutOf(settings: Record<string, unknown>): number {
  const value = settings.callbackTimeoutSeconds;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : MOJALOOP_TIMEOUTS.callbackSeconds.default;
}

export type PayeeRow = {
  payment_id: string;
  line_number: number | null;
  receiver_id: string;
  external_id: string;
  amount: string;
  connection_id: string;
  phone: string | null;
  party_status: MojaloopPartyStatus | null;
  fsp_id: string | null;
  party_name: string | null;
  error_code: string | null;
  error_message: string | null;
  requested_at: Date | string | null;
  lookup_status: PayeeLookupStatus;
  timed_out: boolean;
};

/**
 * `select …` one row per Mojaloop-routed payment (PayeeRow's columns). `now` decides which PENDING
 * lookups have waited past their connection's callback timeout.
 */
export function mojaloopPayeesQuery(routing: MojaloopRouting, now: Date): SQL {
  const targets = sql.join(
    routing.targets.map((t) => sql`(${t.routeIndex}::int, ${t.connectionId}::uuid, ${t.callbackTimeoutSeconds}::int)`),
    sql`, `,
  );
  return sql`
    select routed.id as payment_id, routed.line_number, routed.receiver_id, r.external_id, routed.amount::text as amount,
      t.connection_id, rw.destination_value as phone, mp.status as party_status, mp.fsp_id, mp.name as party_name,
      mp.error_code, mp.error_message, mp.requested_at,
      case when rw.destination_value is null then 'NOT_REQUESTED' else coalesce(mp.status::text, 'NOT_REQUESTED') end as lookup_status,
      coalesce(mp.status = 'PENDING' and mp.requested_at < ${now.toISOString()}::timestamptz - make_interval(secs => t.timeout_seconds), false) as timed_out
    from (${routedPaymentsQuery(routing.query)}) routed
    join (values ${targets}) as t(route_index, connection_id, timeout_seconds) on t.route_index = routed.route_index
    join receiver_wallets rw on rw.id = routed.receiver_wallet_id
    join receivers r on r.id = routed.receiver_id
    left join mojaloop_parties mp on mp.org_id = ${routing.query.orgId} and mp.connection_id = t.connection_id
      and mp.party_id_type = 'MSISDN' and mp.party_identifier = ltrim(rw.destination_value, '+')`;
}

export type PayeeCountRow = { connection_id: string; lookup_status: PayeeLookupStatus; timed_out: boolean; n: number };

/** Counts per connection, lookup status and timed-out flag (one aggregate, whatever the number of payments). */
export async function countMojaloopPayees(db: DbOrTx, routing: MojaloopRouting, now: Date): Promise<PayeeCountRow[]> {
  if (routing.targets.length === 0) return [];
  const rows = await db.execute<PayeeCountRow>(sql`
    select connection_id, lookup_status, timed_out, count(*)::int as n
    from (${mojaloopPayeesQuery(routing, now)}) payees group by connection_id, lookup_status, timed_out`);
  return [...rows];
}

/** Payees in file order (`onlyExcludable`: those whose lookup ended NOT_FOUND or FAILED), at most `limit`. */
export async function listMojaloopPayees(db: DbOrTx, routing: MojaloopRouting, now: Date, options: { limit: number; onlyExcludable?: boolean }): Promise<PayeeRow[]> {
  if (routing.targets.length === 0) return [];
  const which = options.onlyExcludable ? sql`where payees.lookup_status = any(${`{${EXCLUDABLE_LOOKUP_STATUSES.join(",")}}`}::text[])` : sql``;
  const rows = await db.execute<PayeeRow>(sql`
    select * from (${mojaloopPayeesQuery(routing, now)}) payees ${which}
    order by payees.line_number nulls last, payees.payment_id
    limit ${options.limit}`);
  return [...rows];
}

/** The distinct phone numbers to look up, per connection, in FSPIOP's MSISDN form (fspiopPartyId: no `+`). */
export async function mojaloopPayeeIdentifiers(db: DbOrTx, routing: MojaloopRouting, now: Date): Promise<Map<string, string[]>> {
  const byConnection = new Map<string, string[]>();
  if (routing.targets.length === 0) return byConnection;
  const rows = await db.execute<{ connection_id: string; phone: string }>(sql`
    select distinct payees.connection_id, payees.phone
    from (${mojaloopPayeesQuery(routing, now)}) payees where payees.phone is not null
    order by 1, 2`);
  for (const r of rows) {
    let list = byConnection.get(r.connection_id);
    if (!list) byConnection.set(r.connection_id, (list = []));
    list.push(fspiopPartyId(r.phone));
  }
  return byConnection;
}
