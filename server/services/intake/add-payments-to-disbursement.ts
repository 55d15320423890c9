import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import type { disbursements } from "@/db/schema";
import type { Destination } from "@/server/domain/destinations";
import { includesWalletAddress, isDirectPayeeType, type StatusHistoryEntry, type VerificationField } from "@/server/domain/disbursement-types";
import type { DestinationKind } from "@/server/domain/rails";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { hashVerificationValue } from "../receivers/verification-hash";
import { loadRouting } from "../routing/load-routing";
import { anyText, anyUuid, COPY_CHUNK_ROWS, copyText, lookUp, rawSql, uuidSource, writeChunks } from "./bulk-sql";
import type { IntakeProblem, IntakeResult, IntakeRow } from "./intake-row";
import { config } from "@/server/config";
import { stepTimer, type StepTimer } from "@/server/step-timer";
import { intakeRouter } from "./route-at-intake";

export type IntakeDisbursement = Pick<typeof disbursements.$inferSelect, "id" | "walletId" | "assetId" | "registrationContactType" | "verificationField">;

export type IntakeOptions = {
  /** Replace the disbursement's payments (a CSV re-upload) instead of adding to them (G2P items). */
  replace: boolean;
  /** A contact-matched receiver takes the row's external id (the CSV `id` column); G2P payee addresses are not ids. */
  renameMatched: boolean;
  /** Return the new payments' ids in row order (G2P items point at them); a CSV import needs none. */
  returnPaymentIds?: boolean;
  /** The audit row of the intake (the verb adds the counts). */
  audit: { action: string; details: Record<string, unknown> };
  /** Rows per staged piece (default STAGE_PIECE_ROWS); tests use a few to write small intakes in several pieces. */
  stagePieceRows?: number;
};

type ExistingWallet = { id: string; status: string; kind: DestinationKind | null; value: string | null; memo: string | null; created: boolean };
type Holder = { id: string; receiverId: string; walletId: string | null; details: Destination["details"] };

/** Per row: what the decisions found (kept beside the rows, not on them: the adapters' rows stay theirs). */
type Placed = {
  receiverId: string;
  walletId: string;
  newReceiver: boolean;
  newWallet: boolean;
  connectionId: string | null;
  ruleId: string | null;
};

/** Intakes from this many rows up raise the transaction's work_mem to LARGE_INTAKE_WORK_MEM. */
const LARGE_INTAKE_ROWS = 10_000;
const LARGE_INTAKE_WORK_MEM = "64MB";

const destinationKey = (d: Pick<Destination, "kind" | "value">) => `${d.kind}:${d.value}`;

/** How a destination is named in a problem's sentence ("wallet address G…", "bank account BE68…"). */
export function destinationLabel(kind: DestinationKind): string {
  switch (kind) {
    case "STELLAR_ADDRESS":
      return "wallet address";
    case "BANK_ACCOUNT":
    case "IBAN":
      return "bank account";
    case "MSISDN":
      return "phone number";
    case "EMAIL":
      return "email address";
  }
}

/**
 * Add payments to a disbursement (docs/rails/intake.md): the one intake verb of the CSV import, G2P
 * `/disburse` and later intake paths. The caller holds the disbursement's row lock and the
 * organization's intake lock (`disbursement-import:<org>`), inside its transaction.
 *
 * Same rules for every path: receivers found by contact, external id or destination; a destination
 * another receiver holds is refused (DESTINATION_HELD); a receiver's wallet registered with another
 * destination takes the new one unless payments to it are in flight (DESTINATION_BUSY); a confirmed
 * verification value must match (VERIFICATION_MISMATCH). Problems come back per row, before anything
 * is written; the adapter renders them. Then set-based writes: existing rows changed in chunked
 * statements, every new row once through a COPY-loaded staging table, ids made here (version 7 UUIDs,
 * increasing), and each payment routed at once (server/services/intake/route-at-intake.ts): its
 * `connection_id` and `routing_rule_id` are written by the same insert.
 */
