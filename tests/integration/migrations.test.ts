import { readFileSync } from "node:fs";
import path from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
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
