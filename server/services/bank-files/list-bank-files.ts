import { sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { EXCEPTION_OUTCOMES } from "@/server/domain/reconciliation";
import { RECONCILIATION_OUTCOMES } from "@/server/domain/rails";
import { bankFileEntriesInput, listBankFilesInput, listReconciliationExceptionsInput } from "@/server/schemas/bank-files.schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { keysetPage, type KeyPart } from "../pagination";
import { loadBankFileEntryViews, loadBankFileViews } from "./bank-file-views";

/**
 * Reading bank files and reconciliation results (docs/rails.md, "Reconciliation"), paged by keyset
 * like every list (server/services/pagination.ts): files newest first on bank_files_org_imported_idx,
 * a file's entries in file order on bank_file_entries_file_index_key, exceptions newest first on
 * bank_file_entries_org_outcome_idx (one range per outcome, merged).
 */

const FILE_KEYS: KeyPart[] = [
  { expr: sql`f.imported_at`, type: "timestamptz" },
  { expr: sql`f.id`, type: "uuid" },
];

export async function listBankFiles(ctx: OrgContext, raw: z.input<typeof listBankFilesInput>) {
  assertCan(ctx, "bank_files:read");
  const input = listBankFilesInput.parse(raw);
  const orgId = ctx.org.id;
  const [count] = await ctx.db.execute<{ n: number }>(sql`select count(*)::int as n from bank_files f where f.org_id = ${orgId}`);
  const { ids, pagination } = await keysetPage(
    {
      db: ctx.db,
      branches: [sql`from bank_files f where f.org_id = ${orgId}`],
      keys: FILE_KEYS,
      direction: "desc",
      shape: { list: "bank_files", orgId },
      total: count?.n ?? 0,
    },
    input,
  );
  return { pagination, data: await loadBankFileViews(ctx.db, orgId, ids) };
}

const ENTRY_KEYS: KeyPart[] = [
  { expr: sql`e.entry_index`, type: "integer" },
  { expr: sql`e.id`, type: "uuid" },
];

function outcomeIn(outcomes: readonly string[]): SQL {
  return sql`e.outcome = any(${sql.raw(`'{${outcomes.join(",")}}'`)}::reconciliation_outcome[])`;
}

/** One file with a page of its entries (all, one outcome, or `exceptions`). */
export async function getBankFile(ctx: OrgContext, raw: z.input<typeof bankFileEntriesInput>) {
  assertCan(ctx, "bank_files:read");
  const input = bankFileEntriesInput.parse(raw);
  const orgId = ctx.org.id;
  const [file] = await loadBankFileViews(ctx.db, orgId, [input.id]);
  if (!file) throw notFound("The bank file");
  const outcomes = input.outcome === undefined ? null : input.outcome === "exceptions" ? EXCEPTION_OUTCOMES : [input.outcome];
  const where = sql`e.bank_file_id = ${file.id} and e.org_id = ${orgId}${outcomes ? sql` and ${outcomeIn(outcomes)}` : sql``}`;
  // Per-outcome counts of this file (bounded by its entries, read on the file's index).
  const counted = await ctx.db.execute<{ outcome: string; n: number }>(
    sql`select e.outcome, count(*)::int as n from bank_file_entries e where e.bank_file_id = ${file.id} and e.org_id = ${orgId} group by e.outcome`,
  );
  const byOutcome = Object.fromEntries(RECONCILIATION_OUTCOMES.map((o) => [o, 0])) as Record<(typeof RECONCILIATION_OUTCOMES)[number], number>;
  for (const r of counted) byOutcome[r.outcome as keyof typeof byOutcome] = r.n;
  const total = outcomes ? outcomes.reduce((n, o) => n + byOutcome[o], 0) : file.entry_count;
  const { ids, pagination } = await keysetPage(
    {
      db: ctx.db,
      branches: [sql`from bank_file_entries e where ${where}`],
      keys: ENTRY_KEYS,
      direction: "asc",
      shape: { list: "bank_file_entries", orgId, file: file.id, outcome: input.outcome ?? null },
      total,
    },
    input,
  );
  return { file: { ...file, outcomes: byOutcome }, entries: { pagination, data: await loadBankFileEntryViews(ctx.db, orgId, ids) } };
}

const EXCEPTION_KEYS: KeyPart[] = [
  { expr: sql`e.created_at`, type: "timestamptz" },
  { expr: sql`e.id`, type: "uuid" },
];

/** Entries staff must look at (UNMATCHED, DUPLICATE, AMOUNT_MISMATCH, INVALID_STATE) across every file, newest first. */
export async function listReconciliationExceptions(ctx: OrgContext, raw: z.input<typeof listReconciliationExceptionsInput>) {
  assertCan(ctx, "bank_files:read");
  const input = listReconciliationExceptionsInput.parse(raw);
  const orgId = ctx.org.id;
  const outcomes = input.outcome ? [input.outcome] : EXCEPTION_OUTCOMES;
  // The files' maintained counters give the total of all exceptions; one outcome is counted on its index range.
  const [count] = input.outcome
    ? await ctx.db.execute<{ n: number }>(
        // The outcome as a literal (a validated enum value), like the page's branches: a generic plan keeps a
        // partial index on the exception outcomes usable (docs/performance/reconciliation.md).
        sql`select count(*)::int as n from bank_file_entries e where e.org_id = ${orgId} and e.outcome = ${sql.raw(`'${input.outcome}'`)}::reconciliation_outcome`,
      )
    : await ctx.db.execute<{ n: number }>(sql`select coalesce(sum(exception_count), 0)::int as n from bank_files where org_id = ${orgId}`);
  const { ids, pagination } = await keysetPage(
    {
      db: ctx.db,
      branches: outcomes.map((o) => sql`from bank_file_entries e where e.org_id = ${orgId} and e.outcome = ${sql.raw(`'${o}'::reconciliation_outcome`)}`),
      keys: EXCEPTION_KEYS,
      direction: "desc",
      shape: { list: "reconciliation_exceptions", orgId, outcome: input.outcome ?? null },
      total: count?.n ?? 0,
    },
    input,
  );
  return { pagination, data: await loadBankFileEntryViews(ctx.db, orgId, ids) };
}

/** The organization's bank connections a file can be imported for (the upload form's choice). */
export async function listBankFileConnections(ctx: OrgContext) {
  assertCan(ctx, "bank_files:read");
  const rows = await ctx.db.execute<{ id: string; name: string; enabled: boolean }>(
    sql`select id, name, enabled from payment_connections where org_id = ${ctx.org.id} and rail_type = 'BANK' order by lower(name), id`,
  );
  return [...rows].map((r) => ({ id: r.id, name: r.name, enabled: r.enabled }));
}
