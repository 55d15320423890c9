import { randomBytes } from "node:crypto";
import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DrizzleQueryError, and, eq, sql } from "drizzle-orm";
import type { Sql } from "postgres";
import type { DbOrTx } from "@/db/client";
import { assets, disbursementFiles, disbursements, g2pTransactions } from "@/db/schema";
import { validateInstructionsCsv, type ValidRow } from "@/server/domain/csv-instructions";
import { csvLimitsFromEnv } from "./csv-limits";
import type { Destination } from "@/server/domain/destinations";
import { contactKind, includesWalletAddress, isBankAccountType, type StatusHistoryEntry, type VerificationField } from "@/server/domain/disbursement-types";
import { fileAdmissionProblem } from "@/server/domain/g2p/envelope-rules";
import { formatStroops, toStroops } from "@/server/domain/money";
import { UPLOADABLE_DISBURSEMENT_STATUSES } from "@/server/domain/state-machines";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { ServiceError, badRequest, conflict, notFound } from "../errors";
import { hashVerificationValue } from "../receivers/verification-hash";
import { appendStatusHistory } from "./disbursement-view";
import { getDisbursement } from "./get-disbursement";

export type ImportInstructionsInput = { disbursementId: string; fileName: string; content: Buffer };

/** Rows per update statement of existing rows (one JSON parameter each). */
const LOAD_CHUNK_ROWS = 5_000;
/** Rows per piece of the COPY stream into the staging table. */
const COPY_CHUNK_ROWS = 2_000;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Service errors pass through. A database error is rethrown without drizzle's wrapper, whose
 * message embeds the statement's parameters (megabytes of JSON here); a unique violation means
 * a receiver or wallet was created concurrently, which a retry resolves.
 */
function conciseDatabaseError(error: unknown): unknown {
  if (error instanceof ServiceError) return error;
  const cause = error instanceof DrizzleQueryError ? error.cause : error;
  const pg = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (pg.code === "23505") return conflict("The receivers changed while the file was being imported; upload it again.", undefined, "CONCURRENT_CHANGE");
  if (error instanceof DrizzleQueryError || typeof pg.code === "string") {
    const code = typeof pg.code === "string" ? ` (SQLSTATE ${pg.code})` : "";
    return new Error(`instructions import failed: ${String(pg.message ?? "database error")}${code}`);
  }
  return error;
}

/** 400 naming the file's count or total against the declared ones, when the file does not fit. */
function assertFileFitsEnvelope(d: Pick<typeof disbursements.$inferSelect, "status" | "declaredCount" | "declaredTotal">, rows: ValidRow[]) {
  if (d.declaredCount === null && d.declaredTotal === null) return;
  let stroops = 0n;
  for (const row of rows) stroops += row.stroops;
  const problem = fileAdmissionProblem(
    { status: d.status, declaredCount: d.declaredCount, declaredTotalStroops: d.declaredTotal === null ? null : toStroops(d.declaredTotal) },
    rows.length,
    stroops,
  );
  if (!problem) return;
  // `envelope` carries the sentence (SDP's 400 body has no message of its own once extras exist).
  const extras: Record<string, string> =
    problem.field === "count"
      ? { envelope: problem.message, declared_count: String(d.declaredCount), file_count: String(rows.length) }
      : problem.field === "total"
        ? { envelope: problem.message, declared_total: formatStroops(toStroops(d.declaredTotal)), file_total: formatStroops(stroops) }
        : { status: problem.message };
  throw badRequest(problem.message, extras, problem.field === "count" || problem.field === "total" ? "ENVELOPE_INCOMPLETE" : "INVALID_STATE");
}

function uploadableMessage(status: string) {
  return `Instructions can only be uploaded while the disbursement is ${UPLOADABLE_DISBURSEMENT_STATUSES.join(" or ")}; this one is ${status}.`;
}

/**
 * Upload disbursement instructions (docs/domain.md#csv-instructions): validate the CSV, then in ONE transaction
 * replace the disbursement's payments, upsert receivers (by phone or e-mail within the
 * organization), their verification values and receiver wallets, store the file and move the
 * disbursement DRAFT → READY (or READY → READY). All-or-nothing; set-based SQL throughout
 * (docs/performance.md, "Import"): existing rows are read in bulk, changed ones updated in chunked
 * statements, and every row of the file goes once through a COPY-loaded staging table from which one
 * INSERT per table writes the new receivers, verification values, receiver wallets and the payments.
 */
