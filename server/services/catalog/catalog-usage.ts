import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { badRequest } from "../errors";

/** Disbursement statuses that may still pay: a wallet or asset they use cannot be deleted under them. */
const UNFINISHED = ["DRAFT", "READY", "STARTED", "PAUSED"] as const;
const SHOWN = 3;

function listNames(names: string[], total: number): string {
  const shown = names.slice(0, SHOWN).map((n) => `“${n}”`);
  const more = total - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}

function plural(n: number, one: string, many: string) {
  return n === 1 ? one : many;
}

/**
 * Why a wallet or asset cannot be soft-deleted now, as sentences naming what uses it (empty when
 * nothing does): disbursements that may still pay (DRAFT, READY, STARTED, PAUSED), G2P senders whose
 * payments go to it, and for a wallet SDP's own refusal, receivers still registering with it
 * (receiver wallets DRAFT or READY: their invitation links would lead to a wallet that is gone).
 * Finished disbursements and their payments keep the row: history still shows it.
 */
export async function catalogUsage(tx: DbOrTx, orgId: string, target: { walletId: string } | { assetId: string }): Promise<string[]> {
  const isWallet = "walletId" in target;
  const id = isWallet ? target.walletId : target.assetId;
  const disbursementColumn = isWallet ? sql`wallet_id` : sql`asset_id`;
  const senderColumn = isWallet ? sql`wallet_id` : sql`default_asset_id`;
  const [usage] = await tx.execute<{
    disbursements: string[] | null;
    disbursement_count: number;
    senders: string[] | null;
    sender_count: number;
    registering: number;
  }>(sql`
    select
      (select array_agg(name order by created_at desc) from (select name, created_at from disbursements
         where org_id = ${orgId} and ${disbursementColumn} = ${id} and status in (${sql.join(
           UNFINISHED.map((s) => sql`${s}`),
           sql`, `,
         )})
         order by created_at desc limit ${SHOWN}) d) as disbursements,
      (select count(*)::int from disbursements
         where org_id = ${orgId} and ${disbursementColumn} = ${id} and status in (${sql.join(
           UNFINISHED.map((s) => sql`${s}`),
           sql`, `,
         )})) as disbursement_count,
      (select array_agg(name order by name) from (select name from g2p_senders
         where org_id = ${orgId} and ${senderColumn} = ${id} order by name limit ${SHOWN}) s) as senders,
      (select count(*)::int from g2p_senders where org_id = ${orgId} and ${senderColumn} = ${id}) as sender_count,
      ${isWallet ? sql`(select count(*)::int from receiver_wallets where wallet_id = ${id} and status in ('DRAFT', 'READY'))` : sql`0`} as registering`);
  const reasons: string[] = [];
  if (usage && usage.disbursement_count > 0) {
    const n = usage.disbursement_count;
    reasons.push(
      `the ${plural(n, "disbursement", "disbursements")} ${listNames(usage.disbursements ?? [], n)} ${plural(n, "uses", "use")} it and ${plural(n, "is", "are")} not finished (complete or cancel ${plural(n, "it", "them")} first)`,
    );
  }
  if (usage && usage.sender_count > 0) {
    const n = usage.sender_count;
    reasons.push(
      `the G2P ${plural(n, "sender", "senders")} ${listNames(usage.senders ?? [], n)} ${isWallet ? "pays into" : "defaults to"} it (change ${plural(n, "that sender", "those senders")} on the Integrations page first)`,
    );
  }
  if (usage && usage.registering > 0) {
    const n = usage.registering;
    reasons.push(`${n} ${plural(n, "receiver has", "receivers have")} not finished registering with it (as in SDP: pending registrations keep a wallet)`);
  }
  return reasons;
}

/** Refuses (400, as SDP refuses a wallet with pending registrations) when something still uses it. */
export function refuseWhileUsed(what: string, reasons: string[]) {
  if (reasons.length === 0) return;
  // No field is at fault: REST answers SDP's {"error":"Bad request","extras":{"status":400,"message":…}}.
  throw badRequest(`${what} cannot be deleted: ${reasons.join("; ")}.`, undefined, "INVALID_STATE");
}
