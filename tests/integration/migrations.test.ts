import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createDb } from "@/db/client";
import { applyMigrations, MIGRATIONS_FOLDER } from "@/db/migrate";
import { freshDatabase } from "./helpers";

const JOURNAL = JSON.parse(readFileSync(path.join(MIGRATIONS_FOLDER, "meta", "_journal.json"), "utf8")) as {
  entries: { tag: string }[];
};
/** The foundation's tables, which later migrations must keep. */
const FOUNDATION_TABLES = ["audit_events", "login_attempts", "memberships", "organizations", "password_tokens", "users"];
/** Every table the committed migrations create (and do not drop again), read from their SQL. */
const EXPECTED_TABLES = (() => {
  const tables = new Set<string>();
  for (const { tag } of JOURNAL.entries) {
    const text = readFileSync(path.join(MIGRATIONS_FOLDER, `${tag}.sql`), "utf8");
    for (const m of text.matchAll(/(CREATE|DROP) TABLE (?:IF (?:NOT )?EXISTS )?"(?:public"\.")?([a-z0-9_]+)"/gi)) {
      if (m[1]!.toUpperCase() === "CREATE") tables.add(m[2]!);
      else tables.delete(m[2]!);
    }
  }
  return [...tables].sort();
})();

const dropAfter: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const drop of dropAfter) await drop();
});