export async function importInstructions(ctx: OrgContext, input: ImportInstructionsInput) {
  assertCan(ctx, "disbursements:write");
  if (!UUID.test(input.disbursementId)) throw notFound("The disbursement");
  const limits = csvLimitsFromEnv();

  // Read the disbursement first (no lock) to validate the file before opening the transaction;
  // the status is checked again under the row lock.
  const [found] = await ctx.db
    .select()
    .from(disbursements)
    .where(and(eq(disbursements.id, input.disbursementId), eq(disbursements.orgId, ctx.org.id)));
  if (!found) throw notFound("The disbursement");
  if (!UPLOADABLE_DISBURSEMENT_STATUSES.includes(found.status)) {
    throw badRequest(uploadableMessage(found.status), { status: `instructions cannot be uploaded to a ${found.status} disbursement` }, "INVALID_STATE");
  }
  // A G2P envelope's payments are the sender's items: a file would replace (and orphan) them.
  const [fromG2p] = await ctx.db
    .select({ transactionId: g2pTransactions.transactionId })
    .from(g2pTransactions)
    .where(and(eq(g2pTransactions.disbursementId, found.id), eq(g2pTransactions.orgId, ctx.org.id)));
  if (fromG2p) {
    throw badRequest(
      "This disbursement's payments come from a G2P Connect sender; instructions cannot be uploaded to it.",
      {
        status: `made by G2P transaction ${fromG2p.transactionId}`,
      },
      "G2P_MANAGED",
    );
  }

  // Amounts are checked at the asset's precision (2 decimals for most fiat currencies, 7 for Stellar assets).
  const [asset] = await ctx.db.select({ decimals: assets.decimals }).from(assets).where(eq(assets.id, found.assetId));
  const result = validateInstructionsCsv(input.content, {
    contactType: found.registrationContactType,
    verificationField: found.verificationField,
    decimals: asset?.decimals ?? 7,
    limits,
  });
  if (!result.ok) {
    const extras = { ...result.errors };
    if (result.totalErrors > Object.keys(result.errors).length) extras.total_errors = String(result.totalErrors);
    throw badRequest("could not parse csv file", extras);
  }
  const rows = result.rows;
  // The envelope's declarations bound the whole file (it replaces every payment). They never change
  // after creation, so checking them before the transaction is enough.
  assertFileFitsEnvelope(found, rows);
  const fileName = input.fileName.trim().slice(0, 255) || "instructions.csv";

  try {
    await ctx.db.transaction(async (tx) => {
      const [d] = await tx
        .select()
        .from(disbursements)
        .where(and(eq(disbursements.id, input.disbursementId), eq(disbursements.orgId, ctx.org.id)))
        .for("update");
      if (!d) throw notFound("The disbursement");
      if (!UPLOADABLE_DISBURSEMENT_STATUSES.includes(d.status)) {
        throw badRequest(uploadableMessage(d.status), { status: `instructions cannot be uploaded to a ${d.status} disbursement` }, "INVALID_STATE");
      }
      if (d.registrationContactType !== found.registrationContactType || d.verificationField !== found.verificationField) {
        throw conflict("The disbursement changed while the file was being checked; upload it again.", undefined, "CONCURRENT_CHANGE");
      }
      // One import per organization at a time: concurrent imports touching the same receivers or
      // wallet addresses would otherwise race past the conflict checks (or deadlock).
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`disbursement-import:${ctx.org.id}`}, 0))`);

      await writeInstructions(tx, ctx, d, rows, limits.maxErrors);

      // The original bytes, sent once as base64 (postgres.js would send a Buffer as hex: twice the size).
      await tx
        .insert(disbursementFiles)
        .values({
          disbursementId: d.id,
          orgId: ctx.org.id,
          fileName,
          contentType: "text/csv",
          content: sql`decode(${input.content.toString("base64")}, 'base64')`,
          sizeBytes: input.content.byteLength,
          rowCount: rows.length,
          uploadedBy: ctx.actor.userId,
        })
        .onConflictDoUpdate({
          target: disbursementFiles.disbursementId,
          set: {
            fileName: sql`excluded.file_name`,
            contentType: sql`excluded.content_type`,
            content: sql`excluded.content`,
            sizeBytes: sql`excluded.size_bytes`,
            rowCount: sql`excluded.row_count`,
            uploadedBy: sql`excluded.uploaded_by`,
            uploadedAt: sql`now()`,
          },
        });
      await tx
        .update(disbursements)
        .set({
          status: "READY",
          fileName,
          statusHistory: appendStatusHistory(disbursements.statusHistory, ctx.actor.userId, "READY"),
          updatedAt: new Date(),
        })
        .where(eq(disbursements.id, d.id));
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "disbursement.instructions_uploaded",
        targetId: d.id,
        details: { file_name: fileName, rows: rows.length, bytes: input.content.byteLength, previous_status: d.status },
      });
    });
  } catch (error) {
    throw conciseDatabaseError(error);
  }

  return getDisbursement(ctx, input.disbursementId);
}

type LockedDisbursement = typeof disbursements.$inferSelect;
type Row = ValidRow & { receiverId: string; receiverWalletId: string; contact: string; newReceiver: boolean; newWallet: boolean };

const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");

/**
 * New ids for the receivers and receiver wallets of one import: version 7 UUIDs (RFC 9562: a
 * millisecond timestamp, then a counter, then random bits), increasing in row order. Ids that
 * increase make every index they enter (receivers' and receiver wallets' keys, the payments'
 * receiver and receiver wallet indexes, the foreign-key probes) append at its right edge instead
 * of touching a random page per row. Made in batches as flat strings: `crypto.randomUUID()`
 * returns a rope of ~20 pieces, about 500 bytes a string (200,000 of them held ~100 MB).
 */
function uuidSource(batch = 4096): () => string {
  const now = Date.now();
  // 48-bit big-endian millisecond timestamp (2^32 splits it without losing precision).
  const stamp = [now / 2 ** 40, now / 2 ** 32, now / 2 ** 24, now / 2 ** 16, now / 2 ** 8, now].map((v) => Math.floor(v) & 0xff);
  let counter = randomBytes(3).readUIntBE(0, 3); // 26 bits (12 in rand_a, 14 atop rand_b), seeded below 2^24
  let ids: string[] = [];
  let next = 0;
  return () => {
    if (next === ids.length) {
      const raw = randomBytes(16 * batch);
      const text = Buffer.allocUnsafe(36 * batch);
      ids = new Array<string>(batch);
      for (let i = 0, t = 0; i < batch; i++, counter++) {
        const r = i * 16;
        for (let k = 0; k < 6; k++) raw[r + k] = stamp[k] ?? 0;
        raw[r + 6] = 0x70 | ((counter >>> 22) & 0x0f); // version 7
        raw[r + 7] = (counter >>> 14) & 0xff;
        raw[r + 8] = 0x80 | ((counter >>> 8) & 0x3f); // RFC variant
        raw[r + 9] = counter & 0xff;
        const start = t;
        for (let j = 0; j < 16; j++) {
          if (j === 4 || j === 6 || j === 8 || j === 10) text[t++] = 0x2d;
          const byte = raw[r + j] ?? 0;
          text[t++] = HEX_DIGITS[byte >> 4] ?? 0;
          text[t++] = HEX_DIGITS[byte & 15] ?? 0;
        }
        ids[i] = text.toString("latin1", start, t);
      }
      next = 0;
    }
    return ids[next++] as string;
  };
}

/**
 * Run `count` statements on the transaction's connection with up to `depth` in flight
 * (postgres.js pipelines them), so PostgreSQL works on one chunk while the next is serialized.
 * Stops issuing after the first failure and rethrows it.
 */
async function pipelined(count: number, make: (i: number) => PromiseLike<unknown>, depth = 3) {
  const inflight: Promise<void>[] = [];
  const failures: unknown[] = [];
  for (let i = 0; i < count && failures.length === 0; i++) {
    inflight.push(
      Promise.resolve(make(i)).then(
        () => undefined,
        (error: unknown) => {
          failures.push(error);
        },
      ),
    );
    if (inflight.length >= depth) await inflight.shift();
  }
  await Promise.all(inflight);
  if (failures.length > 0) throw failures[0];
}

/**
 * Write `items` in chunks: each chunk is one statement reading a JSON array of records (built per
 * chunk, so only a few chunks are in memory at a time). Every item must be written.
 */
async function writeChunks<T>(items: readonly T[], toRecord: (item: T) => unknown, statement: (json: string) => PromiseLike<{ count: number }>) {
  let written = 0;
  await pipelined(Math.ceil(items.length / LOAD_CHUNK_ROWS), async (i) => {
    const chunk = items.slice(i * LOAD_CHUNK_ROWS, (i + 1) * LOAD_CHUNK_ROWS).map(toRecord);
    const result = await statement(JSON.stringify(chunk));
    written += result.count;
  });
  if (written !== items.length) throw new Error(`instructions import wrote ${written} rows for ${items.length}`);
}

/**
 * `= any($1::text[])` over many values in one array parameter (values must not be null). Run
 * under `plan_cache_mode = force_custom_plan` (see lookUp) the array is a constant when planned,
 * so even a plan that filters rows instead of probing an index (likely right after a bulk insert,
 * before statistics catch up) tests each row with a hash instead of a linear scan. A generic plan
 * (postgres.js prepares statements; PostgreSQL goes generic after 5 runs), `any(array(select ...))`
 * or `in (select json_array_elements_text(...))` lose that and turned 100,000 rows into minutes.
 */
const anyText = (values: string[]) => sql`any(${sql.param(values)}::text[])`;
const anyUuid = (values: string[]) => sql`any(${sql.param(values)}::uuid[])`;

/**
 * Run the bulk lookups with custom plans only: the setting must not stay on for the writes, where
 * it would make PostgreSQL re-plan the foreign-key check of every inserted row.
 */
async function lookUp<T>(tx: DbOrTx, fn: () => Promise<T>): Promise<T> {
  const [previous] = await tx.execute<{ mode: string }>(sql`select current_setting('plan_cache_mode') as mode, set_config('plan_cache_mode', 'force_custom_plan', true)`);
  const result = await fn();
  await tx.execute(sql`select set_config('plan_cache_mode', ${previous?.mode ?? "auto"}, true)`);
  return result;
}

/** Line-keyed row errors (capped) in SDP's flat shape, for an error found in the database phase. */
function lineErrors(found: { line: number; message: string }[], field: string, maxErrors: number) {
  found.sort((a, b) => a.line - b.line);
  const errors: Record<string, string> = {};
  for (const f of found.slice(0, maxErrors)) errors[`line ${f.line} - ${field}`] = f.message;
  if (found.length > maxErrors) errors.total_errors = String(found.length);
  return errors;
}

type ExistingWallet = { id: string; status: string; address: string | null; memo: string | null };

/**
 * Everything row-shaped. First the lookups: existing receivers (by contact), their verification
 * values and receiver wallets, the holders of the file's wallet addresses, each one query over all
 * rows; conflicts are decided in memory. Then the writes: only what is new or changed, with ids
 * generated here (no per-row round trip, no join back): changes to existing rows in chunked
 * statements, new rows from the staging table.
 */
async function writeInstructions(tx: DbOrTx, ctx: OrgContext, d: LockedDisbursement, validRows: ValidRow[], maxErrors: number) {
  if (isBankAccountType(d.registrationContactType)) return writeBankInstructions(tx, ctx, d, validRows, maxErrors);
  const orgId = ctx.org.id;
  const withWallet = includesWalletAddress(d.registrationContactType);
  const kind = contactKind(d.registrationContactType);
  const contactColumn = sql.raw(kind === "phone" ? "phone_number" : "email");
  const field = withWallet ? null : d.verificationField;
  const now = new Date().toISOString();
  // The validated rows gain their receiver and receiver wallet ids in place (no second copy of 100,000 rows).
  const rows = validRows as Row[];
  for (const row of rows) {
    row.contact = (kind === "phone" ? row.phone : row.email) ?? "";
    row.receiverId = "";
    row.receiverWalletId = "";
    row.newReceiver = false;
    row.newWallet = false;
  }

  // ---- lookups ------------------------------------------------------------------------------
  const existingReceiverRows: Row[] = [];
  const renamedReceivers: Row[] = [];
  const verificationByReceiver = new Map<string, { hash: string; confirmed: boolean }>();
  const walletByReceiver = new Map<string, ExistingWallet>();
  const holdersByAddress = new Map<string, string[]>();
  const busyWalletIds = new Set<string>();

  // Each query's raw result is read in its own function, so it is garbage once folded into what the
  // decisions need (a re-upload of 100,000 rows reads 100,000 receivers, wallets and verification values).
  const matchReceivers = async () => {
    const receivers = await tx.execute<{ id: string; contact: string; external_id: string }>(sql`
      select id, ${contactColumn} as contact, external_id
      from receivers
      where org_id = ${orgId} and ${contactColumn} = ${anyText(rows.map((r) => r.contact))}`);
    const receiverByContact = new Map<string, { id: string; external_id: string }>();
    for (const r of receivers) receiverByContact.set(r.contact, r);
    for (const row of rows) {
      const existing = receiverByContact.get(row.contact);
      if (!existing) continue;
      row.receiverId = existing.id;
      existingReceiverRows.push(row);
      if (existing.external_id !== row.externalId) renamedReceivers.push(row);
    }
  };
  const readVerifications = async (existingIds: string[], field: VerificationField) => {
    const found = await tx.execute<{ receiver_id: string; hashed_value: string; confirmed: boolean }>(sql`
      select receiver_id, hashed_value, confirmed_at is not null as confirmed
      from receiver_verifications
      where receiver_id = ${anyUuid(existingIds)} and verification_field = ${field}::verification_field`);
    for (const v of found) verificationByReceiver.set(v.receiver_id, { hash: v.hashed_value, confirmed: v.confirmed });
  };
  const readWallets = async (existingIds: string[]) => {
    // Status and address matter only when the file registers addresses.
    const columns = withWallet ? sql`id, receiver_id, status, stellar_address, stellar_memo` : sql`id, receiver_id`; // generated from the destination
    const found = await tx.execute<{ id: string; receiver_id: string; status?: string; stellar_address?: string | null; stellar_memo?: string | null }>(sql`
      select ${columns}
      from receiver_wallets
      where receiver_id = ${anyUuid(existingIds)} and wallet_id = ${d.walletId}`);
    for (const w of found) {
      walletByReceiver.set(w.receiver_id, { id: w.id, status: w.status ?? "", address: w.stellar_address ?? null, memo: w.stellar_memo ?? null });
    }
  };

  await lookUp(tx, async () => {
    await matchReceivers();
    const existingIds = existingReceiverRows.map((r) => r.receiverId);
    if (existingIds.length > 0 && field) await readVerifications(existingIds, field);
    if (existingIds.length > 0) await readWallets(existingIds);
    if (withWallet) {
      const holders = await tx.execute<{ receiver_id: string; stellar_address: string }>(sql`
        select distinct receiver_id, destination_value as stellar_address
        from receiver_wallets
        where org_id = ${orgId} and destination_kind = 'STELLAR_ADDRESS' and destination_value = ${anyText(rows.map((r) => r.walletAddress ?? ""))}`);
      for (const h of holders) holdersByAddress.set(h.stellar_address, [...(holdersByAddress.get(h.stellar_address) ?? []), h.receiver_id]);
      // Receiver wallets whose registered address (or memo) the file changes: any payments in flight?
      const readdressed = existingReceiverRows
        .map((row) => ({ row, wallet: walletByReceiver.get(row.receiverId) }))
        .filter(({ row, wallet }) => wallet?.address != null && (wallet.address !== row.walletAddress || (wallet.memo ?? null) !== row.walletAddressMemo))
        .map(({ wallet }) => (wallet as ExistingWallet).id);
      if (readdressed.length > 0) {
        const busy = await tx.execute<{ receiver_wallet_id: string }>(sql`
          select distinct receiver_wallet_id from payments
          where receiver_wallet_id = ${anyUuid(readdressed)} and status in ('READY', 'PENDING', 'PAUSED')`);
        for (const b of busy) busyWalletIds.add(b.receiver_wallet_id);
      }
    }
  });

  // ---- decisions (in memory); errors before anything is written -----------------------------
  const newId = uuidSource();
  const newReceivers = rows.filter((r) => r.receiverId === "");
  for (const row of newReceivers) {
    row.receiverId = newId();
    row.newReceiver = true;
  }

  // Changes to existing rows; each chunk's records (and verification hashes) are built when it is sent.
  // New rows are not listed: they are flagged on the row and go through the staging table.
  const verificationUpserts: Row[] = [];
  if (field) {
    const mismatches: { line: number; message: string }[] = [];
    for (const row of rows) {
      if (row.newReceiver) continue;
      const current = verificationByReceiver.get(row.receiverId);
      if (!current) {
        verificationUpserts.push(row);
        continue;
      }
      if (current.hash === hashVerificationValue(field, row.verification ?? "")) continue;
      if (current.confirmed) mismatches.push({ line: row.line, message: "the verification value does not match the one confirmed for this receiver" });
      else verificationUpserts.push(row);
    }
    if (mismatches.length > 0) throw badRequest("could not parse csv file", lineErrors(mismatches, "verification", maxErrors));
  }

  const walletUpdates: Row[] = [];
  const conflicts: { line: number; message: string }[] = [];
  for (const row of rows) {
    const wallet = walletByReceiver.get(row.receiverId);
    row.receiverWalletId = wallet?.id ?? newId();
    row.newWallet = !wallet;
    if (!withWallet) continue; // an existing receiver wallet keeps its status (a REGISTERED one stays registered)
    const heldByOthers = (holdersByAddress.get(row.walletAddress ?? "") ?? []).some((id) => id !== row.receiverId);
    if (heldByOthers) {
      conflicts.push({ line: row.line, message: `wallet address ${row.walletAddress} belongs to another receiver` });
    } else if (wallet && busyWalletIds.has(wallet.id)) {
      conflicts.push({
        line: row.line,
        message: `the receiver's wallet is registered with ${wallet.address} and has payments in flight; it cannot be changed now`,
      });
    } else if (wallet && (wallet.status !== "REGISTERED" || wallet.address !== row.walletAddress || (wallet.memo ?? null) !== row.walletAddressMemo)) {
      walletUpdates.push(row);
    }
  }
  if (conflicts.length > 0) throw conflict("wallet address conflict", lineErrors(conflicts, "walletAddress", maxErrors), "ALREADY_EXISTS");
  verificationByReceiver.clear();
  walletByReceiver.clear();
  holdersByAddress.clear();

  // ---- writes -------------------------------------------------------------------------------
  // Re-upload replaces the instructions: the old payments are still DRAFT in DRAFT/READY.
  await tx.execute(sql`delete from payments where disbursement_id = ${d.id}`);

  // Existing rows the file changes (none in a file of new receivers): chunked statements over JSON.
  await writeChunks(
    renamedReceivers,
    (r) => ({ i: r.receiverId, x: r.externalId }),
    (json) =>
      tx.execute(sql`
      update receivers r set external_id = t.x, updated_at = now()
      from json_to_recordset(${json}::json) as t(i uuid, x text)
      where r.id = t.i`),
  );
  await writeRegions(tx, existingReceiverRows);
  if (field) {
    // An unconfirmed value is replaced; a confirmed one matched (else we stopped above). Only a NEW
    // value gets here, and it starts over: its attempts and lock (failed_at) are cleared, so a
    // receiver locked out by wrong values can verify against the corrected one (docs/security.md).
    await writeChunks(
      verificationUpserts,
      (r) => ({ r: r.receiverId, h: hashVerificationValue(field, r.verification ?? "") }),
      (json) =>
        tx.execute(sql`
        insert into receiver_verifications (receiver_id, org_id, verification_field, hashed_value)
        select t.r, ${orgId}, ${field}::verification_field, t.h from json_to_recordset(${json}::json) as t(r uuid, h text)
        on conflict (receiver_id, verification_field) do update
          set hashed_value = excluded.hashed_value, attempts = 0, failed_at = null, updated_at = now()
          where receiver_verifications.confirmed_at is null`),
    );
  }
  // *_AND_WALLET_ADDRESS: registered at once with the file's address and memo.
  const registered = JSON.stringify([{ user_id: ctx.actor.userId, status: "REGISTERED", timestamp: now } satisfies StatusHistoryEntry]);
  if (withWallet) {
    // A FLAGGED wallet keeps its status (and history); any other becomes REGISTERED.
    await writeChunks(
      walletUpdates,
      (r) => ({ i: r.receiverWalletId, a: r.walletAddress, m: r.walletAddressMemo }),
      (json) =>
        tx.execute(sql`
        update receiver_wallets w set
          destination_kind = 'STELLAR_ADDRESS',
          destination_value = t.a,
          destination_memo = t.m,
          destination_details = null,
          status = case when w.status = 'FLAGGED' then w.status else 'REGISTERED'::receiver_wallet_status end,
          status_history = case when w.status = 'FLAGGED' then w.status_history else w.status_history || ${registered}::jsonb end,
          updated_at = now()
        from json_to_recordset(${json}::json) as t(i uuid, a text, m text)
        where w.id = t.i`),
    );
  }

  // New rows: every row of the file goes once into a staging table by COPY, then one INSERT … SELECT
  // per table writes the new receivers, verification values, receiver wallets and all the payments
  // (docs/performance.md, "Import"). A failing INSERT is an ordinary statement error; the staging
  // table holds only values made or checked here, so the COPY itself cannot fail half-way.
  await stageRows(tx, rows, field, newId);
  const newReceiverCount = newReceivers.length;
  const newWalletCount = rows.reduce((n, r) => n + (r.newWallet ? 1 : 0), 0);
  await expectCount(
    "receivers",
    newReceiverCount,
    tx.execute(sql`
      insert into receivers (id, org_id, external_id, ${contactColumn}, attributes)
      select s.receiver_id, ${orgId}, s.external_id, s.contact, case when s.region is null then '{}'::jsonb else jsonb_build_object('region', s.region) end
      from import_rows s where s.new_receiver order by s.line`),
  );
  if (field) {
    await expectCount(
      "receiver_verifications",
      newReceiverCount,
      tx.execute(sql`
        insert into receiver_verifications (receiver_id, org_id, verification_field, hashed_value)
        select s.receiver_id, ${orgId}, ${field}::verification_field, s.verification_hash from import_rows s where s.new_receiver order by s.line`),
    );
  }
  const walletStatus = withWallet ? "REGISTERED" : "DRAFT";
  const walletHistory = withWallet ? registered : JSON.stringify([{ user_id: ctx.actor.userId, status: "DRAFT", timestamp: now } satisfies StatusHistoryEntry]);
  await expectCount(
    "receiver_wallets",
    newWalletCount,
    tx.execute(sql`
      insert into receiver_wallets (id, org_id, receiver_id, wallet_id, status, destination_kind, destination_value, destination_memo, status_history)
      select s.receiver_wallet_id, ${orgId}, s.receiver_id, ${d.walletId}, ${walletStatus}::receiver_wallet_status,
        case when s.wallet_address is not null then 'STELLAR_ADDRESS'::destination_kind end, s.wallet_address, s.wallet_memo, ${walletHistory}::jsonb
      from import_rows s where s.new_wallet order by s.line`),
  );
  // One DRAFT payment per row.
  const paymentHistory = JSON.stringify([{ status: "DRAFT", status_message: null, timestamp: now }]);
  await expectCount(
    "payments",
    rows.length,
    tx.execute(sql`
      insert into payments (id, org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, status_history, external_payment_id, line_number)
      select s.payment_id, ${orgId}, ${d.id}, s.receiver_id, s.receiver_wallet_id, ${d.assetId}, s.amount::numeric(19,7), 'DRAFT', ${paymentHistory}::jsonb, s.payment_ref, s.line
      from import_rows s order by s.line`),
  );
}

