import { loadRailConnection } from "@/server/services/connections/rail-connection";
import { PREFLIGHT_PAYEES_LISTED, PREFLIGHT_UNRESOLVED_LISTED, payeeProblem, type PayeeLookupStatus } from "@/server/domain/mojaloop-preflight";
import { describeFspiopError } from "@/server/rails/mojaloop/fspiop-errors";
import { requestPartyLookups } from "@/server/rails/mojaloop/party-lookups";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { countMojaloopPayees, listMojaloopPayees, loadMojaloopRouting, mojaloopPayeeIdentifiers, type MojaloopRouting, type PayeeRow } from "./mojaloop-payees";

export type MojaloopPayee = {
  payment_id: string;
  line_number: number | null;
  receiver_id: string;
  external_id: string;
  /** The number paid, `+<digits>`; null when the payment has none. */
  phone: string | null;
  amount: string;
  connection_id: string;
  status: PayeeLookupStatus;
  /** PENDING for longer than the connection's callback timeout: no answer, may be asked again. */
  timed_out: boolean;
  /** What the switch answered: the party's name and the FSP that holds its account. */
  party_name: string | null;
  fsp_id: string | null;
  /** Why it is not resolved, in words; null when resolved or still waiting within the timeout. */
  problem: string | null;
  error_code: string | null;
};

export type MojaloopPreflightCounts = {
  payees: number;
  resolved: number;
  /** Waiting for the switch (includes `no_answer`). */
  pending: number;
  /** PENDING past the callback timeout. */
  no_answer: number;
  not_found: number;
  failed: number;
  not_requested: number;
};

export type MojaloopPreflight = {
  disbursement_id: string;
  asset_code: string;
  /** The Mojaloop connections the payments route to, with how many payees each. */
  connections: { connection_id: string; name: string; callback_timeout_seconds: number; payees: number }[];
  counts: MojaloopPreflightCounts;
  /** Lookups sent and still within their callback timeout: the page polls while true. */
  in_progress: boolean;
  /** Payees "Exclude unresolved" would cancel (NOT_FOUND + FAILED). */
  excludable: number;
  /** The first payees in file order. */
  payees: MojaloopPayee[];
  /** The first payees whose lookup ended NOT_FOUND or FAILED, in file order. */
  unresolved: MojaloopPayee[];
  checked_at: string;
  /** Set by a lookup: per connection, how many GET /parties were sent and how many could not be sent. */
  lookup?: { connection_id: string; requested: number; failed_to_send: number }[];
};

export type MojaloopPreflightDeps = {
  requestPartyLookups: typeof requestPartyLookups;
  now: () => Date;
};

const defaultDeps: MojaloopPreflightDeps = { requestPartyLookups, now: () => new Date() };

function toPayee(row: PayeeRow, routing: MojaloopRouting, now: Date): MojaloopPayee {
  const timeout = routing.targets.find((t) => t.connectionId === row.connection_id)?.callbackTimeoutSeconds ?? 60;
  const requestedAt = row.requested_at === null ? null : new Date(row.requested_at);
  return {
    payment_id: row.payment_id,
    line_number: row.line_number,
    receiver_id: row.receiver_id,
    external_id: row.external_id,
    phone: row.phone,
    amount: row.amount,
    connection_id: row.connection_id,
    status: row.lookup_status,
    timed_out: row.timed_out,
    party_name: row.lookup_status === "RESOLVED" ? row.party_name : null,
    fsp_id: row.lookup_status === "RESOLVED" ? row.fsp_id : null,
    problem: payeeProblem(
      { status: row.party_status, errorCode: row.error_code, errorMessage: row.error_message, requestedAt },
      { hasPhone: row.phone !== null, callbackTimeoutSeconds: timeout, now, describeCode: describeFspiopError },
    ),
    error_code: row.error_code,
  };
}