async function inspect(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
    const applied = await sql<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
    const roles = await sql<{ v: string }[]>`select unnest(enum_range(null::role))::text as v`;
    const indexes = await sql<{ indexname: string }[]>`select indexname from pg_indexes where schemaname = 'public'`;
    return {
      tables: tables.map((t) => t.table_name),
      applied: applied[0]?.n,
      roles: roles.map((r) => r.v),
      indexes: indexes.map((i) => i.indexname),
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function assertFullyMigrated(url: string) {
  const state = await inspect(url);
  expect(EXPECTED_TABLES).toEqual(expect.arrayContaining(FOUNDATION_TABLES));
  expect(state.tables).toEqual(EXPECTED_TABLES);
  expect(state.applied).toBe(JOURNAL.entries.length);
  expect(state.roles).toEqual(["owner", "financial_controller", "developer", "business", "initiator", "approver"]);
  expect(state.indexes).toEqual(expect.arrayContaining(["users_email_key", "memberships_org_user_key", "password_tokens_hash_key", "login_attempts_email_ip_time_idx"]));
}

describe("applyMigrations from an empty database", () => {
  it("starts from a database with no tables", async () => {
    const db = await freshDatabase("sdp_migr_empty");
    dropAfter.push(db.drop);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from information_schema.tables where table_schema = 'public'`;
      expect(row?.n).toBe(0);
    } finally {
      await sql.end({ timeout: 5 });
    }
    await applyMigrations(db.url);
    await assertFullyMigrated(db.url);
  });

  it("is idempotent: a second run changes nothing and does not fail", async () => {
    const db = await freshDatabase("sdp_migr_twice");
    dropAfter.push(db.drop);
    await applyMigrations(db.url);
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      // Data written between runs survives the second run.
      await sql`insert into organizations (name, slug) values ('Kept', 'kept')`;
      await applyMigrations(db.url);
      await assertFullyMigrated(db.url);
      const rows = await sql<{ slug: string }[]>`select slug from organizations`;
      expect(rows.map((r) => r.slug)).toEqual(["kept"]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });

  it("two concurrent runs on an empty database both succeed (advisory lock)", async () => {
    const db = await freshDatabase("sdp_migr_concurrent");
    dropAfter.push(db.drop);
    const results = await Promise.allSettled([applyMigrations(db.url), applyMigrations(db.url), applyMigrations(db.url)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
    await assertFullyMigrated(db.url);
    // No advisory lock is left behind by the runs.
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const [row] = await sql<{ n: number }[]>`select count(*)::int as n from pg_locks where locktype = 'advisory'`;
      expect(row?.n).toBe(0);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});

/**
 * Migration 0010 (payment interoperability, docs/rails.md) from a database at today's schema (0009)
 * holding receivers, wallets with and without addresses and payments in every status: destinations
 * equal the old addresses and memos, the generated `stellar_address`/`stellar_memo` read the same,
 * every organization gets its Stellar connection and rule, assets become STELLAR with 7 decimals,
 * and no row or amount is lost.
 */
describe("migration 0010 from a database with data at 0009", () => {
  const BEFORE = "0009_claim_index";

  /** A copy of the migrations folder whose journal stops at `lastTag`. */
  function foldersUpTo(lastTag: string): string {
    const dir = mkdtempSync(path.join(tmpdir(), "sdp-migrations-"));
    mkdirSync(path.join(dir, "meta"));
    const last = JOURNAL.entries.findIndex((e) => e.tag === lastTag);
    expect(last).toBeGreaterThan(0);
    const entries = JOURNAL.entries.slice(0, last + 1);
    for (const { tag } of entries) copyFileSync(path.join(MIGRATIONS_FOLDER, `${tag}.sql`), path.join(dir, `${tag}.sql`));
    writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify({ ...JOURNAL, entries }));
    return dir;
  }

  it("keeps every row and amount, turns addresses into destinations and adds a connection and rule per organization", { timeout: 120_000 }, async () => {
    const db = await freshDatabase("sdp_migr_0010");
    dropAfter.push(db.drop);
    const old = createDb(db.url, { max: 1 });
    try {
      await migrate(old.db, { migrationsFolder: foldersUpTo(BEFORE) });
    } finally {
      await old.sql.end({ timeout: 5 });
    }

    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      expect((await sql`select count(*)::int as n from drizzle.__drizzle_migrations`)[0]!.n).toBe(JOURNAL.entries.findIndex((e) => e.tag === BEFORE) + 1);
      const statuses = ["DRAFT", "READY", "PENDING", "PAUSED", "SUCCESS", "FAILED", "CANCELED"];
      const G1 = "GA5ZSEJYB37JRC5AVCIA5MOP4RHTM335X2KGX3IHOJAPP5RE34K4KZVN";
      const G2 = "GBENCH0000000000000000000000000000000000000000000000000002";
      // Two organizations, each with a wallet, two assets, a registered receiver with a memo, one
      // without, and one invited receiver without an address; payments in every status.
      for (const slug of ["m-a", "m-b"]) {
        const [org] = await sql<{ id: string }[]>`insert into organizations (name, slug) values (${slug}, ${slug}) returning id`;
        const [wallet] = await sql<{ id: string }[]>`
          insert into wallets (org_id, name, homepage, deep_link_schema, sep10_client_domain)
          values (${org!.id}, 'Demo wallet', 'https://wallet.example', 'https://wallet.example/sdp', 'wallet.example') returning id`;
        const [usdc] = await sql<{ id: string }[]>`insert into assets (org_id, code, issuer) values (${org!.id}, 'USDC', ${G1}) returning id`;
        await sql`insert into assets (org_id, code, issuer) values (${org!.id}, 'XLM', '')`;
        const receiversOf = await sql<{ id: string }[]>`
          insert into receivers (org_id, external_id, phone_number)
          select ${org!.id}, 'r' || i, '+1555000000' || i from generate_series(1, 3) i returning id`;
        const ids = receiversOf.map((r) => r.id);
        const [w1] = await sql<{ id: string }[]>`
          insert into receiver_wallets (org_id, receiver_id, wallet_id, status, stellar_address, stellar_memo)
          values (${org!.id}, ${ids[0]!}, ${wallet!.id}, 'REGISTERED', ${G1}, '12345') returning id`;
        const [w2] = await sql<{ id: string }[]>`
          insert into receiver_wallets (org_id, receiver_id, wallet_id, status, stellar_address)
          values (${org!.id}, ${ids[1]!}, ${wallet!.id}, 'REGISTERED', ${slug === "m-a" ? G2 : G1}) returning id`;
        const [w3] = await sql<{ id: string }[]>`
          insert into receiver_wallets (org_id, receiver_id, wallet_id, status) values (${org!.id}, ${ids[2]!}, ${wallet!.id}, 'READY') returning id`;
        const [d] = await sql<{ id: string }[]>`
          insert into disbursements (org_id, name, wallet_id, asset_id, status, registration_contact_type, verification_field)
          values (${org!.id}, 'Payroll', ${wallet!.id}, ${usdc!.id}, 'STARTED', 'PHONE_NUMBER', 'DATE_OF_BIRTH') returning id`;
        const walletsByIndex = [w1!.id, w2!.id, w3!.id];
        for (const [i, status] of statuses.entries()) {
          await sql`
            insert into payments (org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, line_number)
            values (${org!.id}, ${d!.id}, ${ids[i % 3]!}, ${walletsByIndex[i % 3]!}, ${usdc!.id}, ${`${i + 1}.1234567`}, ${status}::payment_status, ${i + 2})`;
        }
      }
      const snapshot = async () => ({
        counts: await sql`
          select (select count(*)::int from organizations) as orgs, (select count(*)::int from receivers) as receivers,
                 (select count(*)::int from receiver_wallets) as wallets, (select count(*)::int from disbursements) as disbursements,
                 (select count(*)::int from assets) as assets`,
        payments: await sql`select status::text, count(*)::int as n, sum(amount)::text as total from payments group by status order by status`,
        totals:
          await sql`select disbursement_id, status::text, payment_count::int, amount::text from disbursement_payment_totals where payment_count > 0 order by disbursement_id, status`,
        wallets: await sql`select id, receiver_id, wallet_id, status::text, stellar_address, stellar_memo from receiver_wallets order by id`,
      });
      const before = await snapshot();
      expect(before.payments.map((p) => p.status)).toEqual([...statuses].sort());

      await applyMigrations(db.url);
      await assertFullyMigrated(db.url);

      const after = await snapshot();
      expect(after).toEqual(before);
      const destinations = await sql`
        select id, destination_kind::text as kind, destination_value as value, destination_memo as memo, destination_details as details,
               stellar_address, stellar_memo from receiver_wallets order by id`;
      expect(destinations).toEqual(
        before.wallets.map((w) => ({
          id: w.id,
          kind: w.stellar_address === null ? null : "STELLAR_ADDRESS",
          value: w.stellar_address,
          memo: w.stellar_memo,
          details: null,
          stellar_address: w.stellar_address,
          stellar_memo: w.stellar_memo,
        })),
      );
      expect(destinations.filter((d) => d.memo === "12345")).toHaveLength(2);
      expect(destinations.filter((d) => d.kind === null)).toHaveLength(2);
      // The old columns are derived now: writing them is refused, writing the destination moves them.
      await expect(sql`update receiver_wallets set stellar_address = ${G1}`).rejects.toThrow(/can only be updated to DEFAULT/);
      const [moved] = await sql`
        update receiver_wallets set destination_kind = 'STELLAR_ADDRESS', destination_value = ${G2}, destination_memo = 'm'
        where stellar_address is null and receiver_id in (select id from receivers where external_id = 'r3') returning stellar_address, stellar_memo`;
      expect(moved).toEqual({ stellar_address: G2, stellar_memo: "m" });

      const connections = await sql`
        select o.slug, c.rail_type::text as rail, c.name, c.enabled, r.position, r.name as rule, r.conditions, r.enabled as rule_enabled, r.fallback_connection_id
        from organizations o
        join payment_connections c on c.org_id = o.id
        join routing_rules r on r.connection_id = c.id and r.org_id = o.id
        order by o.slug`;
      expect(connections).toEqual(
        ["m-a", "m-b"].map((slug) => ({
          slug,
          rail: "STELLAR",
          name: "Stellar distribution account",
          enabled: true,
          position: 1,
          rule: "Stellar wallets",
          conditions: { destinationKinds: ["STELLAR_ADDRESS"] },
          rule_enabled: true,
          fallback_connection_id: null,
        })),
      );
      expect(await sql`select count(*)::int as n from payment_connections`).toEqual([{ n: 2 }]);
      // Payments started before routing went through Stellar (migration 0011): they record their
      // organization's Stellar connection and no rule; DRAFT payments are routed by start.
      const routed = await sql`
        select p.status::text as status, (p.connection_id = c.id) as own_stellar, p.connection_id is null as unrouted, p.routing_rule_id
        from payments p left join payment_connections c on c.org_id = p.org_id and c.rail_type = 'STELLAR' order by p.status, p.org_id`;
      expect(routed).toHaveLength(statuses.length * 2);
      for (const row of routed) {
        expect(row.routing_rule_id, row.status).toBeNull();
        if (row.status === "DRAFT") expect(row.unrouted).toBe(true);
        else expect(row.own_stellar, row.status).toBe(true);
      }
      expect(await sql`select count(*)::int as n from routing_rules`).toEqual([{ n: 2 }]);
      expect(await sql`select kind::text, decimals, count(*)::int as n from assets group by kind, decimals`).toEqual([{ kind: "STELLAR", decimals: 7, n: 4 }]);
      expect(await sql`select count(*)::int as n from receivers where attributes <> '{}'::jsonb`).toEqual([{ n: 0 }]);
      expect(await sql`select count(*)::int as n from payments where routing_rule_id is not null or rail_reference is not null`).toEqual([{ n: 0 }]);
    } finally {
      await sql.end({ timeout: 5 });
    }
  });
});

/**
 * Every committed migration applies on top of a database left at any earlier one. The migrator runs
 * the pending migrations in one transaction, so a migration that uses an enum value added by an
 * earlier pending one fails there ("unsafe use of new value") although it passes on an empty
 * database, where the type itself is created in the same transaction.
 */
describe("upgrades from every earlier migration", () => {
  function journalUpTo(last: number): string {
    const dir = mkdtempSync(path.join(tmpdir(), "sdp-migrations-"));
    mkdirSync(path.join(dir, "meta"));
    const entries = JOURNAL.entries.slice(0, last + 1);
    for (const { tag } of entries) copyFileSync(path.join(MIGRATIONS_FOLDER, `${tag}.sql`), path.join(dir, `${tag}.sql`));
    writeFileSync(path.join(dir, "meta", "_journal.json"), JSON.stringify({ ...JOURNAL, entries }));
    return dir;
  }

  for (const [index, { tag }] of JOURNAL.entries.slice(0, -1).entries()) {
    it(`from ${tag} to the latest`, { timeout: 120_000 }, async () => {
      const db = await freshDatabase("sdp_migr_up");
      dropAfter.push(db.drop);
      const old = createDb(db.url, { max: 1 });
      try {
        await migrate(old.db, { migrationsFolder: journalUpTo(index) });
      } finally {
        await old.sql.end({ timeout: 5 });
      }
      expect((await inspect(db.url)).applied).toBe(index + 1);
      await applyMigrations(db.url);
      await assertFullyMigrated(db.url);
    });
  }
});
