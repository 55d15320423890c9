/**
 * Bank payments for the reconciliation tests and the benchmark: a FIAT asset, a BANK connection and a
 * STARTED disbursement whose payments are PENDING through that connection, as if the bank rail had
 * shipped them (its shipment is built elsewhere). Rows are written directly, set-based.
 */
import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";

export type BankSetup = { assetId: string; walletId: string; connectionId: string };

/** A EUR asset (2 decimals), a wallet offering it and a BANK connection named `name`. */
export async function createBankSetup(db: DbOrTx, orgId: string, name = `Sponsor bank ${randomUUID().slice(0, 8)}`): Promise<BankSetup> {
  const [asset] = await db.execute<{ id: string }>(sql`
    insert into assets (org_id, kind, code, issuer, decimals) values (${orgId}, 'FIAT', 'EUR', '', 2)
    on conflict (org_id, kind, code, issuer) do update set code = excluded.code returning id`);
  const [wallet] = await db.execute<{ id: string }>(sql`
    insert into wallets (org_id, name, homepage, deep_link_schema, sep10_client_domain)
    values (${orgId}, ${`Bank payees ${randomUUID().slice(0, 8)}`}, 'https://bank.example', 'https://bank.example/deeplink', 'bank.example') returning id`);
  await db.execute(sql`insert into wallet_assets (wallet_id, asset_id) values (${wallet!.id}, ${asset!.id}) on conflict do nothing`);
  const [connection] = await db.execute<{ id: string }>(sql`
    insert into payment_connections (org_id, rail_type, name, settings) values (${orgId}, 'BANK', ${name}, '{"shipmentMode":"FILE"}'::jsonb) returning id`);
  return { assetId: asset!.id, walletId: wallet!.id, connectionId: connection!.id };
}

/**
 * A STARTED disbursement with `amounts.length` payments in `status` (PENDING by default) routed to
 * the connection; returns the payment ids in line order. One statement per table, whatever the count.
 */
export async function createBankPayments(
  db: DbOrTx,
  orgId: string,
  setup: BankSetup,
  amounts: readonly string[],
  options: { status?: "PENDING" | "READY" | "SUCCESS" | "DRAFT"; name?: string } = {},
): Promise<{ disbursementId: string; paymentIds: string[] }> {
  const status = options.status ?? "PENDING";
  const tag = randomUUID().slice(0, 8);
  const [d] = await db.execute<{ id: string }>(sql`
    insert into disbursements (org_id, name, wallet_id, asset_id, status, registration_contact_type)
    values (${orgId}, ${options.name ?? `Bank run ${tag}`}, ${setup.walletId}, ${setup.assetId}, 'STARTED', 'BANK_ACCOUNT') returning id`);
  const disbursementId = d!.id;
  const n = amounts.length;
  const history = JSON.stringify([{ status, status_message: null, timestamp: new Date().toISOString() }]);
  const rows = await db.execute<{ id: string }>(sql`
    with input as (
      select ord, amount::numeric as amount from unnest(${`{${amounts.join(",")}}`}::text[]) with ordinality as t(amount, ord)),
    r as (
      insert into receivers (org_id, external_id)
      select ${orgId}, ${`bank-${tag}-`} || ord from input returning id, external_id),
    rw as (
      insert into receiver_wallets (org_id, receiver_id, wallet_id, status, destination_kind, destination_value)
      select ${orgId}, r.id, ${setup.walletId}, 'REGISTERED', 'IBAN', 'NL' || lpad((row_number() over ())::text, 16, '0') from r
      returning id, receiver_id)
    insert into payments (org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, status_history, line_number, connection_id)
    select ${orgId}, ${disbursementId}, r.id, rw.id, ${setup.assetId}, i.amount, ${status}::payment_status, ${history}::jsonb, i.ord, ${setup.connectionId}
    from input i join r on r.external_id = ${`bank-${tag}-`} || i.ord join rw on rw.receiver_id = r.id
    returning id, line_number`);
  const ordered = [...rows].sort((a, b) => Number((a as unknown as { line_number: number }).line_number) - Number((b as unknown as { line_number: number }).line_number));
  if (ordered.length !== n) throw new Error(`created ${ordered.length} of ${n} bank payments`);
  return { disbursementId, paymentIds: ordered.map((r) => r.id) };
}
