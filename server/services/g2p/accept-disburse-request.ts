import { and, eq, isNull, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, g2pTransactions, walletAssets, wallets, type G2pSender } from "@/db/schema";
import type { RegistrationContactType } from "@/server/domain/disbursement-types";
import { contactKind, isDirectPayeeType } from "@/server/domain/disbursement-types";
import { G2P_HEADER_REJECTIONS, G2P_ITEM_REASONS } from "@/server/domain/g2p/codes";
import { envelopeAdmissionProblem } from "@/server/domain/g2p/envelope-rules";
import { formatPayeeFa } from "@/server/domain/g2p/financial-address";
import { g2pItemStatus } from "@/server/domain/g2p/item-status";
import { checkDisburseItem, type CheckedItem, type DisburseItem, type DisburseMessage, type ItemProblem } from "@/server/domain/g2p/messages";
import { formatStroops, parseAmount, toStroops } from "@/server/domain/money";
import { readDisbursementTotals } from "@/server/payments/payment-totals";
import { insertDisbursement } from "../disbursements/create-disbursement";
import { addPaymentsToDisbursement } from "../intake/add-payments-to-disbursement";
import type { IntakeRow } from "../intake/intake-row";
import { G2pRejection, type G2pCall } from "./g2p-call";
import { loadItemStatuses, type ItemStatusRow } from "./item-views";

type Asset = typeof assets.$inferSelect;

type NewItem = { raw: DisburseItem; checked: CheckedItem; /** Position in the request. */ index: number };

/** Several item problems as one readable line (the rejection's message); each item also keeps its own code. */
function summarize(problems: ItemProblem[]): string {
  const shown = problems.slice(0, 20).map((p) => `disbursements[${p.index}] (reference_id ${p.referenceId || "?"}): ${p.code}: ${p.message}`);
  const more = problems.length > shown.length ? `; and ${problems.length - shown.length} more` : "";
  return shown.join("; ") + more;
}

function reject(problems: ItemProblem[]): never {
  throw new G2pRejection(problems[0]!.code, summarize(problems), problems);
}

/** The values that make two items with the same reference_id the same request (idempotency). */
function sameRequest(a: Record<string, unknown>, b: DisburseItem): boolean {
  const keys = ["payee_fa", "amount", "currency_code", "scheduled_timestamp", "payer_fa"] as const;
  return keys.every((k) => (a[k] ?? null) === (b[k] ?? null));
}

/**
 * Currency to asset: an enabled asset of the organization whose code is the currency code, or the
 * code followed by "C" (USD → USDC, EUR → EURC: the stablecoins' naming), supported by the
 * sender's wallet. Without a currency code the sender's default asset is paid.
 */
async function assetForCurrency(tx: DbOrTx, orgId: string, sender: G2pSender, currency: string | null): Promise<Asset | null> {
  const supported = await tx
    .select({ asset: assets })
    .from(assets)
    .innerJoin(walletAssets, and(eq(walletAssets.assetId, assets.id), eq(walletAssets.walletId, sender.walletId)))
    .where(and(eq(assets.orgId, orgId), eq(assets.enabled, true), isNull(assets.deletedAt)));
  if (currency === null) return supported.find((r) => r.asset.id === sender.defaultAssetId)?.asset ?? null;
  const exact = supported.find((r) => r.asset.code === currency);
  return (exact ?? supported.find((r) => r.asset.code === `${currency}C`))?.asset ?? null;
}

/**
 * Currency to a fiat asset for a transaction paying bank accounts (docs/rails.md "Destinations"): an
 * enabled FIAT asset of the organization with that ISO 4217 code (no wallet provider is involved);
 * without a currency code, the sender's default asset when it is a FIAT one.
 */
