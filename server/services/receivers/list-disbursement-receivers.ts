import { sql } from "drizzle-orm";
import { z } from "zod";
import { PAYMENT_STATUSES, type PaymentStatus, type ReceiverWalletStatus } from "@/server/domain/disbursement-types";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { readDisbursementTotals } from "@/server/payments/payment-totals";
import { cursorPageInput } from "@/server/schemas/pagination.schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { keysetPage } from "../pagination";
import { destinationView } from "../payments/payment-view";

/** Timestamps arrive as PostgreSQL text (db/client.ts leaves them unparsed). */
type ReceiverRow = {
  p_id: string;
  amount: string;
  status: PaymentStatus;
  external_payment_id: string | null;
  line_number: number | null;
  r_id: string;
  external_id: string;
  phone_number: string | null;
  email: string | null;
  created_at: string;
  updated_at: string;
  rw_id: string;
  rw_status: ReceiverWalletStatus;
  stellar_address: string | null;
  stellar_memo: string | null;
  destination_kind: string | null;
  destination_value: string | null;
  destination_memo: string | null;
  destination_details: { bankCode?: string; bic?: string; branch?: string; holderName?: string } | null;
  p_tx: string | null;
  p_op: string | null;
  p_created_at: string;
  p_updated_at: string;
  a_id: string;
  a_code: string;
  a_issuer: string;
  a_deleted_at: string | null;
  rw_created_at: string;
  rw_updated_at: string;
  rw_invited: string | null;
  w_id: string | null;
  w_name: string | null;
  w_enabled: boolean | null;
};

/**
 * Receivers of one disbursement in file order, each with its payment and receiver-wallet status.
 * Pages by keyset (line_number, id): one range of payments_disbursement_status_idx per status,
 * merged; the total is the disbursement's maintained payment count (docs/performance.md, "Lists").
 */
export async function listDisbursementReceivers(ctx: OrgContext, disbursementId: string, raw: z.input<typeof cursorPageInput>) {
  assertCan(ctx, "disbursements:read");
  const input = cursorPageInput.parse(raw);
  if (!z.uuid().safeParse(disbursementId).success) throw notFound("The disbursement");
  const [d] = await ctx.db.execute<{ id: string }>(sql`select id from disbursements where id = ${disbursementId} and org_id = ${ctx.org.id}`);
  if (!d) throw notFound("The disbursement");
  const totals = (await readDisbursementTotals(ctx.db, ctx.org.id, [d.id])).get(d.id)!;
  const total = PAYMENT_STATUSES.reduce((n, s) => n + totals[s].count, 0);
  const { ids, pagination } = await keysetPage(
    {
      db: ctx.db,
      branches: PAYMENT_STATUSES.map((s) => sql`from payments p where p.disbursement_id = ${d.id} and p.status = ${sql.raw(`'${s}'::payment_status`)}`),
      keys: [
        { expr: sql`p.line_number`, type: "integer" },
        { expr: sql`p.id`, type: "uuid" },
      ],
      direction: "asc",
      shape: { list: "disbursement-receivers", d: d.id },
      total,
    },
    input,
  );
  // One statement with exactly the columns shown (docs/performance/pages.md, "Payment views").
  const rows = ids.length
    ? await ctx.db.execute<ReceiverRow>(sql`
        select p.id as p_id, p.amount, p.status, p.external_payment_id, p.line_number,
          p.stellar_transaction_hash as p_tx, p.stellar_operation_id as p_op, p.created_at as p_created_at, p.updated_at as p_updated_at,
          a.id as a_id, a.code as a_code, a.issuer as a_issuer, a.deleted_at as a_deleted_at,
          r.id as r_id, r.external_id, r.phone_number, r.email, r.created_at, r.updated_at,
          rw.id as rw_id, rw.status as rw_status, rw.stellar_address, rw.stellar_memo,
          rw.destination_kind, rw.destination_value, rw.destination_memo, rw.destination_details,
          rw.created_at as rw_created_at, rw.updated_at as rw_updated_at, rw.last_invitation_at as rw_invited,
          w.id as w_id, w.name as w_name, w.enabled as w_enabled
        from payments p
        join assets a on a.id = p.asset_id
        join receivers r on r.id = p.receiver_id
        join receiver_wallets rw on rw.id = p.receiver_wallet_id
        left join wallets w on w.id = rw.wallet_id
        where p.org_id = ${ctx.org.id} and p.id = any(${uuidArray(ids)})`)
    : [];
  const byId = new Map([...rows].map((row) => [row.p_id, row]));
  return {
    pagination,
    data: ids
      .map((id) => byId.get(id))
      .filter((row) => row !== undefined)
      .map((row) => ({
        id: row.r_id,
        external_id: row.external_id,
        phone_number: row.phone_number,
        email: row.email,
        created_at: new Date(row.created_at).toISOString(),
        updated_at: new Date(row.updated_at).toISOString(),
        receiver_wallet: {
          id: row.rw_id,
          receiver: { id: row.r_id },
          wallet: row.w_id === null ? null : { id: row.w_id, name: row.w_name ?? "", enabled: row.w_enabled ?? false },
          status: row.rw_status,
          created_at: new Date(row.rw_created_at).toISOString(),
          updated_at: new Date(row.rw_updated_at).toISOString(),
          invitation_sent_at: row.rw_invited === null ? null : new Date(row.rw_invited).toISOString(),
          stellar_address: row.stellar_address,
          stellar_memo: row.stellar_memo,
          destination: destinationView({
            destinationKind: row.destination_kind,
            destinationValue: row.destination_value,
            destinationMemo: row.destination_memo,
            destinationDetails: row.destination_details,
          }),
        },
        payment: {
          id: row.p_id,
          amount: row.amount,
          status: row.status,
          external_payment_id: row.external_payment_id,
          line_number: row.line_number,
          stellar_transaction_id: row.p_tx,
          stellar_operation_id: row.p_op,
          asset: { id: row.a_id, code: row.a_code, issuer: row.a_issuer, deleted_at: row.a_deleted_at === null ? null : new Date(row.a_deleted_at).toISOString() },
          created_at: new Date(row.p_created_at).toISOString(),
          updated_at: new Date(row.p_updated_at).toISOString(),
        },
      })),
  };
}
