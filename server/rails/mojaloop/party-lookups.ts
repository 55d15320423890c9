import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { MojaloopParty } from "@/db/schema";
import type { RailConnection } from "../payment-rail";
import { FspiopRequestError } from "./fspiop-client";
import type { PartyIdType } from "./fspiop-schemas";
import { callbackTimeoutMs, fspiopClientFor } from "./mojaloop-connection";

/**
 * Discovery (docs/rails/mojaloop.md, "Party lookups"): `GET /parties/{Type}/{ID}` for payees whose
 * name and FSP the connection does not know yet. The answer comes later as a PUT callback, applied
 * to `mojaloop_parties` by apply-callback.ts; here the row is stored PENDING first (committed), then
 * the requests go out outside any transaction. Repeating a GET is harmless, so a lookup not answered
 * within the connection's callback timeout, one that failed, or one older than `maxAgeMs` (a payee
 * may have moved to another FSP) is asked again.
 */

export type PartyLookupOptions = {
  /** Ask again even when the row is fresh (Test connection). */
  force?: boolean;
  type?: PartyIdType;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** A RESOLVED or NOT_FOUND answer older than this is asked again (default one day). */
  maxAgeMs?: number;
};

export type PartyLookupResult = { requested: number; failedToSend: number };

const DAY_MS = 24 * 60 * 60 * 1000;

/** A PostgreSQL text[] parameter; every element quoted (identifiers are data, never SQL). */
function textArray(values: readonly string[]) {
  return sql`${`{${values.map((v) => `"${v.replace(/["\\]/g, "\\$&")}"`).join(",")}}`}::text[]`;
}

/** `identifiers`: FSPIOP form (an MSISDN without its `+`, fspiopPartyId). */
export async function requestPartyLookups(
  db: DbOrTx,
  connection: RailConnection,
  identifiers: readonly string[],
  options: PartyLookupOptions = {},
): Promise<PartyLookupResult> {
  const type = options.type ?? "MSISDN";
  const unique = [...new Set(identifiers.filter((i) => i.length > 0))];
  if (unique.length === 0) return { requested: 0, failedToSend: 0 };
  const timeoutSeconds = callbackTimeoutMs(connection) / 1000;
  const maxAgeSeconds = (options.maxAgeMs ?? DAY_MS) / 1000;
  const force = options.force === true;
  // One statement: new rows, and the stale ones turned back to PENDING; both come back to be asked.
  // A refreshed row keeps its last FSP and name until the new answer replaces them.
  const due = await db.execute<{ party_identifier: string }>(sql`
    insert into mojaloop_parties (org_id, connection_id, party_id_type, party_identifier, status, requested_at, updated_at)
    select ${connection.orgId}::uuid, ${connection.id}::uuid, ${type}, i, 'PENDING', now(), now()
    from unnest(${textArray(unique)}) as i
    on conflict (connection_id, party_id_type, party_identifier) do update
      set status = 'PENDING', requested_at = now(), updated_at = now(), error_code = null, error_message = null
      where ${force}
         or mojaloop_parties.status = 'FAILED'
         or (mojaloop_parties.status = 'PENDING' and mojaloop_parties.requested_at < now() - make_interval(secs => ${timeoutSeconds}))
         or (mojaloop_parties.status in ('RESOLVED', 'NOT_FOUND')
             and coalesce(mojaloop_parties.resolved_at, mojaloop_parties.updated_at) < now() - make_interval(secs => ${maxAgeSeconds}))
    returning party_identifier`);
  const ask = due.map((r) => r.party_identifier);
  if (ask.length === 0) return { requested: 0, failedToSend: 0 };

  const client = fspiopClientFor(connection);
  const failures: { identifier: string; code: string; message: string }[] = [];
  let next = 0;
  const lane = async () => {
    while (next < ask.length) {
      const identifier = ask[next++]!;
      try {
        await client.lookupParty({ type, identifier });
      } catch (error) {
        const code = error instanceof FspiopRequestError ? (error.code ?? (error.httpStatus ? `HTTP ${error.httpStatus}` : error.kind)) : "error";
        failures.push({ identifier, code, message: error instanceof Error ? error.message : String(error) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, ask.length) }, lane));
  if (failures.length > 0) await storeSendFailures(db, connection, type, failures);
  return { requested: ask.length - failures.length, failedToSend: failures.length };
}

/** A GET the switch did not take: FAILED with its words, unless a callback answered meanwhile. */
async function storeSendFailures(db: DbOrTx, connection: RailConnection, type: string, failures: { identifier: string; code: string; message: string }[]) {
  await db.execute(sql`
    update mojaloop_parties p set status = 'FAILED', error_code = f.code, error_message = left(f.message, 500), updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(failures)}::jsonb) as f(identifier text, code text, message text)
    where p.connection_id = ${connection.id} and p.party_id_type = ${type} and p.party_identifier = f.identifier and p.status = 'PENDING'`);
}

/** What the connection knows of these payees, by identifier (FSPIOP form). */
export async function readParties(db: DbOrTx, connectionId: string, identifiers: readonly string[], type: PartyIdType = "MSISDN"): Promise<Map<string, MojaloopParty>> {
  const unique = [...new Set(identifiers)];
  if (unique.length === 0) return new Map();
  const rows = await db.execute<Record<string, unknown>>(sql`
    select id, org_id, connection_id, party_id_type, party_identifier, status, fsp_id, name, error_code, error_message, requested_at, resolved_at, updated_at
    from mojaloop_parties
    where connection_id = ${connectionId} and party_id_type = ${type}
      and party_identifier = any(${textArray(unique)})`);
  return new Map(
    rows.map((r) => [
      r.party_identifier as string,
      {
        id: r.id as string,
        orgId: r.org_id as string,
        connectionId: r.connection_id as string,
        partyIdType: r.party_id_type as string,
        partyIdentifier: r.party_identifier as string,
        status: r.status as MojaloopParty["status"],
        fspId: (r.fsp_id as string | null) ?? null,
        name: (r.name as string | null) ?? null,
        errorCode: (r.error_code as string | null) ?? null,
        errorMessage: (r.error_message as string | null) ?? null,
        requestedAt: new Date(r.requested_at as string),
        resolvedAt: r.resolved_at ? new Date(r.resolved_at as string) : null,
        updatedAt: new Date(r.updated_at as string),
      },
    ]),
  );
}