async function fiatAssetForCurrency(tx: DbOrTx, orgId: string, sender: G2pSender, currency: string | null): Promise<Asset | null> {
  const fiat = await tx
    .select()
    .from(assets)
    .where(and(eq(assets.orgId, orgId), eq(assets.enabled, true), isNull(assets.deletedAt), eq(assets.kind, "FIAT")));
  if (currency === null) return fiat.find((a) => a.id === sender.defaultAssetId) ?? null;
  return fiat.find((a) => a.code === currency) ?? null;
}

/** A readable, unique disbursement name for a transaction's envelope. */
async function envelopeName(tx: DbOrTx, orgId: string, sender: G2pSender, transactionId: string): Promise<string> {
  const base = `G2P ${sender.senderId} ${transactionId}`.slice(0, 120);
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base} (${n})`;
    const taken = await tx.query.disbursements.findFirst({ where: and(eq(disbursements.orgId, orgId), eq(disbursements.name, name)), columns: { id: true } });
    if (!taken) return name;
  }
}

/**
 * `/disburse`: turn the request's items into payments of the transaction's envelope
 * (docs/g2p-connect.md#disburse; G2P Bridge envelope rules: docs/domain.md#g2p-connect-and-g2p-bridge).
 * Runs in the caller's transaction; throws G2pRejection (and writes nothing) when any item or the
 * envelope refuses. Idempotent on (sender, transaction_id) and on reference_id: items already received
 * with the same values change nothing.
 *
 * The first request of a transaction creates its envelope through the creation rules of every
 * disbursement (insertDisbursement: the API key's permission, wallet and asset, unique name): a
 * disbursement in READY, started by the scheduler once complete and due (autoStart). It declares `disbursement_envelope` when given, else
 * exactly this request's items and the latest of their scheduled_timestamps.
 */
export async function acceptDisburseRequest(tx: DbOrTx, call: G2pCall, message: DisburseMessage): Promise<{ disbursementId: string; items: ItemStatusRow[] }> {
  const { ctx, sender } = call;
  const orgId = ctx.org.id;

  // ---- each item on its own ----------------------------------------------------------------
  const problems: ItemProblem[] = [];
  const checked: NewItem[] = [];
  const seen = new Set<string>();
  message.disbursements.forEach((raw, index) => {
    const result = checkDisburseItem(raw, index);
    if (!result.ok) return void problems.push(result.problem);
    if (seen.has(result.item.referenceId)) {
      problems.push({
        referenceId: result.item.referenceId,
        index,
        code: G2P_ITEM_REASONS.referenceIdDuplicate,
        message: "reference_id appears more than once in this request",
      });
      return;
    }
    seen.add(result.item.referenceId);
    checked.push({ raw, checked: result.item, index });
  });
  if (problems.length > 0) reject(problems);

  // One writer per organization at a time, shared with instruction imports: receivers and wallet
  // addresses are matched and created below, and the envelope's counts are read then extended.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`disbursement-import:${orgId}`}, 0))`);

  // ---- reference ids already received from this sender -------------------------------------
  const referenceIds = checked.map((c) => c.checked.referenceId);
  const known = await tx.execute<{ reference_id: string; request: Record<string, unknown>; transaction_id: string }>(sql`
    select i.reference_id, i.request, t.transaction_id
    from g2p_items i join g2p_transactions t on t.id = i.g2p_transaction_id
    where i.sender_row_id = ${sender.id} and i.reference_id = any(${sql.param(referenceIds)}::text[])`);
  const knownByRef = new Map([...known].map((k) => [k.reference_id, k] as const));
  const fresh: NewItem[] = [];
  for (const c of checked) {
    const { index } = c;
    const prior = knownByRef.get(c.checked.referenceId);
    if (!prior) {
      fresh.push(c);
      continue;
    }
    if (prior.transaction_id !== message.transaction_id) {
      problems.push({
        referenceId: c.checked.referenceId,
        index,
        code: G2P_ITEM_REASONS.referenceIdDuplicate,
        message: `reference_id was already used in transaction ${prior.transaction_id}`,
      });
    } else if (!sameRequest(prior.request, c.raw)) {
      problems.push({
        referenceId: c.checked.referenceId,
        index,
        code: G2P_ITEM_REASONS.referenceIdDuplicate,
        message: "reference_id was already received in this transaction with different values",
      });
    }
  }
  if (problems.length > 0) reject(problems);

  // ---- the transaction's envelope ----------------------------------------------------------
  const callbackBase = call.header.sender_uri ?? sender.callbackUrl;
  let [txn] = await tx
    .select()
    .from(g2pTransactions)
    .where(and(eq(g2pTransactions.senderRowId, sender.id), eq(g2pTransactions.transactionId, message.transaction_id)));
  const declaration = message.disbursement_envelope;
  const createdNow = !txn;

  if (!txn) {
    if (fresh.length === 0) throw new G2pRejection(G2P_HEADER_REJECTIONS.transactionIdInvalid, "The request holds no new items.");
    const kinds = new Set(fresh.map((f) => f.checked.payee.kind));
    // One contact type per disbursement: a transaction pays bank accounts, Mojaloop phone payees or wallets, one kind only.
    const bank = kinds.has("bank") || kinds.has("msisdn");
    const directWhat = kinds.has("msisdn") ? "Mojaloop phone payees" : "bank accounts";
    if (bank && kinds.size > 1) {
      const first = fresh.find((f) => f.checked.payee.kind !== fresh[0]!.checked.payee.kind)!;
      reject([
        {
          referenceId: first.checked.referenceId,
          index: first.index,
          code: G2P_ITEM_REASONS.payeeFaInvalid,
          message:
            "one transaction pays bank accounts (account:, iban:), phone numbers through a Mojaloop switch (msisdn:…@mojaloop) or wallets, one kind only; send the others in another transaction",
        },
      ]);
    }
    const currency = declaration?.disbursement_currency_code?.trim() || fresh.find((f) => f.checked.currencyCode)?.checked.currencyCode || null;
    const asset = bank ? await fiatAssetForCurrency(tx, orgId, sender, currency) : await assetForCurrency(tx, orgId, sender, currency);
    if (!asset) {
      const what = bank
        ? currency === null
          ? `no currency_code was given and the sender's default asset is not a fiat currency, which ${directWhat} need`
          : `no fiat currency ${currency} is enabled for ${kinds.has("msisdn") ? "Mojaloop" : "bank"} payments`
        : currency === null
          ? "no currency_code was given and the sender has no default asset"
          : `no asset for currency ${currency} is enabled for the sender's wallet`;
      const offending = fresh.find((f) => f.checked.currencyCode === currency) ?? fresh[0]!;
      reject([{ referenceId: offending.checked.referenceId, index: offending.index, code: G2P_ITEM_REASONS.currencyCodeInvalid, message: what }]);
    }
    const [wallet] = await tx
      .select()
      .from(wallets)
      .where(and(eq(wallets.id, sender.walletId), eq(wallets.orgId, orgId)));
    // Bank accounts are paid without a wallet provider.
    if (!bank && !wallet?.enabled)
      throw new G2pRejection(G2P_HEADER_REJECTIONS.envelopeClosed, "The sender's wallet provider is disabled; the organization must enable it.");

    let declaredCount = fresh.length;
    let declaredTotal = fresh.reduce((s, f) => s + f.checked.amountStroops, 0n);
    let scheduledAt: Date | null = fresh.reduce<Date | null>(
      (max, f) => (f.checked.scheduledAt && (!max || f.checked.scheduledAt > max) ? f.checked.scheduledAt : max),
      null,
    );
    if (declaration) {
      const total = parseAmount(declaration.total_disbursement_amount);
      if (!total.ok || !/^\d{1,13}(\.\d{1,7})?$/.test(declaration.total_disbursement_amount)) {
        throw new G2pRejection(
          G2P_ITEM_REASONS.amountInvalid,
          `disbursement_envelope.total_disbursement_amount "${declaration.total_disbursement_amount}" must be a positive decimal with at most 7 decimals`,
        );
      }
      declaredCount = declaration.number_of_disbursements;
      declaredTotal = total.stroops;
      if (declaration.disbursement_schedule_date) scheduledAt = new Date(declaration.disbursement_schedule_date);
    }
    if (kinds.has("phone") && kinds.has("email")) {
      const first = fresh.find((f) => f.checked.payee.kind === "email")!;
      reject([
        {
          referenceId: first.checked.referenceId,
          index: first.index,
          code: G2P_ITEM_REASONS.payeeFaInvalid,
          message: "one transaction reaches its unregistered payees by phone or by e-mail, not both; send e-mail payees in another transaction",
        },
      ]);
    }
    const contactType: RegistrationContactType = bank
      ? kinds.has("msisdn")
        ? "DIRECT_PHONE"
        : "BANK_ACCOUNT"
      : kinds.has("email")
        ? "EMAIL"
        : kinds.has("phone")
          ? "PHONE_NUMBER"
          : "PHONE_NUMBER_AND_WALLET_ADDRESS";
    // The creation rules of every disbursement (permission, wallet and asset, unique name): the envelope is made READY, starting itself.
    const d = await insertDisbursement(tx, ctx, {
      name: await envelopeName(tx, orgId, sender, message.transaction_id),
      walletId: bank ? null : sender.walletId,
      assetId: asset.id,
      registrationContactType: contactType,
      verificationField: null,
      declaredCount,
      declaredTotal: formatStroops(declaredTotal),
      scheduledAt,
      ready: true,
      autoStart: true,
    });
    [txn] = await tx
      .insert(g2pTransactions)
      .values({ orgId, senderRowId: sender.id, transactionId: message.transaction_id, disbursementId: d.id, callbackBase })
      .returning();
  } else if (call.header.sender_uri && txn.callbackBase !== callbackBase) {
    await tx.update(g2pTransactions).set({ callbackBase }).where(eq(g2pTransactions.id, txn.id));
  }
  const transaction = txn!;

  const [envelope] = await tx.select().from(disbursements).where(eq(disbursements.id, transaction.disbursementId)).for("update");
  if (!envelope) throw new Error("g2p transaction without its disbursement");

  if (fresh.length > 0) {
    if (declaration && !createdNow) {
      const total = parseAmount(declaration.total_disbursement_amount);
      const sameDeclaration =
        envelope.declaredCount === declaration.number_of_disbursements &&
        envelope.declaredTotal !== null &&
        total.ok &&
        toStroops(envelope.declaredTotal) === total.stroops;
      if (!sameDeclaration) {
        throw new G2pRejection(
          G2P_HEADER_REJECTIONS.transactionIdInvalid,
          "disbursement_envelope may only be declared by the first request of a transaction; it cannot be changed.",
        );
      }
    }
    await addItems(tx, call, envelope, transaction.id, fresh);
  }

  const items = await loadItemStatuses(tx, orgId, sender.id, { kind: "references", referenceIds });
  return { disbursementId: envelope.id, items };
}