export async function addPaymentsToDisbursement(
  tx: DbOrTx,
  ctx: OrgContext,
  d: IntakeDisbursement,
  rows: readonly IntakeRow[],
  options: IntakeOptions,
): Promise<IntakeResult> {
  assertCan(ctx, "disbursements:write");
  const timing = stepTimer("intake", config().INTAKE_TIMING);
  await timing.watchBackend(tx);
  const orgId = ctx.org.id;
  const bank = isDirectPayeeType(d.registrationContactType) || d.walletId === null;
  const field = bank || includesWalletAddress(d.registrationContactType) ? null : d.verificationField;
  const now = new Date().toISOString();
  if (bank && rows.some((r) => r.destination === null)) throw new Error("a disbursement without a wallet provider needs a destination on every row");

  // Memory for the lookups' hashes, the re-upload's delete and the totals trigger's transition
  // tables (the default 4 MB spilled each 25,000-payment piece to a temporary file). Ends with the
  // caller's transaction (docs/performance/import.md).
  if (rows.length >= LARGE_INTAKE_ROWS) await tx.execute(sql.raw(`set local work_mem = '${LARGE_INTAKE_WORK_MEM}'`));
  const anyDestination = rows.some((r) => r.destination !== null);
  const routing = await loadRouting(tx, orgId, { lockConnections: true });
  const router = intakeRouter(routing.compiled, d);
  const wantAttributes = router.usesAttributes;
  timing.step("routing loaded");

  // ---- lookups: one query per kind of key over all rows ---------------------------------------
  type Known = { id: string; externalId: string; attributes: Record<string, string> | null; seen?: boolean };
  const byPhone = new Map<string, Known>();
  const byEmail = new Map<string, Known>();
  const byExternalId = new Map<string, Known>();
  const byId = new Map<string, Known>();
  const holdersByKey = new Map<string, Holder[]>();
  const walletByReceiver = new Map<string, ExistingWallet>();
  const verificationByReceiver = new Map<string, { hash: string; confirmed: boolean }>();
  const busyWalletIds = new Set<string>();
  const placed: Placed[] = new Array<Placed>(rows.length);

  const attributesColumn = wantAttributes ? sql`attributes` : sql`null::jsonb as attributes`;
  const readReceivers = async (column: "phone_number" | "email", values: string[], into: Map<string, Known>) => {
    if (values.length === 0) return;
    const found = await tx.execute<{ id: string; key: string; external_id: string; attributes: Record<string, string> | null }>(sql`
      select id, ${sql.raw(column)} as key, external_id, ${attributesColumn}
      from receivers where org_id = ${orgId} and ${sql.raw(column)} = ${anyText(values)}`);
    for (const r of found) into.set(r.key, { id: r.id, externalId: r.external_id, attributes: r.attributes });
  };
  const readByExternalId = async (values: string[]) => {
    if (values.length === 0) return;
    // Several receivers may share an external id (contact-matched ones are renamed by their files): the oldest answers.
    const found = await tx.execute<{ id: string; external_id: string; attributes: Record<string, string> | null }>(sql`
      select distinct on (external_id) id, external_id, ${attributesColumn} from receivers
      where org_id = ${orgId} and external_id = ${anyText(values)}
      order by external_id, created_at, id`);
    for (const r of found) byExternalId.set(r.external_id, { id: r.id, externalId: r.external_id, attributes: r.attributes });
  };
  const readHolders = async () => {
    const valuesByKind = new Map<DestinationKind, string[]>();
    for (const r of rows)
      if (r.destination) (valuesByKind.get(r.destination.kind) ?? valuesByKind.set(r.destination.kind, []).get(r.destination.kind)!).push(r.destination.value);
    for (const [kind, values] of valuesByKind) {
      // Every receiver wallet of the organization holding one of the destinations, oldest first.
      const found = await tx.execute<{ id: string; receiver_id: string; wallet_id: string | null; value: string; details: Destination["details"] }>(sql`
        select id, receiver_id, wallet_id, destination_value as value, destination_details as details from receiver_wallets
        where org_id = ${orgId} and destination_kind = ${kind}::destination_kind and destination_value = ${anyText(values)}
        order by created_at, id`);
      for (const h of found) {
        const key = `${kind}:${h.value}`;
        (holdersByKey.get(key) ?? holdersByKey.set(key, []).get(key)!).push({ id: h.id, receiverId: h.receiver_id, walletId: h.wallet_id, details: h.details });
      }
    }
  };
  /** The receiver a destination-matched row is paid as: the holder through this disbursement's wallet provider, else the oldest holder. */
  const holderOf = (destination: Destination): Holder | undefined => {
    const holders = holdersByKey.get(destinationKey(destination));
    return holders?.find((h) => h.walletId === d.walletId) ?? holders?.[0];
  };

  await lookUp(tx, async () => {
    await readReceivers(
      "phone_number",
      rows.flatMap((r) => (r.match === "contact" && r.phone ? [r.phone] : [])),
      byPhone,
    );
    await readReceivers(
      "email",
      rows.flatMap((r) => (r.match === "contact" && !r.phone && r.email ? [r.email] : [])),
      byEmail,
    );
    await readByExternalId(rows.flatMap((r) => (r.match === "externalId" ? [r.externalId] : [])));
    await readHolders();
    if (wantAttributes) {
      // Receivers found through their destination: their attributes, for the rules that read them.
      const ids = [...new Set(rows.flatMap((r) => (r.match === "destination" && r.destination ? [holderOf(r.destination)?.receiverId ?? ""] : [])).filter(Boolean))];
      if (ids.length > 0) {
        const found = await tx.execute<{ id: string; external_id: string; attributes: Record<string, string> | null }>(sql`
          select id, external_id, attributes from receivers where id = ${anyUuid(ids)}`);
        for (const r of found) byId.set(r.id, { id: r.id, externalId: r.external_id, attributes: r.attributes });
      }
    }
  });

  timing.step("receivers looked up");

  // ---- receivers (in memory): found, or new with an id made here --------------------------------
  const newId = uuidSource();
  const newReceiverByKey = new Map<string, string>();
  const renamed: { id: string; externalId: string }[] = [];
  // Receiver attributes for the rules that read them (only then: a re-upload of 100,000 rows reads 100,000 receivers).
  const attributesOf = new Map<string, Record<string, string> | null>();
  const existingIds: string[] = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    let known: Known | undefined;
    if (row.match === "contact") {
      known = row.phone ? byPhone.get(row.phone) : byEmail.get(row.email ?? "");
      if (known && options.renameMatched && known.externalId !== row.externalId) {
        renamed.push({ id: known.id, externalId: row.externalId });
        known.externalId = row.externalId;
      }
    } else if (row.match === "externalId") {
      known = byExternalId.get(row.externalId);
    } else {
      if (!row.destination) throw new Error("a destination-matched row needs a destination");
      const holder = holderOf(row.destination);
      if (holder) {
        known = byId.get(holder.receiverId);
        if (!known) byId.set(holder.receiverId, (known = { id: holder.receiverId, externalId: "", attributes: null }));
      }
    }
    let receiverId: string;
    let newReceiver = false;
    if (known) {
      receiverId = known.id;
      if (!known.seen) {
        known.seen = true;
        existingIds.push(receiverId);
        if (wantAttributes) attributesOf.set(receiverId, known.attributes);
      }
    } else {
      // Several rows of one request may pay the same new payee: one receiver.
      const key =
        row.match === "contact"
          ? row.phone
            ? `p:${row.phone}`
            : `e:${row.email ?? ""}`
          : row.match === "externalId"
            ? `x:${row.externalId}`
            : `d:${destinationKey(row.destination!)}`;
      const made = newReceiverByKey.get(key);
      if (made) receiverId = made;
      else {
        receiverId = newId();
        newReceiver = true;
        newReceiverByKey.set(key, receiverId);
      }
    }
    placed[i] = { receiverId, walletId: "", newReceiver, newWallet: false, connectionId: null, ruleId: null };
  }
  byPhone.clear();
  byEmail.clear();
  byExternalId.clear();
  byId.clear();
  newReceiverByKey.clear();

  timing.step("receivers placed");

  // ---- wallets, verification values and payments in flight of the receivers found ---------------
  const existingWallet = (i: number) => (placed[i]!.newReceiver ? undefined : walletByReceiver.get(placed[i]!.receiverId));
  const differs = (w: ExistingWallet, dest: Destination) =>
    w.kind !== dest.kind || w.value !== dest.value || (dest.memo !== undefined && (w.memo ?? null) !== (dest.memo ?? null));
  await lookUp(tx, async () => {
    if (existingIds.length === 0) return;
    if (!bank) {
      // Status, value and memo matter only when rows give destinations; the kind always (routing reads it).
      const columns = anyDestination
        ? sql`id, receiver_id, destination_kind::text as kind, status, destination_value as value, destination_memo as memo`
        : sql`id, receiver_id, destination_kind::text as kind`;
      const found = await tx.execute<{ id: string; receiver_id: string; kind: DestinationKind | null; status?: string; value?: string | null; memo?: string | null }>(sql`
        select ${columns} from receiver_wallets where receiver_id = ${anyUuid(existingIds)} and wallet_id = ${d.walletId}`);
      for (const w of found) {
        walletByReceiver.set(w.receiver_id, { id: w.id, status: w.status ?? "", kind: w.kind, value: w.value ?? null, memo: w.memo ?? null, created: false });
      }
      // Receiver wallets whose registered destination a row changes: any payments in flight?
      const readdressed: string[] = [];
      for (let i = 0; i < rows.length; i++) {
        const dest = rows[i]!.destination;
        const w = existingWallet(i);
        if (dest && w && w.value !== null && differs(w, dest)) readdressed.push(w.id);
      }
      if (readdressed.length > 0) {
        const busy = await tx.execute<{ receiver_wallet_id: string }>(sql`
          select distinct receiver_wallet_id from payments
          where receiver_wallet_id = ${anyUuid(readdressed)} and status in ('READY', 'PENDING', 'PAUSED')`);
        for (const b of busy) busyWalletIds.add(b.receiver_wallet_id);
      }
    }
    if (field) {
      const found = await tx.execute<{ receiver_id: string; hashed_value: string; confirmed: boolean }>(sql`
        select receiver_id, hashed_value, confirmed_at is not null as confirmed
        from receiver_verifications
        where receiver_id = ${anyUuid(existingIds)} and verification_field = ${field}::verification_field`);
      for (const v of found) verificationByReceiver.set(v.receiver_id, { hash: v.hashed_value, confirmed: v.confirmed });
    }
  });

  timing.step("wallets and verification values looked up");

  // ---- decisions; every problem before anything is written -------------------------------------
  const problems: IntakeProblem[] = [];
  const verificationUpserts: { receiverId: string; hash: string }[] = [];
  const hashOf = verificationHasher(field);
  if (field) {
    for (let i = 0; i < rows.length; i++) {
      const p = placed[i]!;
      if (p.newReceiver) continue;
      const hash = hashOf(rows[i]!.verification ?? "");
      const current = verificationByReceiver.get(p.receiverId);
      if (current?.hash === hash) continue;
      if (current?.confirmed)
        problems.push({ line: rows[i]!.line, code: "VERIFICATION_MISMATCH", message: "the verification value does not match the one confirmed for this receiver" });
      else verificationUpserts.push({ receiverId: p.receiverId, hash });
    }
    verificationByReceiver.clear();
  }

  const reregistered: { id: string; destination: Destination }[] = [];
  const detailUpdates: { id: string; details: Destination["details"] }[] = [];
  const newBankRows = new Map<string, string>();
  const regionByReceiver = new Map<string, string>();
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i]!;
    const p = placed[i]!;
    const dest = row.destination;
    let kindForRouting: DestinationKind | null = dest?.kind ?? null;
    if (dest) {
      // The same rule on every path: a destination another receiver holds is theirs.
      const holders = holdersByKey.get(destinationKey(dest)) ?? [];
      if (holders.some((h) => h.receiverId !== p.receiverId)) {
        problems.push({ line: row.line, code: "DESTINATION_HELD", message: `${destinationLabel(dest.kind)} ${dest.value} belongs to another receiver` });
        continue;
      }
      if (bank) {
        // Each distinct account is one receiver_wallets row without a wallet provider, registered at once.
        const own = holders.find((h) => h.walletId === null);
        const made = newBankRows.get(destinationKey(dest));
        if (own) {
          p.walletId = own.id;
          if (dest.details !== undefined && JSON.stringify(own.details ?? {}) !== JSON.stringify(dest.details ?? {})) {
            detailUpdates.push({ id: own.id, details: dest.details ?? {} });
            own.details = dest.details ?? {};
          }
        } else if (made) p.walletId = made;
        else {
          p.walletId = newId();
          p.newWallet = true;
          newBankRows.set(destinationKey(dest), p.walletId);
        }
      } else {
        const w = walletByReceiver.get(p.receiverId);
        if (!w) {
          p.walletId = newId();
          p.newWallet = true;
          walletByReceiver.set(p.receiverId, { id: p.walletId, status: "REGISTERED", kind: dest.kind, value: dest.value, memo: dest.memo ?? null, created: true });
        } else if (w.created) {
          p.walletId = w.id;
        } else if (w.value !== null && differs(w, dest) && busyWalletIds.has(w.id)) {
          problems.push({
            line: row.line,
            code: "DESTINATION_BUSY",
            message: `the receiver's wallet is registered with ${w.value} and has payments in flight; it cannot be changed now`,
          });
          continue;
        } else {
          p.walletId = w.id;
          if (w.status !== "REGISTERED" || w.value === null || differs(w, dest)) {
            reregistered.push({ id: w.id, destination: dest });
            Object.assign(w, { kind: dest.kind, value: dest.value, memo: dest.memo === undefined ? w.memo : dest.memo, status: "REGISTERED" });
          }
        }
      }
    } else {
      // The receiver registers (or registered) a destination through the wallet provider: an existing wallet keeps its status.
      const w = walletByReceiver.get(p.receiverId);
      if (w) {
        p.walletId = w.id;
        kindForRouting = w.kind;
      } else {
        p.walletId = newId();
        p.newWallet = true;
        walletByReceiver.set(p.receiverId, { id: p.walletId, status: "DRAFT", kind: null, value: null, memo: null, created: true });
      }
    }
    let attributes = attributesOf.get(p.receiverId) ?? null;
    if (row.region !== null) {
      if (!p.newReceiver) regionByReceiver.set(p.receiverId, row.region);
      if (wantAttributes) {
        attributes = { ...attributes, region: row.region };
        attributesOf.set(p.receiverId, attributes);
      }
    }
    const route = router.route(row.amount, kindForRouting, attributes);
    if (route) {
      p.connectionId = route.connectionId;
      p.ruleId = route.ruleId;
    }
  }
  timing.step("decided");
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => a.line - b.line) };
  walletByReceiver.clear();
  holdersByKey.clear();
  attributesOf.clear();

  // ---- writes ------------------------------------------------------------------------------------
  // A re-upload replaces the instructions: the old payments are still DRAFT in a DRAFT/READY disbursement.
  if (options.replace) await tx.execute(sql`delete from payments where disbursement_id = ${d.id}`);
  await writeChunks(
    renamed,
    (r) => ({ i: r.id, x: r.externalId }),
    (json) =>
      tx.execute(sql`
      update receivers r set external_id = t.x, updated_at = now()
      from json_to_recordset(${json}::json) as t(i uuid, x text)
      where r.id = t.i`),
  );
  // The latest region wins; unchanged ones are not rewritten (the count checks what was sent, not what changed).
  const regions = [...regionByReceiver].map(([i, r]) => ({ i, r }));
  await writeChunks(
    regions,
    (r) => r,
    async (json) => {
      await tx.execute(sql`
        update receivers r set attributes = r.attributes || jsonb_build_object('region', t.r), updated_at = now()
        from json_to_recordset(${json}::json) as t(i uuid, r text)
        where r.id = t.i and r.attributes->>'region' is distinct from t.r`);
      return { count: JSON.parse(json).length as number };
    },
  );
  if (field) {
    // An unconfirmed value is replaced; a confirmed one matched (else we stopped above). Only a NEW
    // value gets here, and it starts over: its attempts and lock (failed_at) are cleared, so a
    // receiver locked out by wrong values can verify against the corrected one (docs/security.md).
    await writeChunks(
      verificationUpserts,
      (r) => ({ r: r.receiverId, h: r.hash }),
      (json) =>
        tx.execute(sql`
        insert into receiver_verifications (receiver_id, org_id, verification_field, hashed_value)
        select t.r, ${orgId}, ${field}::verification_field, t.h from json_to_recordset(${json}::json) as t(r uuid, h text)
        on conflict (receiver_id, verification_field) do update
          set hashed_value = excluded.hashed_value, attempts = 0, failed_at = null, updated_at = now()
          where receiver_verifications.confirmed_at is null`),
    );
  }
  const registered = JSON.stringify([{ user_id: ctx.actor.userId, status: "REGISTERED", timestamp: now } satisfies StatusHistoryEntry]);
  // A FLAGGED wallet keeps its status (and history); any other becomes REGISTERED with the row's destination.
  await writeChunks(
    reregistered,
    (r) => ({ i: r.id, k: r.destination.kind, v: r.destination.value, m: r.destination.memo ?? null, keep: r.destination.memo === undefined }),
    (json) =>
      tx.execute(sql`
      update receiver_wallets w set
        destination_kind = t.k::destination_kind,
        destination_value = t.v,
        destination_memo = case when t.keep then w.destination_memo else t.m end,
        destination_details = null,
        status = case when w.status = 'FLAGGED' then w.status else 'REGISTERED'::receiver_wallet_status end,
        status_history = case when w.status = 'FLAGGED' then w.status_history else w.status_history || ${registered}::jsonb end,
        updated_at = now()
      from json_to_recordset(${json}::json) as t(i uuid, k text, v text, m text, keep boolean)
      where w.id = t.i`),
  );
  // The holder's name or bank code changed: the latest instruction wins.
  await writeChunks(
    detailUpdates,
    (r) => ({ i: r.id, d: r.details }),
    (json) =>
      tx.execute(sql`
      update receiver_wallets w set destination_details = t.d, updated_at = now()
      from json_to_recordset(${json}::json) as t(i uuid, d jsonb)
      where w.id = t.i`),
  );

  // New rows: every row goes once into a staging table by COPY, then one INSERT … SELECT per table
  // writes the new receivers, verification values, receiver wallets and the payments
  // (docs/performance/import.md). The staging table holds only values made or checked here, so
  // the COPY itself cannot fail half-way. Rows go in pieces of STAGE_PIECE_ROWS: while PostgreSQL
  // inserts one piece, this process makes the next one's COPY text (ids, verification hashes).
  // Payment ids are made while staging; kept only for a caller that wants them.
  const paymentIds: string[] = [];
  timing.step("existing rows changed");
  const draft = JSON.stringify([{ user_id: ctx.actor.userId, status: "DRAFT", timestamp: now } satisfies StatusHistoryEntry]);
  const paymentHistory = JSON.stringify([{ status: "DRAFT", status_message: null, timestamp: now }]);
  // The statements carry their few constants as literals, not parameters: postgres.js sends a
  // parameterized statement only after a round trip that describes it, which would wait until the
  // next piece is made instead of running meanwhile.
  const [org, disbursementId, assetId, walletId, fieldName, draftHistory, registeredHistory, history] = [
    orgId,
    d.id,
    d.assetId,
    d.walletId,
    field,
    draft,
    registered,
    paymentHistory,
  ].map(literal);
  const inserts = (counts: { receivers: number; wallets: number; payments: number }) => [
    expectCount(
      "receivers",
      counts.receivers,
      tx.execute(sql`
        insert into receivers (id, org_id, external_id, phone_number, email, attributes)
        select s.receiver_id, ${org}::uuid, s.external_id, s.phone, s.email, case when s.region is null then '{}'::jsonb else jsonb_build_object('region', s.region) end
        from intake_rows s where s.new_receiver`),
    ),
    field
      ? expectCount(
          "receiver_verifications",
          counts.receivers,
          tx.execute(sql`
            insert into receiver_verifications (receiver_id, org_id, verification_field, hashed_value)
            select s.receiver_id, ${org}::uuid, ${fieldName}::verification_field, s.verification_hash from intake_rows s where s.new_receiver`),
        )
      : Promise.resolve(),
    expectCount(
      "receiver_wallets",
      counts.wallets,
      tx.execute(sql`
        insert into receiver_wallets (id, org_id, receiver_id, wallet_id, status, destination_kind, destination_value, destination_memo, destination_details, status_history)
        select s.receiver_wallet_id, ${org}::uuid, s.receiver_id, ${walletId}::uuid,
          case when s.dest_kind is null then 'DRAFT' else 'REGISTERED' end::receiver_wallet_status,
          s.dest_kind::destination_kind, s.dest_value, s.dest_memo, s.dest_details::jsonb,
          case when s.dest_kind is null then ${draftHistory}::jsonb else ${registeredHistory}::jsonb end
        from intake_rows s where s.new_wallet`),
    ),
    // One DRAFT payment per row (inserting DRAFT needs no status move: server/payments/payment-state-writer.ts), routed.
    expectCount(
      "payments",
      counts.payments,
      tx.execute(sql`
        insert into payments (id, org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, status_history,
          external_payment_id, line_number, connection_id, routing_rule_id)
        select s.payment_id, ${org}::uuid, ${disbursementId}::uuid, s.receiver_id, s.receiver_wallet_id, ${assetId}::uuid, s.amount::numeric(19,7), 'DRAFT', ${history}::jsonb,
          s.payment_ref, s.line, s.connection_id, s.rule_id
        from intake_rows s`),
    ),
  ];
  await stageAndInsert(tx, rows, placed, {
    hashOf: field ? hashOf : null,
    bank,
    keepPaymentIds: options.returnPaymentIds ? paymentIds : null,
    pieceRows: options.stagePieceRows ?? STAGE_PIECE_ROWS,
    inserts,
    timing,
  });
  const newReceiverCount = placed.reduce((n, p) => n + (p.newReceiver ? 1 : 0), 0);
  const newWalletCount = placed.reduce((n, p) => n + (p.newWallet ? 1 : 0), 0);
  const unrouted = placed.reduce((n, p) => n + (p.connectionId === null ? 1 : 0), 0);
  await recordAuditEvent(tx, {
    orgId,
    actorUserId: ctx.actor.userId,
    action: options.audit.action,
    targetId: d.id,
    details: { ...options.audit.details, rows: rows.length, new_receivers: newReceiverCount, new_wallets: newWalletCount, unrouted },
  });
  timing.step("audited");
  return { ok: true, paymentIds, newReceivers: newReceiverCount, newWallets: newWalletCount, unrouted };
}

