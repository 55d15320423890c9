import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { DrizzleQueryError, and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursementFiles, disbursements, g2pTransactions } from "@/db/schema";
import { validateInstructionsCsv, type ValidRow } from "@/server/domain/csv-instructions";
import { csvLimitsFromEnv } from "./csv-limits";
import { contactKind, includesWalletAddress, isBankAccountType, type RegistrationContactType } from "@/server/domain/disbursement-types";
import { fileAdmissionProblem } from "@/server/domain/g2p/envelope-rules";
import { formatStroops, toStroops } from "@/server/domain/money";
import { UPLOADABLE_DISBURSEMENT_STATUSES } from "@/server/domain/state-machines";
import { assertCan, type OrgContext } from "../context";
import { ServiceError, badRequest, conflict, notFound } from "../errors";
import { addPaymentsToDisbursement } from "../intake/add-payments-to-disbursement";
import { rawSql } from "../intake/bulk-sql";
import { config } from "@/server/config";
import { stepTimer } from "@/server/step-timer";
import type { IntakeProblem, IntakeRow } from "../intake/intake-row";
import { appendStatusHistory } from "./disbursement-view";
import { getDisbursement } from "./get-disbursement";

export type ImportInstructionsInput = { disbursementId: string; fileName: string; content: Buffer };

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
 * Upload disbursement instructions (docs/domain.md#csv-instructions): validate the CSV, then in ONE
 * transaction replace the disbursement's payments through the intake verb (addPaymentsToDisbursement,
 * docs/rails/intake.md: receivers by phone or e-mail within the organization, or by id for bank
 * payees; their verification values and receiver wallets; each payment routed), store the file and
 * move the disbursement DRAFT → READY (or READY → READY). All-or-nothing. This adapter owns the file:
 * its checks, its limits and its answers (line and field of each problem).
 */
export async function importInstructions(ctx: OrgContext, input: ImportInstructionsInput) {
  assertCan(ctx, "disbursements:write");
  if (!UUID.test(input.disbursementId)) throw notFound("The disbursement");
  const limits = csvLimitsFromEnv();
  const timing = stepTimer("csv import", config().INTAKE_TIMING);

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
  const { rows, rowCount } = checkedRows(found, input.content, asset?.decimals ?? 7, limits);
  const fileName = input.fileName.trim().slice(0, 255) || "instructions.csv";
  timing.step("file validated");

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
      timing.step("locked");

      const added = await addPaymentsToDisbursement(tx, ctx, d, rows, {
        replace: true,
        renameMatched: true,
        audit: {
          action: "disbursement.instructions_uploaded",
          details: { file_name: fileName, bytes: input.content.byteLength, previous_status: d.status },
        },
      });
      if (!added.ok) throw csvIntakeError(d.registrationContactType, added.problems, limits.maxErrors);

      // The original bytes, streamed by COPY into a one-row temporary table: a statement parameter
      // (base64 or hex) held the whole file three times over while it was sent (~30 MB at 6 MB).
      timing.step("payments added");
      await stageFile(tx, input.content);
      timing.step("file staged");
      await tx
        .insert(disbursementFiles)
        .values({
          disbursementId: d.id,
          orgId: ctx.org.id,
          fileName,
          contentType: "text/csv",
          content: sql`(select content from intake_file)`,
          sizeBytes: input.content.byteLength,
          rowCount,
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
      timing.step("file stored, disbursement READY");
    });
    timing.step("committed");
  } catch (error) {
    throw conciseDatabaseError(error);
  }

  return getDisbursement(ctx, input.disbursementId);
}

/** Bytes per COPY message of the original file. */
const FILE_PIECE_BYTES = 1 << 16;

/**
 * The original file into `intake_file` (one bytea row, dropped at commit) by a binary COPY of
 * slices of the upload's own buffer: no hex or base64 text of the file is made.
 */