type Envelope = typeof disbursements.$inferSelect;

/**
 * Envelope rules (currency, schedule, precision, payee kinds), then the intake verb for receivers,
 * receiver wallets and routed payments (docs/rails/intake.md; its per-row problems become
 * `rjct.payee_fa.invalid` items), then the items pointing at their payments.
 */
async function addItems(tx: DbOrTx, call: G2pCall, envelope: Envelope, g2pTransactionId: string, fresh: NewItem[]) {
  const { ctx, sender } = call;
  const orgId = ctx.org.id;
  const problems: ItemProblem[] = [];

  // Currency and schedule of each item against the envelope.
  const [asset] = await tx.select().from(assets).where(eq(assets.id, envelope.assetId));
  const bankEnvelope = isDirectPayeeType(envelope.registrationContactType);
  // The one payee kind a walletless envelope takes: bank accounts, or phones through a Mojaloop switch.
  const envelopeKind = envelope.registrationContactType === "BANK_ACCOUNT" ? "bank" : envelope.registrationContactType === "DIRECT_PHONE" ? "msisdn" : null;
  const assetsByCurrency = new Map<string, string | null>();
  for (const f of fresh) {
    const currency = f.checked.currencyCode;
    if (currency !== null) {
      if (!assetsByCurrency.has(currency)) {
        const found = bankEnvelope ? await fiatAssetForCurrency(tx, orgId, sender, currency) : await assetForCurrency(tx, orgId, sender, currency);
        assetsByCurrency.set(currency, found?.id ?? null);
      }
      const assetId = assetsByCurrency.get(currency);
      if (assetId !== envelope.assetId) {
        problems.push({
          referenceId: f.checked.referenceId,
          index: f.index,
          code: G2P_ITEM_REASONS.currencyCodeInvalid,
          message: assetId
            ? `currency ${currency} differs from this transaction's ${asset?.code ?? "asset"}`
            : `no asset for currency ${currency} is enabled for the sender's wallet`,
        });
        continue;
      }
    }
    if (f.checked.scheduledAt && (!envelope.scheduledAt || f.checked.scheduledAt > envelope.scheduledAt) && f.checked.scheduledAt.getTime() > Date.now()) {
      problems.push({
        referenceId: f.checked.referenceId,
        index: f.index,
        code: G2P_ITEM_REASONS.scheduleTsInvalid,
        message: envelope.scheduledAt
          ? `scheduled_timestamp is after the envelope's schedule date ${envelope.scheduledAt.toISOString()}`
          : "scheduled_timestamp is in the future but this transaction's envelope is paid as soon as it is complete",
      });
      continue;
    }
    // A currency with fewer decimals than Stellar's 7 (a fiat currency: 2) refuses finer amounts.
    if (asset && asset.decimals < 7) {
      const precise = parseAmount(f.raw.amount, asset.decimals);
      if (!precise.ok) {
        problems.push({
          referenceId: f.checked.referenceId,
          index: f.index,
          code: G2P_ITEM_REASONS.amountInvalid,
          message: `amount "${f.raw.amount}": ${precise.message} for ${asset.code}`,
        });
        continue;
      }
    }
    const kind = f.checked.payee.kind;
    const direct = kind === "bank" || kind === "msisdn";
    if (envelopeKind ? kind !== envelopeKind : direct) {
      problems.push({
        referenceId: f.checked.referenceId,
        index: f.index,
        code: G2P_ITEM_REASONS.payeeFaInvalid,
        message:
          envelopeKind === "bank"
            ? `this transaction pays bank accounts; a ${kind} payee needs another transaction`
            : envelopeKind === "msisdn"
              ? `this transaction pays phone numbers through a Mojaloop switch; a ${kind} payee needs another transaction`
              : `this transaction pays wallets; a ${kind === "bank" ? "bank account" : "Mojaloop phone"} payee needs another transaction`,
      });
    } else if (kind !== "stellar" && !direct && kind !== contactKind(envelope.registrationContactType)) {
      problems.push({
        referenceId: f.checked.referenceId,
        index: f.index,
        code: G2P_ITEM_REASONS.payeeFaInvalid,
        message: `this transaction reaches unregistered payees by ${contactKind(envelope.registrationContactType)}; a ${kind} payee needs another transaction`,
      });
    }
  }
  if (problems.length > 0) reject(problems);

  // Declared count and total (G2P Bridge): received so far, cancelled payments included.
  // Every status counts (cancelled too); read from the maintained totals (db/schema/payment-totals.ts), not the rows.
  const totals = Object.values((await readDisbursementTotals(tx, orgId, [envelope.id])).get(envelope.id)!);
  const received = { count: totals.reduce((n, t) => n + t.count, 0), totalStroops: totals.reduce((n, t) => n + toStroops(t.amount), 0n) };
  const addStroops = fresh.reduce((s, f) => s + f.checked.amountStroops, 0n);
  const admission = envelopeAdmissionProblem(
    {
      status: envelope.status,
      declaredCount: envelope.declaredCount,
      declaredTotalStroops: envelope.declaredTotal === null ? null : toStroops(envelope.declaredTotal),
      scheduledAt: envelope.scheduledAt,
      receivedCount: received.count,
      receivedTotalStroops: received.totalStroops,
    },
    fresh.length,
    addStroops,
  );
  if (admission) {
    const code =
      admission.field === "count"
        ? G2P_HEADER_REJECTIONS.totalCountInvalid
        : admission.field === "total"
          ? G2P_ITEM_REASONS.amountInvalid
          : G2P_HEADER_REJECTIONS.envelopeClosed;
    throw new G2pRejection(code, admission.message);
  }

  // ---- receivers, receiver wallets and payments: the intake verb (docs/rails/intake.md) ------
  const rows: IntakeRow[] = fresh.map((f) => {
    const payee = f.checked.payee;
    return {
      // Position in the request (1-based), so answers list items in the order they were sent.
      line: f.index + 1,
      // A Mojaloop phone payee is found by its phone, like a CSV DIRECT_PHONE row; its phone is also its destination.
      match: payee.kind === "phone" || payee.kind === "email" || payee.kind === "msisdn" ? "contact" : "destination",
      externalId: formatPayeeFa(payee).slice(0, 64),
      phone: payee.kind === "phone" ? payee.phone : payee.kind === "msisdn" ? payee.destination.value : null,
      email: payee.kind === "email" ? payee.email : null,
      verification: null,
      // A Stellar payee names no memo: a memo the receiver registered is kept (memo undefined).
      destination:
        payee.kind === "stellar"
          ? { kind: "STELLAR_ADDRESS", value: payee.address }
          : payee.kind === "bank"
            ? { ...payee.destination, details: { ...payee.destination.details, holderName: f.checked.payeeName ?? undefined } }
            : payee.kind === "msisdn"
              ? payee.destination
              : null,
      amount: formatStroops(f.checked.amountStroops),
      paymentRef: f.checked.referenceId.slice(0, 99),
      region: f.checked.region,
    };
  });
  const added = await addPaymentsToDisbursement(tx, ctx, envelope, rows, {
    replace: false,
    renameMatched: false,
    returnPaymentIds: true,
    audit: { action: "disbursement.g2p_items_received", details: { sender_id: sender.senderId, g2p_transaction_id: g2pTransactionId } },
  });
  if (!added.ok) {
    const byLine = new Map(fresh.map((f) => [f.index + 1, f] as const));
    reject(
      added.problems.map((p) => {
        const f = byLine.get(p.line)!;
        return { referenceId: f.checked.referenceId, index: f.index, code: G2P_ITEM_REASONS.payeeFaInvalid, message: p.message };
      }),
    );
  }

  // ---- the items, pointing at their payments (one statement) ---------------------------------
  // The answer to this call reports every item in this transaction (ACK with its callback stored, or
  // the synchronous body): new items are written as reported with the status it tells (a DRAFT payment
  // of this locked envelope), so the adapter's markReported has nothing to rewrite for them.
  const reportedStatus = g2pItemStatus("DRAFT", envelope.status);
  const items = fresh.map((f, i) => ({ payment_id: added.paymentIds[i], reference_id: f.checked.referenceId, request: f.raw, line: f.index + 1 }));
  await tx.execute(sql`
    insert into g2p_items (org_id, sender_row_id, g2p_transaction_id, payment_id, reference_id, request, reported_status, reported_at)
    select ${orgId}::uuid, ${sender.id}::uuid, ${g2pTransactionId}::uuid, x.payment_id, x.reference_id, x.request,
      ${reportedStatus}, ${call.now.toISOString()}::timestamptz
    from json_to_recordset(${JSON.stringify(items)}::json) as x(payment_id uuid, reference_id text, request jsonb, line integer)
    order by x.line`);
  await tx.update(disbursements).set({ updatedAt: new Date() }).where(eq(disbursements.id, envelope.id));
}