/** The file's `region` values onto existing receivers' attributes (the latest import wins; docs/rails.md "Destinations"). */
async function writeRegions(tx: DbOrTx, existing: readonly { receiverId: string; region: string | null }[]) {
  await writeChunks(
    existing.filter((r) => r.region !== null),
    (r) => ({ i: r.receiverId, r: r.region }),
    (json) =>
      tx.execute(sql`
      update receivers r set attributes = r.attributes || jsonb_build_object('region', t.r), updated_at = now()
      from json_to_recordset(${json}::json) as t(i uuid, r text)
      where r.id = t.i`),
  );
}

type BankRow = ValidRow & { bank: Destination; receiverId: string; receiverWalletId: string; newReceiver: boolean; newWallet: boolean };

/**
 * BANK_ACCOUNT instructions (docs/rails.md "Destinations"): payees are matched by external id within
 * the organization (no contact, no verification, no invitation); each distinct account is one
 * receiver_wallets row without a wallet provider, REGISTERED at once, holding the IBAN or account
 * number and the bank code and holder's name; the payments point at it. An account another receiver
 * of the organization holds is refused (as a Stellar address is). Lookups in bulk, decisions in
 * memory, then set-based writes in chunked statements.
 */
async function writeBankInstructions(tx: DbOrTx, ctx: OrgContext, d: LockedDisbursement, validRows: ValidRow[], maxErrors: number) {
  const orgId = ctx.org.id;
  const now = new Date().toISOString();
  const rows = validRows as BankRow[];
  const accountKey = (b: Destination) => `${b.kind}:${b.value}`;
  const receiverByExternalId = new Map<string, string>();
  const rowsByAccount = new Map<string, { id: string; receiverId: string; walletId: string | null; details: Destination["details"] }[]>();

  await lookUp(tx, async () => {
    // Several receivers may share an external id (contact-matched ones are renamed by their files): the oldest answers.
    const found = await tx.execute<{ id: string; external_id: string }>(sql`
      select distinct on (external_id) id, external_id from receivers
      where org_id = ${orgId} and external_id = ${anyText(rows.map((r) => r.externalId))}
      order by external_id, created_at, id`);
    for (const r of found) receiverByExternalId.set(r.external_id, r.id);
    const held = await tx.execute<{ id: string; receiver_id: string; wallet_id: string | null; kind: string; value: string; details: Destination["details"] }>(sql`
      select w.id, w.receiver_id, w.wallet_id, w.destination_kind::text as kind, w.destination_value as value, w.destination_details as details
      from unnest(${sql.param(rows.map((r) => r.bank.kind))}::destination_kind[], ${sql.param(rows.map((r) => r.bank.value))}::text[]) as q(kind, value)
      join receiver_wallets w on w.org_id = ${orgId} and w.destination_kind = q.kind and w.destination_value = q.value`);
    for (const h of held) {
      const key = `${h.kind}:${h.value}`;
      rowsByAccount.set(key, [...(rowsByAccount.get(key) ?? []), { id: h.id, receiverId: h.receiver_id, walletId: h.wallet_id, details: h.details }]);
    }
  });

  const newId = uuidSource();
  const conflicts: { line: number; message: string }[] = [];
  const detailUpdates: BankRow[] = [];
  const existingReceivers: BankRow[] = [];
  for (const row of rows) {
    const known = receiverByExternalId.get(row.externalId);
    row.newReceiver = !known;
    row.receiverId = known ?? newId();
    if (known) existingReceivers.push(row);
    const holders = rowsByAccount.get(accountKey(row.bank)) ?? [];
    if (holders.some((h) => h.receiverId !== row.receiverId)) {
      conflicts.push({ line: row.line, message: `bank account ${row.bank.value} belongs to another receiver` });
      continue;
    }
    const own = holders.find((h) => h.walletId === null);
    row.newWallet = !own;
    row.receiverWalletId = own?.id ?? newId();
    if (own && JSON.stringify(own.details ?? {}) !== JSON.stringify(row.bank.details ?? {})) detailUpdates.push(row);
  }
  if (conflicts.length > 0) throw conflict("bank account conflict", lineErrors(conflicts, "bankAccount", maxErrors), "ALREADY_EXISTS");

  // ---- writes -------------------------------------------------------------------------------
  await tx.execute(sql`delete from payments where disbursement_id = ${d.id}`);
  await writeChunks(
    rows.filter((r) => r.newReceiver),
    (r) => ({ i: r.receiverId, x: r.externalId, a: r.region === null ? {} : { region: r.region } }),
    (json) =>
      tx.execute(sql`
      insert into receivers (id, org_id, external_id, attributes)
      select t.i, ${orgId}, t.x, t.a from json_to_recordset(${json}::json) as t(i uuid, x text, a jsonb)`),
  );
  await writeRegions(tx, existingReceivers);
  // The holder's name or bank code changed: the latest file wins.
  await writeChunks(
    detailUpdates,
    (r) => ({ i: r.receiverWalletId, d: r.bank.details ?? {} }),
    (json) =>
      tx.execute(sql`
      update receiver_wallets w set destination_details = t.d, updated_at = now()
      from json_to_recordset(${json}::json) as t(i uuid, d jsonb)
      where w.id = t.i`),
  );
  const registered = JSON.stringify([{ user_id: ctx.actor.userId, status: "REGISTERED", timestamp: now } satisfies StatusHistoryEntry]);
  await writeChunks(
    rows.filter((r) => r.newWallet),
    (r) => ({ i: r.receiverWalletId, r: r.receiverId, k: r.bank.kind, v: r.bank.value, d: r.bank.details ?? {} }),
    (json) =>
      tx.execute(sql`
      insert into receiver_wallets (id, org_id, receiver_id, wallet_id, status, destination_kind, destination_value, destination_details, status_history)
      select t.i, ${orgId}, t.r, null, 'REGISTERED', t.k::destination_kind, t.v, t.d, ${registered}::jsonb
      from json_to_recordset(${json}::json) as t(i uuid, r uuid, k text, v text, d jsonb)`),
  );
  const paymentHistory = JSON.stringify([{ status: "DRAFT", status_message: null, timestamp: now }]);
  const newPaymentId = uuidSource();
  await writeChunks(
    rows,
    (r) => ({ p: newPaymentId(), r: r.receiverId, w: r.receiverWalletId, a: r.amount, x: r.paymentId, l: r.line }),
    (json) =>
      tx.execute(sql`
      insert into payments (id, org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, status_history, external_payment_id, line_number)
      select t.p, ${orgId}, ${d.id}, t.r, t.w, ${d.assetId}, t.a::numeric(19,7), 'DRAFT', ${paymentHistory}::jsonb, t.x, t.l
      from json_to_recordset(${json}::json) as t(p uuid, r uuid, w uuid, a text, x text, l integer)`),
  );
}

