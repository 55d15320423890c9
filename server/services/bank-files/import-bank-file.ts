import { createHash, randomUUID } from "node:crypto";
import { DrizzleQueryError, and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { config } from "@/server/config";
import { bankFiles, paymentConnections } from "@/db/schema";
import type { PaymentStatus } from "@/server/domain/disbursement-types";
import type { BankFileSource, ReconciliationOutcome } from "@/server/domain/rails";
import { RECONCILIATION_OUTCOMES } from "@/server/domain/rails";
import { isException, reconcileEntries, type EntryDecision, type PlannedMove, type ReconPayment } from "@/server/domain/reconciliation";
import { bankFileMaxBytes, tooLargeMessage } from "@/server/http/upload-limit";
import { lockDisbursements, movePaymentStatus, uuidArray } from "@/server/payments/payment-state-writer";
import { endToEndIdToPaymentId } from "@/server/rails/bank/formats/payment-reference";
import type { ParsedBankEntry } from "@/server/rails/bank/formats/statement-types";
import { BankFileError, readBankFile, type ParsedBankFile } from "@/server/rails/bank/read-bank-file";
import { BANK_FILE_NAME_MAX } from "@/server/schemas/bank-files.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { completeDisbursementIfDone } from "../disbursements/complete-if-done";
import { ServiceError, badRequest, notFound } from "../errors";
import { loadBankFileViews, type BankFileView } from "./bank-file-views";
import { BinaryCopyWriter, byteaCopyPieces, copyBinary } from "./copy-binary";
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

/** Payments per status-move statement (one JSON parameter each). */
const MOVE_CHUNK = 10_000;
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

/** The entries with their decisions as binary COPY rows of bank_file_entry_upload, produced piece by piece. */
function* entryCopyPieces(entries: readonly StoredEntry[], decisions: readonly EntryDecision[]): Generator<Buffer> {
  const w = new BinaryCopyWriter();
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!;
    const d = decisions[i]!;
    w.row([
      i + 1,
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
    ]);
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

/** BANK_IMPORT_TIMING=1: each step's time on stderr (benchmarks; docs/rails.md). */
function stepTimer(): (label: string) => void {
  if (!config().BANK_IMPORT_TIMING) return () => {};
  let last = performance.now();
  return (label) => {
    const now = performance.now();
    const m = process.memoryUsage();
    const mb = (n: number) => `${(n / 1048576).toFixed(0)} MB`;
    process.stderr.write(
      `bank import: ${label} ${(now - last).toFixed(0)} ms (heap ${mb(m.heapUsed)}, external ${mb(m.external)}, rss ${mb(m.rss)}, peak rss ${mb(process.resourceUsage().maxRSS * 1024)})\n`,
    );
    last = now;
  };
}

async function reconcileInTransaction(tx: DbOrTx, ctx: OrgContext, p: Prepared, hooks: ImportHooks) {
  const timing = stepTimer();
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
  await tx.execute(sql`create temp table bank_file_upload (content bytea) on commit drop`);
  await tx.execute(sql`alter table bank_file_upload alter column content set storage external`);

  // A pain.002 rejecting a whole message: one entry per payment of the batch it names (./group-rejections.ts).
  const group = await groupRejectionEntries(tx, orgId, p.connectionId, parsed, p.entries);
  let entries: StoredEntry[] = group.entries.length > 0 ? [...p.entries, ...group.entries] : p.entries;

  const paymentIdOf = (e: { paymentId?: string; endToEndId?: string }) => e.paymentId ?? endToEndIdToPaymentId(e.endToEndId);
  const referenced = [...new Set(entries.map(paymentIdOf).filter((id): id is string => id !== undefined))];

  // The writer's lock order: the payments' disbursements first (by id). Every status writer takes
  // them, so the statuses read below cannot change until this transaction ends.
  const payments = new Map<string, ReconPayment & { disbursementId: string }>();
  if (referenced.length > 0) {
    const scope = p.connectionId ? sql` and p.connection_id = ${p.connectionId}` : sql``;
    const disbursementRows = await tx.execute<{ id: string }>(sql`
      select distinct p.disbursement_id as id from payments p
      where p.org_id = ${orgId} and p.id = any(${uuidArray(referenced)}) and p.connection_id is not null${scope}`);
    await lockDisbursements(
      tx,
      orgId,
      [...disbursementRows].map((r) => r.id),
    );
    const connections = await tx.execute<{ id: string; currency_mapping: { assetId: string; railCurrency: string }[] }>(sql`
      select id, currency_mapping from payment_connections where org_id = ${orgId} and rail_type = 'BANK'`);
    const railCurrency = new Map<string, string>();
    for (const c of connections) for (const m of c.currency_mapping ?? []) railCurrency.set(`${c.id}|${m.assetId}`, m.railCurrency);
    const rows = await tx.execute<{
      id: string;
      status: PaymentStatus;
      amount: string;
      rail_details: Record<string, unknown> | null;
      failure_code: string | null;
      disbursement_id: string;
      connection_id: string;
      asset_id: string;
      code: string;
    }>(sql`
      select p.id, p.status, p.amount::text as amount, p.rail_details, p.failure_code, p.disbursement_id, p.connection_id, p.asset_id, a.code
      from payments p
      join payment_connections c on c.id = p.connection_id and c.org_id = p.org_id and c.rail_type = 'BANK'
      join assets a on a.id = p.asset_id
      where p.org_id = ${orgId} and p.id = any(${uuidArray(referenced)})${scope}`);
    for (const r of rows) {
      payments.set(r.id, {
        id: r.id,
        status: r.status,
        amount: r.amount,
        currency: railCurrency.get(`${r.connection_id}|${r.asset_id}`) ?? r.code,
        railDetails: r.rail_details,
        failureCode: r.failure_code,
        disbursementId: r.disbursement_id,
      });
    }
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
  const plan = reconcileEntries(entries, payments, { format: parsed.format, bankFileId: fileId, now: now.toISOString(), paymentIdOf });
  if (group.unknownMessage) plan.decisions[group.unknownMessage.index - 1]!.message = group.unknownMessage.message;
  payments.clear(); // decided: its 100,000 rows can go before the writes build their parameters
  timing("decided");
  // The same file committed by a concurrent import first: nothing written yet but locks, so stop here.
  const [file] = await storing;
  if (!file) return null;
  timing("file stored");

  // Every entry with its outcome; nothing is dropped. Binary COPY into a staging table, then one
  // INSERT … SELECT (no JSON to build here or parse there). Stored before the status moves, so the
  // parsed entries (the largest thing this process holds) are let go before the moves build their
  // parameters. created_at steps back one microsecond per entry so the exceptions list (newest
  // first) shows one file's entries in file order.
  const outcomes = emptyOutcomes();
  let matched = 0;
  let exceptions = 0;
  for (const d of plan.decisions) {
    outcomes[d.outcome] += 1;
    if (isException(d.outcome)) exceptions += 1;
    else matched += 1;
  }
  await tx.execute(sql`
    create temp table bank_file_entry_upload (i int4, e2e text, ref text, amt text, cur text, dir text, rev bool, st text, rc text, rt text,
      bd text, nar text, o text, om text, pid uuid) on commit drop`);
  await copyBinary(tx, "bank_file_entry_upload", entryCopyPieces(entries, plan.decisions));
  await tx.execute(sql`
    insert into bank_file_entries (org_id, bank_file_id, entry_index, end_to_end_id, bank_reference, amount, currency, direction, reversal,
      entry_status, reason_code, reason_text, booking_date, narrative, outcome, outcome_message, payment_id, created_at)
    select ${orgId}, ${file.id}, x.i, x.e2e, x.ref, x.amt::numeric, x.cur, x.dir, x.rev, x.st, x.rc, x.rt, x.bd::date, x.nar,
      x.o::reconciliation_outcome, x.om, x.pid, ${now.toISOString()}::timestamptz - x.i * interval '1 microsecond'
    from bank_file_entry_upload x`);

  timing("entries stored");
  const entryCount = entries.length;
  entries = [];
  p.entries.length = 0; // nothing reads them after this point (the caller only awaits the result)
  plan.decisions.length = 0;

  // Status moves, set-based: one writer call per (round, from, to, message) and chunk, each payment's
  // rail details (reply, booking date, bank reference, reversal) and failure code written by its last
  // move in the same statement; a payment moved twice by one file (booked, then reversed) takes its
  // second move in the next round.
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
  const ordered = [...groups.values()].sort((a, b) => a.move.round - b.move.round);
  const succeeded = new Set<string>();
  for (const { move, ids: all, withDetails } of ordered) {
    for (let start = 0; start < all.length; start += MOVE_CHUNK) {
      const ids = all.slice(start, start + MOVE_CHUNK);
      const railUpdates = withDetails
        ? ids.map((id) => {
            const d = plan.details.get(id)!;
            return { id, details: d.railDetails, ...(d.failureCode !== undefined ? { failureCode: d.failureCode } : {}) };
          })
        : undefined;
      const moved = await movePaymentStatus(tx, { orgId, ids, from: [move.from], to: move.to, message: move.message, now, disbursementsLocked: true, railUpdates });
      // The disbursement locks make this impossible; if it happened the plan would be wrong: store nothing.
      if (moved.length !== ids.length) throw new Error(`bank file import: ${ids.length - moved.length} payments changed status during the import`);
      if (move.to === "SUCCESS") for (const m of moved) succeeded.add(m.disbursementId);
    }
  }
  timing("statuses moved");

  // Rail details of payments the file did not move (a bank's acknowledgement), in chunks.
  const moving = new Set(plan.moves.map((m) => m.paymentId));
  const detailed = [...plan.details.entries()].filter(([id]) => !moving.has(id));
  for (let start = 0; start < detailed.length; start += MOVE_CHUNK) {
    const rows = detailed
      .slice(start, start + MOVE_CHUNK)
      .map(([id, d]) => ({ id, details: d.railDetails, set_code: d.failureCode !== undefined, code: d.failureCode ?? null }));
    await tx.execute(sql`
      update payments p set rail_details = coalesce(p.rail_details, '{}'::jsonb) || v.details,
        failure_code = case when v.set_code then v.code else p.failure_code end
      from json_to_recordset(${JSON.stringify(rows)}::json) as v(id uuid, details jsonb, set_code boolean, code text)
      where p.org_id = ${orgId} and p.id = v.id`);
  }
  timing("rail details written");

  await tx.update(bankFiles).set({ entryCount, matchedCount: matched, exceptionCount: exceptions }).where(eq(bankFiles.id, file.id));

  // A booking may pay the last open payment of a disbursement (its lock is held).
  for (const disbursementId of [...succeeded].sort()) await completeDisbursementIfDone(tx, orgId, disbursementId);

  const moved: Partial<Record<PaymentStatus, number>> = {};
  for (const m of plan.moves) moved[m.to] = (moved[m.to] ?? 0) + 1;
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
