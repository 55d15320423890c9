import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { BankFileFormat, BankFileSource, ReconciliationOutcome } from "@/server/domain/rails";
import { uuidArray } from "@/server/payments/payment-state-writer";

/** A bank file as lists and detail pages show it (never its content). */
export type BankFileView = {
  id: string;
  format: BankFileFormat;
  source: BankFileSource;
  file_name: string;
  sha256: string;
  size_bytes: number;
  message_id: string | null;
  statement_id: string | null;
  account: string | null;
  connection: { id: string; name: string } | null;
  entry_count: number;
  matched_count: number;
  exception_count: number;
  imported_by: { id: string; name: string } | null;
  imported_at: string;
};

export type BankFileEntryView = {
  id: string;
  entry_index: number;
  end_to_end_id: string | null;
  bank_reference: string | null;
  amount: string | null;
  currency: string | null;
  direction: string;
  reversal: boolean;
  entry_status: string;
  reason_code: string | null;
  reason_text: string | null;
  booking_date: string | null;
  narrative: string | null;
  outcome: ReconciliationOutcome;
  outcome_message: string | null;
  payment_id: string | null;
  bank_file: { id: string; file_name: string; format: BankFileFormat };
  created_at: string;
};

type FileRow = {
  id: string;
  format: BankFileFormat;
  source: BankFileSource;
  file_name: string;
  sha256: string;
  size_bytes: number;
  message_id: string | null;
  statement_id: string | null;
  account: string | null;
  connection_id: string | null;
  connection_name: string | null;
  entry_count: number;
  matched_count: number;
  exception_count: number;
  imported_by: string | null;
  imported_by_name: string | null;
  imported_at: string;
};

const iso = (pgText: string) => new Date(pgText).toISOString();

/** The files' views in the order of `ids` (missing ids are skipped). */
export async function loadBankFileViews(db: DbOrTx, orgId: string, ids: readonly string[]): Promise<BankFileView[]> {
  if (ids.length === 0) return [];
  const rows = await db.execute<FileRow>(sql`
    select f.id, f.format, f.source, f.file_name, f.sha256, octet_length(f.content)::int as size_bytes, f.message_id, f.statement_id, f.account,
      f.connection_id, c.name as connection_name, f.entry_count, f.matched_count, f.exception_count,
      f.imported_by, u.name as imported_by_name, f.imported_at::text as imported_at
    from bank_files f
    left join payment_connections c on c.id = f.connection_id
    left join users u on u.id = f.imported_by
    where f.org_id = ${orgId} and f.id = any(${uuidArray(ids)})`);
  const byId = new Map(
    [...rows].map((r) => [
      r.id,
      {
        id: r.id,
        format: r.format,
        source: r.source,
        file_name: r.file_name,
        sha256: r.sha256,
        size_bytes: r.size_bytes,
        message_id: r.message_id,
        statement_id: r.statement_id,
        account: r.account,
        connection: r.connection_id ? { id: r.connection_id, name: r.connection_name ?? "" } : null,
        entry_count: r.entry_count,
        matched_count: r.matched_count,
        exception_count: r.exception_count,
        imported_by: r.imported_by ? { id: r.imported_by, name: r.imported_by_name ?? "" } : null,
        imported_at: iso(r.imported_at),
      } satisfies BankFileView,
    ]),
  );
  return ids.map((id) => byId.get(id)).filter((v): v is BankFileView => v !== undefined);
}

type EntryRow = Omit<BankFileEntryView, "bank_file" | "created_at"> & { bank_file_id: string; file_name: string; format: BankFileFormat; created_at: string };

/** The entries' views in the order of `ids`. */
export async function loadBankFileEntryViews(db: DbOrTx, orgId: string, ids: readonly string[]): Promise<BankFileEntryView[]> {
  if (ids.length === 0) return [];
  const rows = await db.execute<EntryRow>(sql`
    select e.id, e.entry_index, e.end_to_end_id, e.bank_reference,
      case when e.amount is null then null else trim(trailing '.' from trim(trailing '0' from e.amount::text)) end as amount,
      e.currency, e.direction, e.reversal, e.entry_status, e.reason_code, e.reason_text, e.booking_date::text as booking_date, e.narrative,
      e.outcome, e.outcome_message, e.payment_id, e.bank_file_id, f.file_name, f.format, e.created_at::text as created_at
    from bank_file_entries e join bank_files f on f.id = e.bank_file_id
    where e.org_id = ${orgId} and e.id = any(${uuidArray(ids)})`);
  const byId = new Map(
    [...rows].map((r) => {
      const { bank_file_id, file_name, format, created_at, ...rest } = r;
      return [r.id, { ...rest, bank_file: { id: bank_file_id, file_name, format }, created_at: iso(created_at) } satisfies BankFileEntryView];
    }),
  );
  return ids.map((id) => byId.get(id)).filter((v): v is BankFileEntryView => v !== undefined);
}