async function stageFile(tx: DbOrTx, content: Buffer) {
  await tx.execute(sql`drop table if exists pg_temp.intake_file`);
  await tx.execute(sql`create temporary table intake_file (content bytea not null) on commit drop`);
  function* pieces() {
    // COPY's binary format: signature, flags, header extension length; one row of one field (its length, its bytes); trailer.
    const head = Buffer.alloc(25);
    head.write("PGCOPY\n\xff\r\n\0", 0, "latin1");
    head.writeInt32BE(0, 11);
    head.writeInt32BE(0, 15);
    head.writeInt16BE(1, 19);
    head.writeInt32BE(content.byteLength, 21);
    yield head;
    for (let at = 0; at < content.byteLength; at += FILE_PIECE_BYTES) yield content.subarray(at, at + FILE_PIECE_BYTES);
    const trailer = Buffer.alloc(2);
    trailer.writeInt16BE(-1, 0);
    yield trailer;
  }
  const copy = await rawSql(tx).unsafe("copy intake_file from stdin with (format binary)").writable();
  await pipeline(Readable.from(pieces()), copy as Writable);
}

/**
 * Validate the file and turn its rows into intake rows. The envelope's declarations bound the whole
 * file (it replaces every payment); they never change after creation, so checking them before the
 * transaction is enough. The validated rows are not returned, so they can be collected while the
 * intake runs (peak memory of a 100,000-row file).
 */
function checkedRows(found: typeof disbursements.$inferSelect, content: Buffer, decimals: number, limits: ReturnType<typeof csvLimitsFromEnv>) {
  const result = validateInstructionsCsv(content, { contactType: found.registrationContactType, verificationField: found.verificationField, decimals, limits });
  if (!result.ok) {
    const extras = { ...result.errors };
    if (result.totalErrors > Object.keys(result.errors).length) extras.total_errors = String(result.totalErrors);
    throw badRequest("could not parse csv file", extras);
  }
  assertFileFitsEnvelope(found, result.rows);
  return { rows: intakeRows(found.registrationContactType, result.rows), rowCount: result.rows.length };
}

/**
 * The file's rows as intake rows (docs/rails/intake.md): bank payees matched by id, others by their
 * contact; a DIRECT_PHONE payee's phone is also its destination (MSISDN, registered at once).
 */
function intakeRows(contactType: RegistrationContactType, rows: readonly ValidRow[]): IntakeRow[] {
  if (contactType === "DIRECT_PHONE") return rows.map((r) => directPhoneRow(r));
  const bank = isBankAccountType(contactType);
  const phone = !bank && contactKind(contactType) === "phone";
  const withWallet = includesWalletAddress(contactType);
  return rows.map((r) => ({
    line: r.line,
    match: bank ? "externalId" : "contact",
    externalId: r.externalId,
    phone: phone ? r.phone : null,
    email: !bank && !phone ? r.email : null,
    verification: r.verification,
    destination: bank ? r.bank : withWallet && r.walletAddress ? { kind: "STELLAR_ADDRESS", value: r.walletAddress, memo: r.walletAddressMemo } : null,
    amount: r.amount,
    paymentRef: r.paymentId,
    region: r.region,
  }));
}

function directPhoneRow(r: ValidRow): IntakeRow {
  const phone = r.phone!;
  return {
    line: r.line,
    match: "contact",
    externalId: r.externalId,
    phone,
    email: null,
    verification: null,
    destination: { kind: "MSISDN", value: phone },
    amount: r.amount,
    paymentRef: r.paymentId,
    region: r.region,
  };
}

/** Line-keyed row errors (capped) in SDP's flat shape, for an error found in the database phase. */
function lineErrors(found: readonly IntakeProblem[], field: string, maxErrors: number) {
  const errors: Record<string, string> = {};
  for (const f of found.slice(0, maxErrors)) errors[`line ${f.line} - ${field}`] = f.message;
  if (found.length > maxErrors) errors.total_errors = String(found.length);
  return errors;
}

/** The intake's row problems as the import's answers: verification mismatches first (400), then destination conflicts (409). */
function csvIntakeError(contactType: RegistrationContactType, problems: readonly IntakeProblem[], maxErrors: number): ServiceError {
  const mismatches = problems.filter((p) => p.code === "VERIFICATION_MISMATCH");
  if (mismatches.length > 0) return badRequest("could not parse csv file", lineErrors(mismatches, "verification", maxErrors));
  const bank = isBankAccountType(contactType);
  const phone = contactType === "DIRECT_PHONE";
  return conflict(
    bank ? "bank account conflict" : phone ? "phone number conflict" : "wallet address conflict",
    lineErrors(
      problems.filter((p) => p.code !== "VERIFICATION_MISMATCH"),
      bank ? "bankAccount" : phone ? "phone" : "walletAddress",
      maxErrors,
    ),
    "ALREADY_EXISTS",
  );
}
