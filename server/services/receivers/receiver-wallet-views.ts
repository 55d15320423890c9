import { sql } from "drizzle-orm";
import type { ReceiverWalletStatus } from "@/server/domain/disbursement-types";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { assertCan, type OrgContext } from "../context";
import { destinationView } from "../payments/payment-view";

type Row = {
  id: string;
  receiver_id: string;
  status: ReceiverWalletStatus;
  status_history: unknown[];
  stellar_address: string | null;
  stellar_memo: string | null;
  destination_kind: string | null;
  destination_value: string | null;
  destination_memo: string | null;
  destination_details: { bankCode?: string; bic?: string; branch?: string; holderName?: string } | null;
  last_invitation_at: string | null;
  created_at: string;
  updated_at: string;
  w_id: string | null;
  w_name: string | null;
  w_homepage: string | null;
  w_sep10: string | null;
  w_deep_link: string | null;
  w_enabled: boolean | null;
  w_created_at: string | null;
  w_updated_at: string | null;
};

const iso = (text: string) => new Date(text).toISOString();

/**
 * The receiver wallets of these receivers as SDP's `ReceiverWallet` (with its `receiver` and full
 * `wallet`), grouped by receiver, oldest first: one statement for a whole page of receivers
 * (receiver_wallets_receiver_wallet_key), never a query per receiver. `wallet` is null for a bank
 * account (no wallet provider, docs/rails.md "Destinations").
 */
export async function loadReceiverWalletViews(ctx: OrgContext, receiverIds: readonly string[]) {
  assertCan(ctx, "disbursements:read");
  const out = new Map<string, ReturnType<typeof toView>[]>();
  if (receiverIds.length === 0) return out;
  const rows = await ctx.db.execute<Row>(sql`
    select rw.id, rw.receiver_id, rw.status, rw.status_history, rw.stellar_address, rw.stellar_memo,
      rw.destination_kind, rw.destination_value, rw.destination_memo, rw.destination_details,
      rw.last_invitation_at, rw.created_at, rw.updated_at,
      w.id as w_id, w.name as w_name, w.homepage as w_homepage, w.sep10_client_domain as w_sep10,
      w.deep_link_schema as w_deep_link, w.enabled as w_enabled, w.created_at as w_created_at, w.updated_at as w_updated_at
    from receiver_wallets rw
    left join wallets w on w.id = rw.wallet_id
    where rw.org_id = ${ctx.org.id} and rw.receiver_id = any(${uuidArray(receiverIds)})
    order by rw.created_at, rw.id`);
  for (const row of rows) {
    const list = out.get(row.receiver_id) ?? [];
    list.push(toView(row));
    out.set(row.receiver_id, list);
  }
  return out;
}

function toView(row: Row) {
  return {
    id: row.id,
    receiver: { id: row.receiver_id },
    wallet:
      row.w_id === null
        ? null
        : {
            id: row.w_id,
            name: row.w_name ?? "",
            homepage: row.w_homepage ?? "",
            sep_10_client_domain: row.w_sep10 ?? "",
            deep_link_schema: row.w_deep_link ?? "",
            enabled: row.w_enabled ?? false,
            created_at: row.w_created_at === null ? null : iso(row.w_created_at),
            updated_at: row.w_updated_at === null ? null : iso(row.w_updated_at),
          },
    stellar_address: row.stellar_address,
    stellar_memo: row.stellar_memo,
    status: row.status,
    status_history: row.status_history,
    destination: destinationView({
      destinationKind: row.destination_kind,
      destinationValue: row.destination_value,
      destinationMemo: row.destination_memo,
      destinationDetails: row.destination_details,
    }),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    invitation_sent_at: row.last_invitation_at === null ? null : iso(row.last_invitation_at),
  };
}

export type ReceiverWalletView = ReturnType<typeof toView>;
