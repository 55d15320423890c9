import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";

/**
 * Serialize changes to one organization's rule list (positions are renumbered in place): a
 * transaction-scoped advisory lock keyed by the organization, taken first by every routing verb.
 */
export async function lockRoutingRules(tx: DbOrTx, orgId: string) {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`routing_rules:${orgId}`}))`);
}

/** Positions 1…n in the current order (after a delete or a move), in one statement. */
export async function renumberRules(tx: DbOrTx, orgId: string) {
  await tx.execute(sql`
    update routing_rules r set position = o.n
    from (select id, row_number() over (order by position, created_at, id)::int as n from routing_rules where org_id = ${orgId}) o
    where r.id = o.id and r.position <> o.n`);
}