/** Rows per piece of the staging table: PostgreSQL inserts one piece while the next one's COPY text is made. */
export const STAGE_PIECE_ROWS = 25_000;

/**
 * Every row, with the ids and route decided in memory, through a temporary staging table, a piece
 * at a time: COPY the piece, start its INSERT … SELECT statements (`inserts`, in key order:
 * receivers, verification values, wallets, payments), and make the next piece's COPY text while
 * PostgreSQL runs them. A receiver or wallet made for several rows is new on its first row, so its
 * piece is written before any later row's payment refers to it.
 *
 * No `order by line` in the inserts: the staging table is a temporary table emptied and filled by one
 * COPY in line order per piece, and a temporary table's sequential scan returns its rows in the order
 * they were written (no synchronized scans, no parallel workers for temporary tables), so every
 * insert still follows line order (increasing ids, right-edge index inserts) without a sort — the
 * sorts spilled to disk (4 × 7–22 MB per 100,000 rows at the default work_mem).
 */
async function stageAndInsert(
  tx: DbOrTx,
  rows: readonly IntakeRow[],
  placed: readonly Placed[],
  {
    hashOf,
    bank,
    keepPaymentIds,
    pieceRows,
    inserts,
    timing,
  }: {
    hashOf: ((value: string) => string) | null;
    bank: boolean;
    keepPaymentIds: string[] | null;
    pieceRows: number;
    inserts: (counts: { receivers: number; wallets: number; payments: number }) => PromiseLike<unknown>[];
    timing: StepTimer;
  },
) {
  const newPaymentId = uuidSource();
  await tx.execute(sql`drop table if exists pg_temp.intake_rows`);
  await tx.execute(sql`
      create temporary table intake_rows (
        line integer not null, receiver_id uuid not null, receiver_wallet_id uuid not null, payment_id uuid not null,
        new_receiver boolean not null, new_wallet boolean not null, external_id text, phone text, email text, amount text not null,
        payment_ref text, verification_hash text, dest_kind text, dest_value text, dest_memo text, dest_details text, region text,
        connection_id uuid, rule_id uuid
      ) on commit drop`);
  /**
   * One piece's COPY text, in parts of COPY_CHUNK_ROWS rows each encoded at once (a flat buffer, not
   * a string of thousands of concatenated pieces kept alive until sent), and what its inserts must write.
   */
  const piece = (start: number) => {
    const end = Math.min(rows.length, start + pieceRows);
    const parts: Buffer[] = [];
    const counts = { receivers: 0, wallets: 0, payments: end - start };
    for (let from = start; from < end; from += COPY_CHUNK_ROWS) {
      let text = "";
      for (let i = from; i < Math.min(end, from + COPY_CHUNK_ROWS); i++) {
        const r = rows[i]!;
        const p = placed[i]!;
        const nr = p.newReceiver;
        if (nr) counts.receivers++;
        if (p.newWallet) counts.wallets++;
        const dest = p.newWallet ? r.destination : null;
        const hash = hashOf && nr ? hashOf(r.verification ?? "") : null;
        const paymentId = newPaymentId();
        keepPaymentIds?.push(paymentId);
        text += `${r.line}\t${p.receiverId}\t${p.walletId}\t${paymentId}\t${nr ? "t" : "f"}\t${p.newWallet ? "t" : "f"}\t`;
        text += `${copyText(nr ? r.externalId : null)}\t${copyText(nr ? r.phone : null)}\t${copyText(nr ? r.email : null)}\t${copyText(r.amount)}\t${copyText(r.paymentRef)}\t`;
        text += `${copyText(hash)}\t${copyText(dest?.kind)}\t${copyText(dest?.value)}\t${copyText(dest?.memo)}\t`;
        // A bank account's details are an object (bank code, holder's name), possibly empty; a Stellar address has none.
        const details = dest?.details ? JSON.stringify(dest.details) : dest && bank ? "{}" : null;
        text += `${copyText(details)}\t${copyText(nr ? r.region : null)}\t`;
        text += `${p.connectionId ?? "\\N"}\t${p.ruleId ?? "\\N"}\n`;
      }
      parts.push(Buffer.from(text, "utf8"));
    }
    return { parts, counts };
  };
  let next = piece(0);
  timing.step(`piece 1 made`);
  for (let start = 0, n = 1; start < rows.length; start += pieceRows, n++) {
    const current = next;
    if (start > 0) await tx.execute(sql`truncate intake_rows`);
    const copy = await rawSql(tx).unsafe("copy intake_rows from stdin").writable();
    await pipeline(Readable.from(current.parts), copy as Writable);
    timing.step(`piece ${n} copied`);
    const running = Promise.all(inserts(current.counts).map((statement) => Promise.resolve(statement)));
    // Settled here too, so a failure while the next piece is being made is not an unhandled rejection.
    running.catch(() => {});
    if (start + pieceRows < rows.length) {
      // Let postgres.js send the statements (it writes small ones on the next turn of the event loop),
      // then make the next piece while PostgreSQL runs them.
      await nextTurn();
      await nextTurn();
      next = piece(start + pieceRows);
      timing.step(`piece ${n + 1} made (while piece ${n} is inserted)`);
    }
    await running;
    timing.step(`piece ${n} inserted`);
  }
}

/** A constant as an SQL literal (E'' form: right whatever standard_conforming_strings says); null as NULL. */
function literal(value: string | null) {
  return sql.raw(value === null ? "null" : `E'${value.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`);
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Hashes of verification values for one intake. Dates of birth and year/months repeat across
 * receivers (at most a few tens of thousands of distinct values), so each is hashed once; PINs and
 * national ids are mostly distinct and are not remembered.
 */
function verificationHasher(field: VerificationField | null): (value: string) => string {
  if (!field) return () => "";
  if (field !== "DATE_OF_BIRTH" && field !== "YEAR_MONTH") return (value) => hashVerificationValue(field, value);
  const known = new Map<string, string>();
  return (value) => {
    let hash = known.get(value);
    if (hash === undefined) known.set(value, (hash = hashVerificationValue(field, value)));
    return hash;
  };
}

/** An INSERT … SELECT from the staging table wrote exactly the rows decided in memory. */
async function expectCount(table: string, expected: number, statement: PromiseLike<{ count: number }>) {
  const { count } = await statement;
  if (count !== expected) throw new Error(`intake wrote ${count} rows into ${table} for ${expected}`);
}
