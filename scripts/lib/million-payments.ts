import type postgres from "postgres";

/**
 * A large organization built in SQL (generate_series, set-based inserts), for benchmarks and the
 * EXPLAIN plans of docs/performance.md: `disbursements` disbursements of `perDisbursement` payments
 * each (1,000,000 by default) to `perDisbursement` receivers (each paid once per disbursement), with
 * the statuses of a busy organization: the last disbursement STARTED with its payments READY, the
 * others COMPLETED with most payments SUCCESS and one in 50 FAILED. The payment triggers keep
 * `disbursement_payment_totals` exact (migration 0006). Runs against a migrated database.
 */
export type LargeOrganization = { orgId: string; userId: string; walletId: string; assetId: string; disbursementIds: string[]; receiverCount: number };

export async function loadLargeOrganization(
  sql: postgres.Sql,
  options: { disbursements?: number; perDisbursement?: number; slug?: string; log?: (line: string) => void } = {},
): Promise<LargeOrganization> {
  const count = options.disbursements ?? 10;
  const per = options.perDisbursement ?? 100_000;
  const slug = options.slug ?? `large-${Date.now().toString(36)}`;
  const log = options.log ?? (() => {});
  const started = performance.now();
  const step = (what: string) => log(`${what} (${((performance.now() - started) / 1000).toFixed(1)} s)`);

  const [org] = await sql<{ id: string }[]>`insert into organizations (name, slug) values (${`Large ${slug}`}, ${slug}) returning id`;
  const orgId = org!.id;
  const [user] = await sql<{ id: string }[]>`
    insert into users (email, name, password_hash) values (${`owner@${slug}.test`}, 'Owner', 'x') returning id`;
  const [asset] = await sql<{ id: string }[]>`
    insert into assets (org_id, code, issuer) values (${orgId}, 'USDC', 'GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN') returning id`;
  const [wallet] = await sql<{ id: string }[]>`
    insert into wallets (org_id, name, homepage, deep_link_schema, sep10_client_domain)
    values (${orgId}, 'Demo Wallet', 'https://wallet.test', 'https://wallet.test/sdp', 'wallet.test') returning id`;
  await sql`insert into wallet_assets (wallet_id, asset_id) values (${wallet!.id}, ${asset!.id})`;

  // Receivers: phone +1555xxxxxxx, email rNNN@example.test, external id EXT-NNNNNN; receiver i is
  // created i microseconds after the first, so the created_at order is the number order.
  await sql`
    insert into receivers (org_id, external_id, phone_number, email, created_at, updated_at)
    select ${orgId}, 'EXT-' || lpad(i::text, 7, '0'), '+1555' || lpad(i::text, 7, '0'),
           'r' || i || '@example.test', now() - interval '1 day' + i * interval '1 microsecond', now() - interval '1 day'
    from generate_series(1, ${per}) i`;
  step(`${per} receivers`);
  await sql`
    insert into receiver_wallets (org_id, receiver_id, wallet_id, status, destination_kind, destination_value)
    select ${orgId}, r.id, ${wallet!.id}, 'REGISTERED', 'STELLAR_ADDRESS', 'GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN'
    from receivers r where r.org_id = ${orgId}`;
  step("receiver wallets");

  const disbursementIds: string[] = [];
  for (let d = 0; d < count; d++) {
    const last = d === count - 1;
    const [row] = await sql<{ id: string }[]>`
      insert into disbursements (org_id, name, wallet_id, asset_id, status, registration_contact_type, created_by, created_at)
      values (${orgId}, ${`Payroll ${String(d + 1).padStart(2, "0")}`}, ${wallet!.id}, ${asset!.id}, ${last ? "STARTED" : "COMPLETED"},
              'PHONE_NUMBER', ${user!.id}, now() - ${count - d} * interval '1 hour')
      returning id`;
    disbursementIds.push(row!.id);
    // One statement per disbursement: payments of one import share created_at, like a real import.
    await sql`
      insert into payments (org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status,
                            external_payment_id, line_number, created_at, updated_at)
      select ${orgId}, ${row!.id}, r.id, rw.id, ${asset!.id}, (10 + (r.n % 90))::numeric,
             (case when ${last} then 'READY' when r.n % 50 = 0 then 'FAILED' else 'SUCCESS' end)::payment_status,
             'PAY-' || ${d + 1} || '-' || lpad(r.n::text, 7, '0'), r.n,
             now() - ${count - d} * interval '1 hour', now() - ${count - d} * interval '1 hour' + (r.n % 3600) * interval '1 second'
      from (select id, substr(external_id, 5)::int as n from receivers where org_id = ${orgId}) r
      join receiver_wallets rw on rw.receiver_id = r.id
      order by r.n`;
    step(`disbursement ${d + 1}/${count}: ${per} payments`);
  }
  await sql`vacuum analyze payments`;
  await sql`vacuum analyze receivers`;
  await sql`vacuum analyze receiver_wallets`;
  await sql`analyze disbursements`;
  step("vacuum analyze");
  return { orgId, userId: user!.id, walletId: wallet!.id, assetId: asset!.id, disbursementIds, receiverCount: per };
}
