import { createHash, randomUUID } from "node:crypto";
import { DrizzleQueryError, and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { stepTimer } from "@/server/step-timer";
import { config } from "@/server/config";
import { bankFiles, paymentConnections } from "@/db/schema";
import type { PaymentStatus } from "@/server/domain/disbursement-types";
import type { BankFileSource, ReconciliationOutcome } from "@/server/domain/rails";
import { RECONCILIATION_OUTCOMES } from "@/server/domain/rails";
import { isException, reconcileEntries, type EntryDecision, type PlannedMove, type ReconPayment } from "@/server/domain/reconciliation";
import { bankFileMaxBytes, tooLargeMessage } from "@/server/http/upload-limit";
import { lockDisbursements, movePaymentStatus } from "@/server/payments/payment-state-writer";
import { endToEndIdToPaymentId } from "@/server/rails/bank/formats/payment-reference";
import type { ParsedBankEntry } from "@/server/rails/bank/formats/statement-types";
import { BankFileError, readBankFile, type ParsedBankFile } from "@/server/rails/bank/read-bank-file";
import { BANK_FILE_NAME_MAX } from "@/server/schemas/bank-files.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { completeDisbursementIfDone } from "../disbursements/complete-if-done";
import { ServiceError, badRequest, notFound } from "../errors";
import { loadBankFileViews, type BankFileView } from "./bank-file-views";
import { BinaryCopyWriter, byteaCopyPieces, copyBinary, eachRowBatch, uuidCopyPieces, type CopyValue } from "./copy-binary";
import { groupRejectionEntries } from "./group-rejections";

/**
 * Import of a bank file and its reconciliation (docs/rails.md, "Reconciliation"): pain.002 status
 * reports, camt.053/camt.054 statements and MT940 statements, uploaded by staff, posted through the
 * REST API or pushed by the bank. The file is read completely before anything is stored (a bad file
 * stores nothing and names its line and field); then ONE transaction stores the file, every entry with
 * its outcome, the payments' new statuses (through the payment-state writer, set-based: one statement
 * per target status, whatever the number of entries), the counters and the audit row. The same file
 * again (same SHA-256 in the organization) changes nothing and answers with the earlier import.
 */

export type ImportBankFileInput = {
  fileName: string;
  content: Buffer;
  source: BankFileSource;
  /** The bank connection the file belongs to: only payments routed through it can match. */
  connectionId?: string | null;
};

export type ImportBankFileResult = {
  message: string;
  already_imported: boolean;
  file: BankFileView;
  /** How many entries got each outcome (this import; all zero when already imported). */
  outcomes: Record<ReconciliationOutcome, number>;
};

/** Test seam: runs inside the import transaction after everything is written (the crash test throws here). */
export type ImportHooks = { beforeCommit?: (tx: DbOrTx) => Promise<void> };

/** Payments per status-move statement by ids (one uuid[] parameter each); from the staging table, one statement per group. */
const MOVE_CHUNK = 10_000;
/** work_mem of the import transaction: the move of 100,000 payments and its trigger in memory (up to ≈ 150 MB while it runs). */
const IMPORT_WORK_MEM = "128MB";
/** numeric(19,7): at most 12 integer and 7 fraction digits. */
const STORABLE_AMOUNT = /^\d{1,12}(\.\d{0,7})?$/;

function emptyOutcomes(): Record<ReconciliationOutcome, number> {
  return Object.fromEntries(RECONCILIATION_OUTCOMES.map((o) => [o, 0])) as Record<ReconciliationOutcome, number>;
}

/** Database errors without drizzle's wrapper, whose message embeds the statement's parameters (megabytes of JSON here). */
function conciseDatabaseError(error: unknown): unknown {
  if (error instanceof ServiceError || error instanceof BankFileError) return error;
  const cause = error instanceof DrizzleQueryError ? error.cause : error;
  const pg = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (error instanceof DrizzleQueryError || typeof pg.code === "string") {
    const code = typeof pg.code === "string" ? ` (SQLSTATE ${pg.code})` : "";
    return new Error(`bank file import failed: ${String(pg.message ?? "database error")}${code}`);
  }
  return error;
}

function unreadable(error: BankFileError): ServiceError {
  const extras: Record<string, string> = { file: error.message };
  if (error.line !== undefined) extras.line = String(error.line);
  if (error.field) extras.field = error.field;
  return badRequest(`The bank file could not be read: ${error.message}`, extras, "VALIDATION_FAILED");
}

/** The entry fields stored as text (bank_file_entries). */
const STORED_TEXT = ["endToEndId", "bankReference", "currency", "reasonCode", "reasonText", "bookingDate", "narrative"] as const;

/**
 * What the import keeps of each entry: what reconciliation decides on and what bank_file_entries
 * stores. The readers hand entries over one by one (`onEntry`), so the rest (counterparty, value date,
 * transaction code, …) of 100,000 entries is never held at once.
 */
export type StoredEntry = Pick<
  ParsedBankEntry,
  | "paymentId"
  | "endToEndId"
  | "bankReference"
  | "amount"
  | "currency"
  | "direction"
  | "reversal"
  | "returned"
  | "status"
  | "statusCode"
  | "reasonCode"
  | "reasonText"
  | "bookingDate"
  | "narrative"
  | "line"
>;

function storedEntry(e: ParsedBankEntry): StoredEntry {
  return {
    paymentId: e.paymentId,
    endToEndId: e.endToEndId,
    bankReference: e.bankReference,
    amount: e.amount,
    currency: e.currency,
    direction: e.direction,
    reversal: e.reversal,
    returned: e.returned,
    status: e.status,
    statusCode: e.statusCode,
    reasonCode: e.reasonCode,
    reasonText: e.reasonText,
    bookingDate: e.bookingDate,
    narrative: e.narrative,
    line: e.line,
  };
}

/**
 * Amounts the table can hold exactly, and text PostgreSQL can store (no NUL character); anything else
 * is a file problem named by its line — found here, before the transaction, rather than by the COPY.
 */
function assertStorable(parsed: ParsedBankFile, entries: readonly StoredEntry[]) {
  for (const e of entries) {
    if (e.amount !== undefined && !STORABLE_AMOUNT.test(e.amount)) {
      throw unreadable(
        new BankFileError({ format: parsed.format, line: e.line, field: "amount", detail: `the amount "${e.amount}" has more than 12 whole or 7 decimal digits` }),
      );
    }
    for (const field of STORED_TEXT) {
      if (e[field]?.includes("\0")) {
        throw unreadable(new BankFileError({ format: parsed.format, line: e.line, field, detail: "the text holds a NUL character, which cannot be stored" }));
      }
    }
  }
}

function alreadyImportedMessage(file: BankFileView): string {
  return `This file was already imported on ${file.imported_at.slice(0, 10)} at ${file.imported_at.slice(11, 16)} UTC (${file.file_name}); nothing changed.`;
}

export async function importBankFile(ctx: OrgContext, input: ImportBankFileInput, hooks: ImportHooks = {}): Promise<ImportBankFileResult> {
  assertCan(ctx, "bank_files:import");
  const orgId = ctx.org.id;
  const fileName = (input.fileName.split(/[\\/]/).pop() || "bank-file").slice(0, BANK_FILE_NAME_MAX);
  const max = bankFileMaxBytes();
  if (input.content.length > max) throw badRequest(tooLargeMessage(input.content.length, max), { file: tooLargeMessage(input.content.length, max) }, "PAYLOAD_TOO_LARGE");
  if (input.content.length === 0) throw badRequest("The file is empty.", { file: "the file is empty" });

  const sha256 = createHash("sha256").update(input.content).digest("hex");
  const earlier = await findBySha(ctx.db, orgId, sha256);
  if (earlier) return { message: alreadyImportedMessage(earlier), already_imported: true, file: earlier, outcomes: emptyOutcomes() };

  const connectionId = input.connectionId || null;
  if (connectionId) {
    const [connection] = await ctx.db
      .select({ railType: paymentConnections.railType, name: paymentConnections.name })
      .from(paymentConnections)
      .where(and(eq(paymentConnections.id, connectionId), eq(paymentConnections.orgId, orgId)));
    if (!connection) throw notFound("The payment connection");
    if (connection.railType !== "BANK")
      throw badRequest(`"${connection.name}" is a ${connection.railType} connection; bank files belong to a bank connection.`, {
        connection_id: "choose a bank connection",
      });
  }

  // Read the whole file first: a bad file stores nothing.
  let parsed: ParsedBankFile;
  const entries: StoredEntry[] = [];
  try {
    parsed = readBankFile(input.content, { onEntry: (e) => entries.push(storedEntry(e)) });
  } catch (error) {
    if (error instanceof BankFileError) throw unreadable(error);
    throw error;
  }
  assertStorable(parsed, entries);

  try {
    const imported = await ctx.db.transaction((tx) => reconcileInTransaction(tx, ctx, { ...input, fileName, connectionId, sha256, parsed, entries }, hooks));
    const [file] = await loadBankFileViews(ctx.db, orgId, [imported?.id ?? ""].filter(Boolean));
    if (!imported || !file) {
      // The same file committed by a concurrent import first.
      const winner = await findBySha(ctx.db, orgId, sha256);
      if (!winner) throw new Error("bank file import lost its file");
      return { message: alreadyImportedMessage(winner), already_imported: true, file: winner, outcomes: emptyOutcomes() };
    }
    const exceptions = file.exception_count;
    const message =
      `Imported ${file.entry_count.toLocaleString("en-US")} ${file.entry_count === 1 ? "entry" : "entries"}: ${file.matched_count.toLocaleString("en-US")} matched` +
      (exceptions > 0 ? `, ${exceptions.toLocaleString("en-US")} to check.` : ".");
    return { message, already_imported: false, file, outcomes: imported.outcomes };
  } catch (error) {
    throw conciseDatabaseError(error);
  }
}

/** One entry with its decision as a binary COPY row of bank_file_entry_upload. */
function entryCopyRow(position: number, e: StoredEntry, d: EntryDecision): CopyValue[] {
  return [
    position + 1,
    e.endToEndId ?? null,
    e.bankReference ?? null,
    e.amount ?? null,
    e.currency ?? null,
    e.direction,
    e.reversal || e.returned === true,
    e.statusCode,
    e.reasonCode ?? null,
    e.reasonText ?? null,
    e.bookingDate ?? null,
    e.narrative ?? null,
    d.outcome,
    d.message,
    d.paymentId ? { uuid: d.paymentId } : null,
  ];
}

/** The pieces in order, each let go once handed over. */
function* takeAll(pieces: Buffer[]): Generator<Buffer> {
  let piece: Buffer | undefined;
  while ((piece = pieces.shift()) !== undefined) yield piece;
}

/**
 * The staging rows of the status moves' rail details (movePaymentStatus's `railUpdatesTable`): those
 * of each statement that writes details, `g` = its position in `statements`, then `g` = -1, the details
 * of payments the file does not move.
 */
function* railUpdateCopyPieces(
  statements: readonly { ids: string[]; staged: boolean }[],
  unmoved: readonly string[],
  details: ReadonlyMap<string, { railDetails: Record<string, unknown>; failureCode?: string | null }>,
): Generator<Buffer> {
  const w = new BinaryCopyWriter();
  const row = (group: number, id: string) => {
    const d = details.get(id)!;
    w.row([group, { uuid: id }, { jsonb: JSON.stringify(d.railDetails) }, d.failureCode !== undefined, d.failureCode ?? null, null]);
  };
  for (const [number, statement] of statements.entries()) {
    if (!statement.staged) continue;
    for (const id of statement.ids) {
      row(number, id);
      yield* w.drain();
    }
  }
  for (const id of unmoved) {
    row(-1, id);
    yield* w.drain();
  }
  yield* w.finish();
}

async function findBySha(db: DbOrTx, orgId: string, sha256: string): Promise<BankFileView | null> {
  const [row] = await db
    .select({ id: bankFiles.id })
    .from(bankFiles)
    .where(and(eq(bankFiles.orgId, orgId), eq(bankFiles.sha256, sha256)));
  if (!row) return null;
  return (await loadBankFileViews(db, orgId, [row.id]))[0] ?? null;
}

type Prepared = ImportBankFileInput & { fileName: string; connectionId: string | null; sha256: string; parsed: ParsedBankFile; entries: StoredEntry[] };

async function reconcileInTransaction(tx: DbOrTx, ctx: OrgContext, p: Prepared, hooks: ImportHooks) {
  // BANK_IMPORT_TIMING=1: each step's cost on stderr (docs/performance/reconciliation.md).
  const timer = stepTimer("bank import", config().BANK_IMPORT_TIMING);
  await timer.watchBackend(tx);
  const timing = timer.step;
  timing("file read, transaction begun");
  const orgId = ctx.org.id;
  const now = new Date();
  const { parsed } = p;
  const account = parsed.account?.iban ?? parsed.account?.number ?? null;
  // The bytes as received, streamed: the driver sends a parameter as one text message (a Buffer as
  // hex, twice its size, then copied again into the message), so a large file goes by binary COPY in
  // 1 MB pieces (no hex to write or parse) into a transaction-local staging table (stored
  // uncompressed), then into bank_files once. lz4 compresses the stored file several times faster than
  // PostgreSQL's default pglz, when available. The entries are staged the same way further down.
  const [lz4] = await tx.execute<{ ok: boolean }>(
    sql`select coalesce((select 'lz4' = any(enumvals) from pg_settings where name = 'default_toast_compression'), false) as ok`,
  );
  if (lz4?.ok) await tx.execute(sql`set local default_toast_compression = 'lz4'`);
  // Memory for this transaction's sorts, hashes and the totals trigger's transition tables: with
  // the default 4 MB, a 100,000-payment move wrote ≈ 170 MB of temporary files and read them back (the
  // join, the OLD/NEW row sets, the trigger's sorts). Ends with the transaction (docs/performance/reconciliation.md).
  await tx.execute(sql.raw(`set local work_mem = '${IMPORT_WORK_MEM}'`));
  await tx.execute(sql`create temp table bank_file_upload (content bytea) on commit drop`);
  await tx.execute(sql`alter table bank_file_upload alter column content set storage external`);

  // A pain.002 rejecting a whole message: one entry per payment of the batch it names (./group-rejections.ts).
  const group = await groupRejectionEntries(tx, orgId, p.connectionId, parsed, p.entries);
  let entries: StoredEntry[] = group.entries.length > 0 ? [...p.entries, ...group.entries] : p.entries;

  const paymentIdOf = (e: { paymentId?: string; endToEndId?: string }) => e.paymentId ?? endToEndIdToPaymentId(e.endToEndId);
  const referenced = new Set<string>();
  for (const e of entries) {
    const id = paymentIdOf(e);
    if (id !== undefined) referenced.add(id);
  }

  // The writer's lock order: the payments' disbursements first (by id). Every status writer takes
  // them, so the statuses read below cannot change until this transaction ends. The referenced ids go
  // once by binary COPY into a staging table both reads join (no 100,000-id text parameter, twice), and
  // the payments are read through a cursor, 5,000 rows at a time.
  const payments = new Map<string, ReconPayment>();
  if (referenced.size > 0) {
    await tx.execute(sql`create temp table bank_import_ref (id uuid) on commit drop`);
    await copyBinary(tx, "bank_import_ref", uuidCopyPieces(referenced));
    referenced.clear();
    await tx.execute(sql`analyze bank_import_ref`);
    const scope = p.connectionId ? sql` and p.connection_id = ${p.connectionId}` : sql``;
    const disbursementRows = await tx.execute<{ id: string }>(sql`
      select distinct p.disbursement_id as id from bank_import_ref r join payments p on p.id = r.id
      where p.org_id = ${orgId} and p.connection_id is not null${scope}`);
    await lockDisbursements(
      tx,
      orgId,
      [...disbursementRows].map((r) => r.id),
    );
    const connections = await tx.execute<{ id: string; currency_mapping: { assetId: string; railCurrency: string }[] }>(sql`
      select id, currency_mapping from payment_connections where org_id = ${orgId} and rail_type = 'BANK'`);
    const railCurrency = new Map<string, string>();
    for (const c of connections) for (const m of c.currency_mapping ?? []) railCurrency.set(`${c.id}|${m.assetId}`, m.railCurrency);
    type Row = {
      id: string;
      status: PaymentStatus;
      amount: string;
      rail_details: Record<string, unknown> | null;
      failure_code: string | null;
      currency_key: string;
      code: string;
    };
    await eachRowBatch<Row>(
      tx,
      `select p.id, p.status, p.amount::text as amount, p.failure_code, p.connection_id || '|' || p.asset_id as currency_key, a.code,
        -- Only what the decisions read (server/domain/reconciliation.ts), not the shipment's details.
        case when p.rail_details is not null then jsonb_strip_nulls(jsonb_build_object('replyStatus', p.rail_details->'replyStatus',
          'settlement', p.rail_details->'settlement', 'reversal', p.rail_details->'reversal')) end as rail_details
      from bank_import_ref r
      join payments p on p.id = r.id
      join payment_connections c on c.id = p.connection_id and c.org_id = p.org_id and c.rail_type = 'BANK'
      join assets a on a.id = p.asset_id
      where p.org_id = $1 and ($2::uuid is null or p.connection_id = $2::uuid)`,
      [orgId, p.connectionId],
      5_000,
      (rows) => {
        for (const r of rows) {
          payments.set(r.id, {
            id: r.id,
            status: r.status,
            amount: r.amount,
            currency: railCurrency.get(r.currency_key) ?? r.code,
            railDetails: r.rail_details,
            failureCode: r.failure_code,
          });
        }
      },
    );
  }

  timing("payments read");
  // The file: its bytes by COPY, then its row — sent before the decisions are made and awaited after
  // them, so PostgreSQL compresses and stores the file while this process decides (its id is chosen here).
  await copyBinary(tx, "bank_file_upload (content)", byteaCopyPieces(p.content));
  const fileId = randomUUID();
  // (drizzle's query runs on every then(): taken once into a plain promise.)
  const storing = Promise.resolve(
    tx.execute<{ id: string }>(sql`
    insert into bank_files (id, org_id, connection_id, format, source, file_name, sha256, content, message_id, statement_id, account, imported_by, imported_at)
    select ${fileId}, ${orgId}, ${p.connectionId}, ${parsed.format}::bank_file_format, ${p.source}::bank_file_source, ${p.fileName}, ${p.sha256}, u.content,
      ${parsed.messageId || null}, ${parsed.statementId ?? null}, ${account}, ${ctx.actor.userId}, ${now.toISOString()}::timestamptz
    from bank_file_upload u
    on conflict do nothing returning id`),
  );
  // Handled when awaited below; this keeps a failure during the decisions from leaving it unobserved.
  storing.catch(() => {});
  // Let the driver put the statement on the wire before the synchronous decisions.
  await new Promise((resolve) => setImmediate(resolve));
  timing("file sent");
  // Decide in file order. Each entry is written into the entries' binary COPY rows with its decision
  // as soon as it is decided, and let go: 100,000 parsed entries, their decisions and the payments are
  // never all held at once (docs/performance/reconciliation.md, "Memory"). created_at steps back one
  // microsecond per entry so the exceptions list (newest first) shows one file's entries in file order.
  const outcomes = emptyOutcomes();
  let matched = 0;
  let exceptions = 0;
  let decided = 0;
  const entryCount = entries.length;
  const entryRows = new BinaryCopyWriter();
  const entryPieces: Buffer[] = [];
  const released = entries as (StoredEntry | undefined)[];
  const plan = reconcileEntries(entries, payments, {
    format: parsed.format,
    bankFileId: fileId,
    now: now.toISOString(),
    paymentIdOf,
    onDecision: (decision, position) => {
      if (group.unknownMessage && position === group.unknownMessage.index - 1) decision.message = group.unknownMessage.message;
      outcomes[decision.outcome] += 1;
      if (isException(decision.outcome)) exceptions += 1;
      else matched += 1;
      decided += 1;
      entryRows.row(entryCopyRow(position, released[position]!, decision));
      released[position] = undefined;
      for (const piece of entryRows.drain()) entryPieces.push(piece);
    },
  });
  for (const piece of entryRows.finish()) entryPieces.push(piece);
  // Every entry has exactly one decision; anything else would store entries out of step with them.
  if (decided !== entryCount) throw new Error(`bank file import: ${decided} decisions for ${entryCount} entries`);
  entries = [];
  p.entries.length = 0; // nothing reads them after this point (the caller only awaits the result)
  payments.clear(); // decided: its 100,000 rows can go before the writes
  timing("decided");
  // The same file committed by a concurrent import first: nothing written yet but locks, so stop here.
  const [file] = await storing;
  if (!file) return null;
  timing("file stored");

  // Every entry with its outcome; nothing is dropped. Binary COPY into a staging table, then one
  // INSERT … SELECT (no JSON to build here or parse there).
  await tx.execute(sql`
    create temp table bank_file_entry_upload (i int4, e2e text, ref text, amt text, cur text, dir text, rev bool, st text, rc text, rt text,
      bd text, nar text, o text, om text, pid uuid) on commit drop`);
  await copyBinary(tx, "bank_file_entry_upload", takeAll(entryPieces));
  // Sent, not awaited: this process prepares the status moves while PostgreSQL stores the entries.
  const storingEntries = Promise.resolve(
    tx.execute(sql`
    insert into bank_file_entries (org_id, bank_file_id, entry_index, end_to_end_id, bank_reference, amount, currency, direction, reversal,
      entry_status, reason_code, reason_text, booking_date, narrative, outcome, outcome_message, payment_id, created_at)
    select ${orgId}, ${file.id}, x.i, x.e2e, x.ref, x.amt::numeric, x.cur, x.dir, x.rev, x.st, x.rc, x.rt, x.bd::date, x.nar,
      x.o::reconciliation_outcome, x.om, x.pid, ${now.toISOString()}::timestamptz - x.i * interval '1 microsecond'
    from bank_file_entry_upload x`),
  );
  storingEntries.catch(() => {}); // handled when awaited below
  await new Promise((resolve) => setImmediate(resolve));

  // Status moves, set-based: one writer call per (round, from, to, message), each payment's rail
  // details (reply, booking date, bank reference, reversal) and failure code written by its last move
  // in the same statement; a payment moved twice by one file (booked, then reversed) takes its second
  // move in the next round. The per-payment details go by binary COPY into a staging table (group
  // number, payment, details), read by the writer (`railUpdatesTable`): one statement per group
  // whatever the number of payments, no JSON parameter to build here or parse there
  // (docs/performance/reconciliation.md). Details of payments the file does not move (a bank's
  // acknowledgement) are group -1, written by one plain update.
  const lastRound = new Map<string, number>();
  for (const m of plan.moves) lastRound.set(m.paymentId, m.round);
  const groups = new Map<string, { move: PlannedMove; ids: string[]; withDetails: boolean }>();
  for (const m of plan.moves) {
    const withDetails = lastRound.get(m.paymentId) === m.round && plan.details.has(m.paymentId);
    const key = `${m.round}|${m.from}|${m.to}|${withDetails ? 1 : 0}|${m.message === null ? "" : `=${m.message}`}`;
    const g = groups.get(key);
    if (g) g.ids.push(m.paymentId);
    else groups.set(key, { move: m, ids: [m.paymentId], withDetails });
  }
  // In round order; a group with details in one statement (from the staging table, statement number
  // `g`: one pass over payments and one run of the totals trigger — four statements of 25,000 cost
  // PostgreSQL about 1 s more for 100,000 payments), any other in statements of MOVE_CHUNK ids.
  const statements: { move: PlannedMove; ids: string[]; staged: boolean }[] = [];
  for (const g of [...groups.values()].sort((a, b) => a.move.round - b.move.round)) {
    const size = g.withDetails ? g.ids.length : MOVE_CHUNK;
    for (let start = 0; start < g.ids.length; start += size) statements.push({ move: g.move, ids: g.ids.slice(start, start + size), staged: g.withDetails });
  }
  groups.clear();
  const moving = new Set<string>();
  const moved: Partial<Record<PaymentStatus, number>> = {};
  for (const m of plan.moves) {
    moving.add(m.paymentId);
    moved[m.to] = (moved[m.to] ?? 0) + 1;
  }
  const unmoved = [...plan.details.keys()].filter((id) => !moving.has(id));
  moving.clear();
  plan.moves.length = 0;
  // Built while the entries insert runs; sent once it is done.
  const railPieces = plan.details.size > 0 ? [...railUpdateCopyPieces(statements, unmoved, plan.details)] : [];
  plan.details.clear();
  await storingEntries;
  timing("entries stored");
  if (railPieces.length > 0) {
    await tx.execute(sql`create temp table bank_payment_update (g int4, pay_id uuid, d jsonb, s bool, c text, r text) on commit drop`);
    await copyBinary(tx, "bank_payment_update", takeAll(railPieces));
    await tx.execute(sql`analyze bank_payment_update`);
  }
  timing("rail details staged");
  const succeeded = new Set<string>();
  for (const [number, { move, ids, staged }] of statements.entries()) {
    const rows = await movePaymentStatus(tx, {
      orgId,
      ...(staged ? { railUpdatesTable: { name: "bank_payment_update", group: number } } : { ids }),
      from: [move.from],
      to: move.to,
      message: move.message,
      now,
      disbursementsLocked: true,
    });
    // The disbursement locks make this impossible; if it happened the plan would be wrong: store nothing.
    if (rows.length !== ids.length) throw new Error(`bank file import: ${ids.length - rows.length} payments changed status during the import`);
    if (move.to === "SUCCESS") for (const m of rows) succeeded.add(m.disbursementId);
  }
  timing("statuses moved");

  if (unmoved.length > 0) {
    await tx.execute(sql`
      update payments p set rail_details = coalesce(p.rail_details, '{}'::jsonb) || u.d, failure_code = case when u.s then u.c else p.failure_code end
      from bank_payment_update u
      where u.g = -1 and p.org_id = ${orgId} and p.id = u.pay_id`);
  }
  timing("rail details written");

  await tx.update(bankFiles).set({ entryCount, matchedCount: matched, exceptionCount: exceptions }).where(eq(bankFiles.id, file.id));

  // A booking may pay the last open payment of a disbursement (its lock is held).
  for (const disbursementId of [...succeeded].sort()) await completeDisbursementIfDone(tx, orgId, disbursementId);

  await recordAuditEvent(tx, {
    orgId,
    actorUserId: ctx.actor.userId,
    action: "bank_file.imported",
    targetId: file.id,
    details: {
      fileName: p.fileName,
      format: parsed.format,
      source: p.source,
      sha256: p.sha256,
      connectionId: p.connectionId,
      apiKeyId: ctx.apiKeyId ?? null,
      entries: entryCount,
      outcomes,
      paymentsMoved: moved,
    },
  });
  timing("counters, completion, audit");
  await hooks.beforeCommit?.(tx);
  return { id: file.id, outcomes };
}