/** Every row of the file, with the ids decided in memory and a new payment id, streamed into a temporary table. */
async function stageRows(tx: DbOrTx, rows: Row[], field: VerificationField | null, newPaymentId: () => string) {
  await tx.execute(sql`
      create temporary table import_rows (
        line integer not null, receiver_id uuid not null, receiver_wallet_id uuid not null, payment_id uuid not null,
        new_receiver boolean not null, new_wallet boolean not null, contact text, external_id text, amount text not null,
        payment_ref text, verification_hash text, wallet_address text, wallet_memo text, region text
      ) on commit drop`);
  function* pieces() {
    for (let start = 0; start < rows.length; start += COPY_CHUNK_ROWS) {
      let text = "";
      for (const r of rows.slice(start, start + COPY_CHUNK_ROWS)) {
        const hash = field && r.newReceiver ? hashVerificationValue(field, r.verification ?? "") : null;
        text += `${r.line}\t${r.receiverId}\t${r.receiverWalletId}\t${newPaymentId()}\t${r.newReceiver ? "t" : "f"}\t${r.newWallet ? "t" : "f"}\t`;
        text += `${copyText(r.newReceiver ? r.contact : null)}\t${copyText(r.newReceiver ? r.externalId : null)}\t${copyText(r.amount)}\t${copyText(r.paymentId)}\t`;
        text += `${copyText(hash)}\t${copyText(r.newWallet ? r.walletAddress : null)}\t${copyText(r.newWallet ? r.walletAddressMemo : null)}\t`;
        text += `${copyText(r.newReceiver ? r.region : null)}\n`;
      }
      yield text;
    }
  }
  const copy = await rawSql(tx).unsafe("copy import_rows from stdin").writable();
  await pipeline(Readable.from(pieces()), copy as Writable);
}

/** An INSERT … SELECT from the staging table wrote exactly the rows decided in memory. */
async function expectCount(table: string, expected: number, statement: PromiseLike<{ count: number }>) {
  const { count } = await statement;
  if (count !== expected) throw new Error(`instructions import wrote ${count} rows into ${table} for ${expected}`);
}

/**
 * The postgres.js connection under a drizzle transaction: COPY has no drizzle API. (Only a COPY that
 * cannot fail goes through it: postgres.js never settles a COPY whose error arrives after the last
 * row was sent, such as a foreign-key check at the end of the statement.)
 */
function rawSql(tx: DbOrTx): Sql {
  const client = (tx._.session as unknown as { client?: Sql }).client;
  if (typeof client?.unsafe !== "function") throw new Error("instructions import needs the postgres.js driver (COPY FROM STDIN)");
  return client;
}

const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
/** A value in COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] ?? c) : value;
}
