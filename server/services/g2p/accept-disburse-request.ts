import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, g2pTransactions, walletAssets, wallets, type G2pSender } from "@/db/schema";
import type { PaymentStatusHistoryEntry, RegistrationContactType, StatusHistoryEntry } from "@/server/domain/disbursement-types";
import { contactKind } from "@/server/domain/disbursement-types";
import { G2P_HEADER_REJECTIONS, G2P_ITEM_REASONS } from "@/server/domain/g2p/codes";
import { envelopeAdmissionProblem } from "@/server/domain/g2p/envelope-rules";
import type { Destination } from "@/server/domain/destinations";
import { formatPayeeFa } from "@/server/domain/g2p/financial-address";
import { g2pItemStatus } from "@/server/domain/g2p/item-status";
import { checkDisburseItem, type CheckedItem, type DisburseItem, type DisburseMessage, type ItemProblem } from "@/server/domain/g2p/messages";
import { formatStroops, parseAmount, toStroops } from "@/server/domain/money";
import { uuidArray } from "@/server/payments/payment-state-writer";
import { readDisbursementTotals } from "@/server/payments/payment-totals";
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
    .where(and(eq(assets.orgId, orgId), eq(assets.enabled, true)));
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
    .where(and(eq(assets.orgId, orgId), eq(assets.enabled, true), eq(assets.kind, "FIAT")));
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
 * The first request of a transaction creates its envelope: a disbursement in READY, started by the
 * scheduler once complete and due (autoStart). It declares `disbursement_envelope` when given, else
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
    // One contact type per disbursement: a transaction pays bank accounts, or wallets, never both.
    const bank = kinds.has("bank");
    if (bank && kinds.size > 1) {
      const first = fresh.find((f) => f.checked.payee.kind !== fresh[0]!.checked.payee.kind)!;
      reject([
        {
          referenceId: first.checked.referenceId,
          index: first.index,
          code: G2P_ITEM_REASONS.payeeFaInvalid,
          message: "one transaction pays bank accounts (account:, iban:) or wallets, not both; send the others in another transaction",
        },
      ]);
    }
    const currency = declaration?.disbursement_currency_code?.trim() || fresh.find((f) => f.checked.currencyCode)?.checked.currencyCode || null;
    const asset = bank ? await fiatAssetForCurrency(tx, orgId, sender, currency) : await assetForCurrency(tx, orgId, sender, currency);
    if (!asset) {
      const what = bank
        ? currency === null
          ? "no currency_code was given and the sender's default asset is not a fiat currency, which bank accounts need"
          : `no fiat currency ${currency} is enabled for bank payments`
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
      ? "BANK_ACCOUNT"
      : kinds.has("email")
        ? "EMAIL"
        : kinds.has("phone")
          ? "PHONE_NUMBER"
          : "PHONE_NUMBER_AND_WALLET_ADDRESS";
    const now = new Date().toISOString();
    const history: StatusHistoryEntry[] = [
      { user_id: ctx.actor.userId, status: "DRAFT", timestamp: now },
      { user_id: ctx.actor.userId, status: "READY", timestamp: now },
    ];
    const [d] = await tx
      .insert(disbursements)
      .values({
        orgId,
        name: await envelopeName(tx, orgId, sender, message.transaction_id),
        walletId: bank ? null : sender.walletId,
        assetId: asset.id,
        status: "READY",
        registrationContactType: contactType,
        verificationField: null,
        statusHistory: history,
        declaredCount,
        declaredTotal: formatStroops(declaredTotal),
        scheduledAt,
        autoStart: true,
        createdBy: ctx.actor.userId,
      })
      .returning({ id: disbursements.id });
    [txn] = await tx
      .insert(g2pTransactions)
      .values({ orgId, senderRowId: sender.id, transactionId: message.transaction_id, disbursementId: d!.id, callbackBase })
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

/** Envelope rules, then receivers, receiver wallets, payments and items for the new items. */
async function addItems(tx: DbOrTx, call: G2pCall, envelope: Envelope, g2pTransactionId: string, fresh: NewItem[]) {
  const { ctx, sender } = call;
  const orgId = ctx.org.id;
  const problems: ItemProblem[] = [];

  // Currency and schedule of each item against the envelope.
  const [asset] = await tx.select().from(assets).where(eq(assets.id, envelope.assetId));
  const bankEnvelope = envelope.registrationContactType === "BANK_ACCOUNT";
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
    if (bankEnvelope !== (kind === "bank")) {
      problems.push({
        referenceId: f.checked.referenceId,
        index: f.index,
        code: G2P_ITEM_REASONS.payeeFaInvalid,
        message: bankEnvelope
          ? `this transaction pays bank accounts; a ${kind} payee needs another transaction`
          : "this transaction pays wallets; a bank account payee needs another transaction",
      });
    } else if (kind !== "stellar" && kind !== "bank" && kind !== contactKind(envelope.registrationContactType)) {
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

  // ---- receivers and their wallets with this sender's wallet provider (or bank accounts) ---
  const now = new Date().toISOString();
  const stellar = fresh.filter((f) => f.checked.payee.kind === "stellar").map((f) => (f.checked.payee as { address: string }).address);
  const phones = fresh.filter((f) => f.checked.payee.kind === "phone").map((f) => (f.checked.payee as { phone: string }).phone);
  const emails = fresh.filter((f) => f.checked.payee.kind === "email").map((f) => (f.checked.payee as { email: string }).email);
  const banks = fresh.flatMap((f) => (f.checked.payee.kind === "bank" ? [f.checked.payee.destination] : []));
  const bankKey = (d: Destination): string => `${d.kind}:${d.value}`;

  const holders = stellar.length
    ? await tx.execute<{ receiver_id: string; stellar_address: string }>(sql`
        select distinct on (destination_value) receiver_id, destination_value as stellar_address from receiver_wallets
        where org_id = ${orgId} and destination_kind = 'STELLAR_ADDRESS' and destination_value = any(${sql.param(stellar)}::text[])
        order by destination_value, created_at`)
    : [];
  const receiverByAddress = new Map([...holders].map((h) => [h.stellar_address, h.receiver_id] as const));
  // A bank account already known in the organization (from a CSV or an earlier request): its row and receiver.
  const bankHolders = banks.length
    ? await tx.execute<{ id: string; receiver_id: string; kind: string; value: string }>(sql`
        select distinct on (w.destination_kind, w.destination_value) w.id, w.receiver_id, w.destination_kind::text as kind, w.destination_value as value
        from unnest(${sql.param(banks.map((b) => b.kind))}::destination_kind[], ${sql.param(banks.map((b) => b.value))}::text[]) as q(kind, value)
        join receiver_wallets w on w.org_id = ${orgId} and w.destination_kind = q.kind and w.destination_value = q.value and w.wallet_id is null
        order by w.destination_kind, w.destination_value, w.created_at`)
    : [];
  const receiverByBank = new Map<string, string>([...bankHolders].map((h) => [`${h.kind}:${h.value}`, h.receiver_id] as const));
  const bankRowByKey = new Map<string, string>([...bankHolders].map((h) => [`${h.kind}:${h.value}`, h.id] as const));
  const contacts =
    phones.length || emails.length
      ? await tx.execute<{ id: string; phone_number: string | null; email: string | null }>(sql`
        select id, phone_number, email from receivers
        where org_id = ${orgId} and (phone_number = any(${sql.param(phones)}::text[]) or email = any(${sql.param(emails)}::text[]))`)
      : [];
  const receiverByPhone = new Map([...contacts].filter((c) => c.phone_number).map((c) => [c.phone_number!, c.id] as const));
  const receiverByEmail = new Map([...contacts].filter((c) => c.email).map((c) => [c.email!, c.id] as const));

  const lookupOf = (payee: CheckedItem["payee"]): [Map<string, string>, string] =>
    payee.kind === "stellar"
      ? [receiverByAddress, payee.address]
      : payee.kind === "phone"
        ? [receiverByPhone, payee.phone]
        : payee.kind === "email"
          ? [receiverByEmail, payee.email]
          : [receiverByBank, bankKey(payee.destination)];
  const receiverOf = (payee: CheckedItem["payee"]) => {
    const [map, key] = lookupOf(payee);
    return map.get(key);
  };
  const remember = (payee: CheckedItem["payee"], id: string) => {
    const [map, key] = lookupOf(payee);
    map.set(key, id);
  };

  // The region attribute of each receiver (routing rules match it): the request's last value wins.
  const regionByReceiver = new Map<string, string>();
  // New receivers, with ids made here so all of them are one statement.
  const newReceivers: { id: string; external_id: string; phone_number: string | null; email: string | null; attributes: Record<string, string> }[] = [];
  const newReceiverIds = new Set<string>();
  for (const f of fresh) {
    const payee = f.checked.payee;
    let id = receiverOf(payee);
    if (!id) {
      id = randomUUID();
      remember(payee, id);
      newReceiverIds.add(id);
      newReceivers.push({
        id,
        external_id: formatPayeeFa(payee).slice(0, 64),
        phone_number: payee.kind === "phone" ? payee.phone : null,
        email: payee.kind === "email" ? payee.email : null,
        attributes: {},
      });
    }
    if (f.checked.region !== null) regionByReceiver.set(id, f.checked.region);
  }
  for (const r of newReceivers) {
    const region = regionByReceiver.get(r.id);
    if (region !== undefined) r.attributes = { region };
  }
  // Set-based writes: one statement per table whatever the number of items, the rows travelling as
  // one JSON parameter (no per-row parameters to build, no 65,535-parameter limit; docs/performance.md).
  if (newReceivers.length > 0) {
    await tx.execute(sql`
      insert into receivers (id, org_id, external_id, phone_number, email, attributes)
      select x.id, ${orgId}::uuid, x.external_id, x.phone_number, x.email, x.attributes
      from json_to_recordset(${JSON.stringify(newReceivers)}::json) as x(id uuid, external_id text, phone_number text, email text, attributes jsonb)`);
  }
  const regionUpdates = [...regionByReceiver].filter(([id]) => !newReceiverIds.has(id)).map(([i, r]) => ({ i, r }));
  if (regionUpdates.length > 0) {
    await tx.execute(sql`
      update receivers r set attributes = r.attributes || jsonb_build_object('region', x.r), updated_at = now()
      from json_to_recordset(${JSON.stringify(regionUpdates)}::json) as x(i uuid, r text)
      where r.id = x.i and r.org_id = ${orgId} and r.attributes->>'region' is distinct from x.r`);
  }

  type NewWallet = {
    id: string;
    receiver_id: string;
    wallet_id: string | null;
    status: "REGISTERED" | "DRAFT";
    kind: Destination["kind"] | null;
    value: string | null;
    details: Destination["details"] | null;
    status_history: StatusHistoryEntry[];
  };
  const newWallets: NewWallet[] = [];
  // The receiver wallet each new item's payment points at.
  const walletOfItem = new Map<number, string>();
  if (bankEnvelope) {
    // Each distinct account is one receiver_wallets row without a wallet provider, registered at once.
    for (const f of fresh) {
      if (f.checked.payee.kind !== "bank") continue;
      const d = f.checked.payee.destination;
      let id = bankRowByKey.get(bankKey(d));
      if (!id) {
        id = randomUUID();
        bankRowByKey.set(bankKey(d), id);
        newWallets.push({
          id,
          receiver_id: receiverOf(f.checked.payee)!,
          wallet_id: null,
          status: "REGISTERED",
          kind: d.kind,
          value: d.value,
          details: { ...d.details, holderName: f.checked.payeeName ?? undefined },
          status_history: [{ user_id: ctx.actor.userId, status: "REGISTERED", timestamp: now }],
        });
      }
      walletOfItem.set(f.index, id);
    }
  } else {
    const receiverIds = [...new Set(fresh.map((f) => receiverOf(f.checked.payee)!))];
    const existingWallets = await tx.execute<{ id: string; receiver_id: string; stellar_address: string | null }>(sql`
      select id, receiver_id, stellar_address from receiver_wallets
      where wallet_id = ${sender.walletId} and receiver_id = any(${uuidArray(receiverIds)})`);
    const walletByReceiver = new Map([...existingWallets].map((w) => [w.receiver_id, { id: w.id, address: w.stellar_address }] as const));
    for (const f of fresh) {
      const payee = f.checked.payee;
      const receiverId = receiverOf(payee)!;
      const existing = walletByReceiver.get(receiverId);
      if (existing) {
        if (payee.kind === "stellar" && existing.address !== payee.address) {
          problems.push({
            referenceId: f.checked.referenceId,
            index: f.index,
            code: G2P_ITEM_REASONS.payeeFaInvalid,
            message: "this receiver is registered with another Stellar address for this wallet provider",
          });
        }
        walletOfItem.set(f.index, existing.id);
        continue;
      }
      // Stellar payees are registered at once; phone and e-mail payees register through an invitation.
      const status = payee.kind === "stellar" ? "REGISTERED" : "DRAFT";
      const address = payee.kind === "stellar" ? payee.address : null;
      const id = randomUUID();
      walletByReceiver.set(receiverId, { id, address });
      walletOfItem.set(f.index, id);
      newWallets.push({
        id,
        receiver_id: receiverId,
        wallet_id: sender.walletId,
        status,
        kind: address === null ? null : "STELLAR_ADDRESS",
        value: address,
        details: null,
        status_history: [{ user_id: ctx.actor.userId, status, timestamp: now }],
      });
    }
  }
  if (problems.length > 0) reject(problems);
  if (newWallets.length > 0) {
    await tx.execute(sql`
      insert into receiver_wallets (id, org_id, receiver_id, wallet_id, status, destination_kind, destination_value, destination_details, status_history)
      select x.id, ${orgId}::uuid, x.receiver_id, x.wallet_id, x.status::receiver_wallet_status, x.kind::destination_kind, x.value, x.details, x.status_history
      from json_to_recordset(${JSON.stringify(newWallets)}::json)
        as x(id uuid, receiver_id uuid, wallet_id uuid, status text, kind text, value text, details jsonb, status_history jsonb)`);
  }

  // ---- payments and items: one statement (the items reference the payments it inserts) ---------
  // New payments are DRAFT (inserting DRAFT needs no status move: server/payments/payment-state-writer.ts).
  const draft: PaymentStatusHistoryEntry[] = [{ status: "DRAFT", status_message: null, timestamp: now }];
  // The answer to this call reports every item in this transaction (ACK with its callback stored, or
  // the synchronous body): new items are written as reported with the status it tells (a DRAFT payment
  // of this locked envelope), so the adapter's markReported has nothing to rewrite for them.
  const reportedStatus = g2pItemStatus("DRAFT", envelope.status);
  const rows = fresh.map((f) => {
    const receiverId = receiverOf(f.checked.payee)!;
    return {
      payment_id: randomUUID(),
      receiver_id: receiverId,
      receiver_wallet_id: walletOfItem.get(f.index)!,
      amount: formatStroops(f.checked.amountStroops),
      external_payment_id: f.checked.referenceId.slice(0, 99),
      // Position in the request (1-based), so answers list items in the order they were sent.
      line_number: f.index + 1,
      reference_id: f.checked.referenceId,
      request: f.raw,
    };
  });
  await tx.execute(sql`
    with x as (
      select * from json_to_recordset(${JSON.stringify(rows)}::json) as x(
        payment_id uuid, receiver_id uuid, receiver_wallet_id uuid, amount numeric, external_payment_id text, line_number integer, reference_id text, request jsonb)
    ), p as (
      insert into payments (id, org_id, disbursement_id, receiver_id, receiver_wallet_id, asset_id, amount, status, status_history, external_payment_id, line_number)
      select x.payment_id, ${orgId}::uuid, ${envelope.id}::uuid, x.receiver_id, x.receiver_wallet_id, ${envelope.assetId}::uuid, x.amount,
        'DRAFT'::payment_status, ${JSON.stringify(draft)}::jsonb, x.external_payment_id, x.line_number
      from x order by x.line_number
      returning id
    )
    insert into g2p_items (org_id, sender_row_id, g2p_transaction_id, payment_id, reference_id, request, reported_status, reported_at)
    select ${orgId}::uuid, ${sender.id}::uuid, ${g2pTransactionId}::uuid, x.payment_id, x.reference_id, x.request,
      ${reportedStatus}, ${call.now.toISOString()}::timestamptz
    from x join p on p.id = x.payment_id order by x.line_number`);
  await tx.update(disbursements).set({ updatedAt: new Date() }).where(eq(disbursements.id, envelope.id));
}
