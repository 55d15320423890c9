/**
 * `npm run bench:payments -- claim`: the dispatcher's claim queries (server/rails/dispatcher/claim-payments.ts,
 * with the Stellar claim step's filter: registered Stellar addresses) under EXPLAIN (ANALYZE, BUFFERS) with 1,000 and 1,000,000 READY payments (BENCH_CLAIM_SIZES), each
 * size in its own throw-away PostgreSQL, beside the pre-0009 claim query on the same data. Rows are
 * generated in SQL (one started disbursement routed to the organization's Stellar connection, registered
 * wallets, one free channel): what is measured
 * is the claim, not the import. Every statement runs in a transaction that is rolled back, three
 * times; the plan of the last run is printed with the three execution times.
 */
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql, type SQL } from "drizzle-orm";
import { createDb, type Db } from "../../db/client";
import { applyMigrations } from "../../db/migrate";
import { claimCandidatesQuery, readyPaymentsQuery } from "../../server/rails/dispatcher/claim-payments";
import { freePort, startEmbeddedPostgres } from "./embedded-postgres";

const say = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ");

/** EXPLAIN (ANALYZE, BUFFERS) of `query` three times, each rolled back; returns the last plan and the execution times. */
async function explain(db: Db, query: SQL): Promise<{ plan: string; times: number[] }> {
  const times: number[] = [];
  let plan = "";
  for (let i = 0; i < 3; i++) {
    await db
      .transaction(async (tx) => {
        const rows = await tx.execute<{ "QUERY PLAN": string }>(sql`explain (analyze, buffers) ${query}`);
        plan = rows.map((r) => r["QUERY PLAN"]).join("\n");
        times.push(Number(/Execution Time: ([\d.]+) ms/.exec(plan)?.[1] ?? Number.NaN));
        throw new Rollback();
      })
      .catch((e: unknown) => {
        if (!(e instanceof Rollback)) throw e;
      });
  }
  return { plan, times };
}
class Rollback extends Error {}