/** What the switch has said so far about the payees routed to Mojaloop connections (reads only). */
async function readPreflight(ctx: OrgContext, routing: MojaloopRouting, now: Date): Promise<MojaloopPreflight> {
  const [counted, payees, unresolved] = await Promise.all([
    countMojaloopPayees(ctx.db, routing, now),
    listMojaloopPayees(ctx.db, routing, now, { limit: PREFLIGHT_PAYEES_LISTED }),
    listMojaloopPayees(ctx.db, routing, now, { limit: PREFLIGHT_UNRESOLVED_LISTED, onlyExcludable: true }),
  ]);
  const counts: MojaloopPreflightCounts = { payees: 0, resolved: 0, pending: 0, no_answer: 0, not_found: 0, failed: 0, not_requested: 0 };
  const perConnection = new Map<string, number>();
  for (const c of counted) {
    counts.payees += c.n;
    perConnection.set(c.connection_id, (perConnection.get(c.connection_id) ?? 0) + c.n);
    if (c.lookup_status === "RESOLVED") counts.resolved += c.n;
    else if (c.lookup_status === "NOT_FOUND") counts.not_found += c.n;
    else if (c.lookup_status === "FAILED") counts.failed += c.n;
    else if (c.lookup_status === "NOT_REQUESTED") counts.not_requested += c.n;
    else {
      counts.pending += c.n;
      if (c.timed_out) counts.no_answer += c.n;
    }
  }
  const connections = new Map<string, MojaloopPreflight["connections"][number]>();
  for (const t of routing.targets) {
    if (connections.has(t.connectionId)) continue;
    connections.set(t.connectionId, {
      connection_id: t.connectionId,
      name: t.connectionName,
      callback_timeout_seconds: t.callbackTimeoutSeconds,
      payees: perConnection.get(t.connectionId) ?? 0,
    });
  }
  return {
    disbursement_id: routing.disbursement.id,
    asset_code: routing.disbursement.assetCode,
    connections: [...connections.values()].filter((c) => c.payees > 0),
    counts,
    in_progress: counts.pending > counts.no_answer,
    excludable: counts.not_found + counts.failed,
    payees: payees.map((r) => toPayee(r, routing, now)),
    unresolved: unresolved.map((r) => toPayee(r, routing, now)),
    checked_at: now.toISOString(),
  };
}

/**
 * The Mojaloop party preflight of a disbursement before start (docs/rails/mojaloop-preflight.md): the
 * payments routing would send to Mojaloop connections now, each with the party name and FSP the switch
 * resolved for its phone number, or why not; and counts (resolved, pending, not found, failed).
 *
 * `lookUp`: first ask the switch (GET /parties through requestPartyLookups, which stores PENDING rows,
 * commits, then sends outside any transaction; the callbacks fill the rows in later) for every payee
 * without a usable answer — never looked up, FAILED, or PENDING past the callback timeout; `force`: all
 * of them again. Without `lookUp` it only reads, which is what the page polls.
 *
 * The same permission as the Stellar preflight (server/services/stellar/preflight-disbursement.ts):
 * looking a payee up changes no payment, it only asks the switch who the payee is.
 */
export async function preflightMojaloopPayees(
  ctx: OrgContext,
  disbursementId: string,
  options: { lookUp?: boolean; force?: boolean } = {},
  deps: MojaloopPreflightDeps = defaultDeps,
): Promise<MojaloopPreflight> {
  assertCan(ctx, "disbursements:read");
  const routing = await loadMojaloopRouting(ctx.db, ctx.org.id, disbursementId);
  if (!routing) throw notFound("The disbursement");
  let lookup: MojaloopPreflight["lookup"];
  if (options.lookUp) {
    const identifiers = await mojaloopPayeeIdentifiers(ctx.db, routing, deps.now());
    lookup = [];
    // In rule order (the routing preview's order), each connection once.
    for (const connectionId of new Set(routing.targets.map((t) => t.connectionId))) {
      const ids = identifiers.get(connectionId);
      if (!ids) continue;
      const connection = await loadRailConnection(ctx.db, ctx.org.id, connectionId);
      // Deleted between the routing read and now: its payees show as not looked up.
      if (!connection) continue;
      const sent = await deps.requestPartyLookups(ctx.db, connection, ids, { force: options.force === true });
      lookup.push({ connection_id: connectionId, requested: sent.requested, failed_to_send: sent.failedToSend });
    }
    if (lookup.length > 0) {
      await recordAuditEvent(ctx.db, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "disbursement.mojaloop_payees_looked_up",
        targetId: routing.disbursement.id,
        details: { force: options.force === true, connections: lookup, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
      });
    }
  }
  const result = await readPreflight(ctx, routing, deps.now());
  return lookup ? { ...result, lookup } : result;
}