export async function explainClaim(sizes: number[]) {
  const { createOrganization } = await import("../../server/services/organization/create-organization");
  const { seedDemoCatalog } = await import("../../server/services/catalog/seed-demo-catalog");
  for (const size of sizes) {
    say(`claim EXPLAIN with ${size} READY payments; load average ${load()}`);
    const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-claim-"));
    if (process.getuid?.() === 0) chmodSync(tmp, 0o755);
    const pg = await startEmbeddedPostgres({ dir: tmp, port: await freePort(), database: "bench", fast: true });
    try {
      await applyMigrations(pg.url);
      const { db, sql: pool } = createDb(pg.url, { max: 2 });
      try {
        const org = await createOrganization(db, { name: "Claim", slug: `claim-${Date.now()}` });
        const catalog = await seedDemoCatalog(db, org.id);
        const t0 = Date.now();
        const [d] = await db.execute<{ id: string }>(sql`
          insert into disbursements (org_id, name, wallet_id, asset_id, status, registration_contact_type)
          values (${org.id}, 'claim bench', ${catalog.wallet.id}, ${catalog.xlm.id}, 'STARTED', 'PHONE_NUMBER_AND_WALLET_ADDRESS') returning id`);
        await db.execute(sql`
          insert into receivers (id, org_id, external_id)
          select md5('r' || i)::uuid, ${org.id}, 'r' || i from generate_series(1, ${size}) i`);
        await db.execute(sql`
          insert into receiver_wallets (id, org_id, receiver_id, wallet_id, status, destination_kind, destination_value)
          select md5('w' || i)::uuid, ${org.id}, md5('r' || i)::uuid, ${catalog.wallet.id}, 'REGISTERED', 'STELLAR_ADDRESS', 'GBENCH' || lpad(i::text, 50, '0')
          from generate_series(1, ${size}) i`);
        // Every organization has its Stellar connection from creation; the payments are routed to it.
        const [connection] = await db.execute<{ id: string }>(sql`
          select id from payment_connections where org_id = ${org.id} and rail_type = 'STELLAR' and enabled limit 1`);
        if (!connection) throw new Error("the organization has no Stellar connection");
        await db.execute(sql`
          insert into payments (org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, line_number, connection_id)
          select ${org.id}, ${d!.id}, md5('r' || i)::uuid, md5('w' || i)::uuid, ${catalog.xlm.id}, 1, 'READY', i + 1, ${connection.id}::uuid
          from generate_series(1, ${size}) i`);
        await db.execute(sql`
          insert into stellar_accounts (org_id, network, kind, public_key, encrypted_secret, activated_at, sequence)
          values (${org.id}, 'local', 'channel', 'GCHANNELBENCH', 'unused', now(), 1)`);
        await db.execute(sql`vacuum analyze`);
        say(`  ${size} READY payments generated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

        const candidate = { disbursementId: d!.id, connectionId: connection.id };
        const ids = (await db.execute<{ id: string }>(readyPaymentsQuery(candidate, 99, ["STELLAR_ADDRESS"]))).map((r) => r.id);
        const queries: [string, SQL][] = [
          [
            "candidates (STARTED disbursements with READY total > 0 × enabled Stellar connections with a READY payment; no lock)",
            claimCandidatesQuery(["STELLAR"], [org.id]),
          ],
          [
            "Stellar beforeClaim: free channels of the organization",
            sql`select count(*)::int as free, count(*) filter (where sequence is null)::int as unsequenced from stellar_accounts
              where org_id = ${org.id} and network = 'local' and kind = 'channel' and activated_at is not null and locked_by_tx is null`,
          ],
          [
            "the disbursement FOR SHARE, still STARTED (shareDisbursements)",
            sql`select id from disbursements where id = any(${`{${d!.id}}`}::uuid[]) and status = 'STARTED' order by id for share`,
          ],
          [
            "Stellar reserve: a free channel (FOR UPDATE SKIP LOCKED)",
            sql`select id from stellar_accounts where org_id = ${org.id} and network = 'local' and kind = 'channel' and activated_at is not null
              and locked_by_tx is null order by sequence is null limit 1 for update skip locked`,
          ],
          ["next 99 READY payments of the connection (FOR UPDATE OF p SKIP LOCKED)", readyPaymentsQuery(candidate, 99, ["STELLAR_ADDRESS"])],
          [
            "move 99 payments READY → PENDING (the writer's statement, totals trigger included)",
            sql`update payments set status = 'PENDING', status_message = 'bench',
              status_history = status_history || '[{"status":"PENDING"}]'::jsonb, updated_at = now()
              where org_id = ${org.id} and id = any(${`{${ids.join(",")}}`}::uuid[]) and status = any('{READY}'::payment_status[])
              returning id, disbursement_id`,
          ],
          [
            "pre-0009 claim: first READY payment over the whole backlog (for comparison)",
            sql`select p.org_id, p.asset_id from payments p
              join disbursements d on d.id = p.disbursement_id
              join receiver_wallets rw on rw.id = p.receiver_wallet_id
              where p.status = 'READY' and d.status = 'STARTED' and rw.status = 'REGISTERED' and rw.stellar_address is not null
                and exists (select 1 from stellar_accounts c where c.org_id = p.org_id and c.network = 'local' and c.kind = 'channel'
                  and c.activated_at is not null and c.locked_by_tx is null)
              order by p.created_at, p.line_number limit 1 for update of p skip locked`,
          ],
        ];
        for (const [label, query] of queries) {
          const { plan, times } = await explain(db, query);
          say(`  ${label}: execution ${times.map((t) => `${t.toFixed(3)} ms`).join(", ")}`);
          // The 99 ids of the move would fill the screen: shown as their count.
          const short = plan.replace(/'\{([0-9a-f-]{36},?)+\}'/g, (m) => `'{${m.split(",").length} ids}'`);
          for (const line of short.split("\n")) say(`    ${line}`);
        }
      } finally {
        await pool.end({ timeout: 5 });
      }
    } finally {
      await pg.stop();
      rmSync(tmp, { recursive: true, force: true });
    }
    say(`  load average after: ${load()}`);
  }
}
