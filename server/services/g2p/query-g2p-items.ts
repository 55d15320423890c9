import { and, desc, eq, inArray } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { g2pMessages, g2pTransactions, type G2pSender } from "@/db/schema";
import { G2P_ITEM_REASONS, SPEC_DISBURSE_REASON_CODES, SPEC_SEARCH_REASON_CODES, specReason } from "@/server/domain/g2p/codes";
import { isSpecSearch, type LegacySearchMessage, type SearchMessage, type TxnStatusMessage } from "@/server/domain/g2p/messages";
import { G2pRejection } from "./g2p-call";
import { wireItem } from "./g2p-answers";
import { loadItemStatuses, type ItemFilter, type ItemStatusRow } from "./item-views";

/**
 * The answers of `/disburse/search` and `/disburse/txn/status`, computed from the sender's items
 * (a sender sees only its own items, within the API key's organization).
 */

/** Records per search criterion (and per page of the extension's search); more is rjct.srch.too_many_records_found. */
export const DEFAULT_SEARCH_PAGE_SIZE = 1000;

/** The endpoints whose accepted messages a txn status lookup finds, per txn_type. */
const DISBURSE_ENDPOINTS = ["/disburse", "/disburse/sync/disburse"];
const SEARCH_ENDPOINTS = ["/disburse/search", "/disburse/sync/search", "/disburse/status"];

/** The txnstatus_response.txn_type answering a txn_type asked (the spec's enum: on-disburse | on-search). */
export const txnTypeAnswered = (asked: "disburse" | "search") => (asked === "search" ? "on-search" : "on-disburse");

/** A found item as a SearchResponse record: the item's fields, its reason code only if SearchStatusReasonCode has it. */
function searchRecord(row: ItemStatusRow): Record<string, unknown> {
  const { status_reason_code: code, status_reason_message: message, ...rest } = wireItem(row, { withTransactionId: true });
  const reason = specReason(code, message, SPEC_SEARCH_REASON_CODES);
  return {
    ...rest,
    ...(reason.status_reason_code ? { status_reason_code: reason.status_reason_code } : {}),
    ...(reason.status_reason_message ? { status_reason_message: reason.status_reason_message.slice(0, 999) } : {}),
  };
}

export type LegacySearchEntry = {
  reference_id: string;
  timestamp: string;
  status: "succ" | "rjct";
  status_reason_code?: string;
  status_reason_message?: string;
  data: { disbursements_status: Record<string, unknown>[] };
  pagination: { page_size: number; page_number: number; total_count: number };
  locale?: string;
};

export type SearchResult = {
  /** SearchResponse.disbursements_status. */
  records: Record<string, unknown>[];
  /** The extension's search_response (old search shape only). */
  legacy?: LegacySearchEntry[];
};

/**
 * The spec's search: every item paid from (payer_fa) or to (payee_fa) the address, as one record
 * each; a criterion matching more than DEFAULT_SEARCH_PAGE_SIZE items answers one rjct record
 * (rjct.srch.too_many_records_found) under the criterion's reference_id instead.
 */
export async function searchG2pItems(db: DbOrTx, orgId: string, sender: G2pSender, message: SearchMessage, now = new Date()): Promise<SearchResult> {
  if (!isSpecSearch(message)) return legacySearch(db, orgId, sender, message, now);
  const records: Record<string, unknown>[] = [];
  for (const criterion of message.search_criteria) {
    const rows = await loadItemStatuses(db, orgId, sender.id, { kind: criterion.attribute_type, value: criterion.attribute_value });
    if (rows.length > DEFAULT_SEARCH_PAGE_SIZE) {
      records.push({
        reference_id: criterion.reference_id,
        timestamp: now.toISOString(),
        status: "rjct",
        status_reason_code: "rjct.srch.too_many_records_found",
        status_reason_message: `${rows.length} items match ${criterion.attribute_type} "${criterion.attribute_value}"; at most ${DEFAULT_SEARCH_PAGE_SIZE} are answered. Look them up by transaction with /disburse/txn/status.`,
      });
      continue;
    }
    for (const row of rows) records.push({ ...searchRecord(row), ...(criterion.locale ? { locale: criterion.locale } : {}) });
  }
  return { records };
}

function legacyFilter(query: LegacySearchMessage["search_request"][number]["search_criteria"]["query"]): ItemFilter {
  switch (query.type) {
    case "reference_id":
      return { kind: "references", referenceIds: [query.value] };
    case "transaction_id":
      return { kind: "transaction", transactionId: query.value };
    case "payee_fa":
      return { kind: "payee_fa", value: query.value };
    case "payer_fa":
      return { kind: "payer_fa", value: query.value };
  }
}

/**
 * Extension (the old registry-search shape): one search_response entry per search_request entry.
 * An unknown reference or transaction id is `rjct` with its not_found code; an address nobody was
 * paid at is `succ` with no items. The found items are also the spec's disbursements_status.
 */
async function legacySearch(db: DbOrTx, orgId: string, sender: G2pSender, message: LegacySearchMessage, now: Date): Promise<SearchResult> {
  const legacy: LegacySearchEntry[] = [];
  const records: Record<string, unknown>[] = [];
  for (const entry of message.search_request) {
    const query = entry.search_criteria.query;
    const rows = await loadItemStatuses(db, orgId, sender.id, legacyFilter(query));
    const pageSize = entry.search_criteria.pagination?.page_size ?? DEFAULT_SEARCH_PAGE_SIZE;
    const pageNumber = entry.search_criteria.pagination?.page_number ?? 1;
    const page = rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    const notFound =
      rows.length === 0 && query.type === "reference_id"
        ? { code: G2P_ITEM_REASONS.referenceIdNotFound, message: `No item with reference_id "${query.value}" was received from this sender.` }
        : rows.length === 0 && query.type === "transaction_id"
          ? { code: G2P_ITEM_REASONS.transactionIdNotFound, message: `No transaction "${query.value}" was received from this sender.` }
          : null;
    legacy.push({
      reference_id: entry.reference_id,
      timestamp: now.toISOString(),
      status: notFound ? "rjct" : "succ",
      ...(notFound ? { status_reason_code: notFound.code, status_reason_message: notFound.message } : {}),
      // Across transactions (address queries) each item names its transaction.
      data: { disbursements_status: page.map((r) => wireItem(r, { withTransactionId: true })) },
      pagination: { page_size: pageSize, page_number: pageNumber, total_count: rows.length },
      ...(entry.locale ? { locale: entry.locale } : {}),
    });
    records.push(...page.map(searchRecord));
  }
  return { records, legacy };
}

export type TxnStatusAnswer = {
  status: "succ" | "rjct";
  statusReasonCode?: string;
  statusReasonMessage?: string;
  /** txnstatus_response.txn_status: a DisburseResponse, or the SearchRequest looked up. */
  txnStatus: Record<string, unknown> & { transaction_id: string };
};

const notFound = (transactionId: string, code: string, message: string): TxnStatusAnswer => ({
  status: "rjct",
  statusReasonCode: code,
  statusReasonMessage: message,
  txnStatus: { transaction_id: transactionId, disbursements_status: [] },
});

/** The latest accepted message of this sender at `endpoints` with this transaction or correlation id. */
async function acceptedMessage(db: DbOrTx, orgId: string, sender: G2pSender, endpoints: string[], by: "transaction_id" | "correlation_id", value: string) {
  const [row] = await db
    .select({ body: g2pMessages.body, transactionId: g2pMessages.transactionId })
    .from(g2pMessages)
    .where(
      and(
        eq(g2pMessages.orgId, orgId),
        eq(g2pMessages.senderRowId, sender.id),
        eq(g2pMessages.direction, "inbound"),
        eq(g2pMessages.status, "ACK"),
        inArray(g2pMessages.endpoint, endpoints),
        by === "transaction_id" ? eq(g2pMessages.transactionId, value) : eq(g2pMessages.correlationId, value),
      ),
    )
    .orderBy(desc(g2pMessages.createdAt))
    .limit(1);
  return row;
}

/**
 * A txn status lookup. `txn_type disburse`: a transaction's items, the listed reference ids'
 * items (unknown ids reported as `rjct`, in the order asked), or the items of the disburse request
 * our acknowledgement gave `correlation_id`. `txn_type search`: the search request (SearchRequest)
 * with that transaction or correlation id; its results went out in its on-search answer.
 */
export async function txnStatusOfG2pItems(db: DbOrTx, orgId: string, sender: G2pSender, message: TxnStatusMessage, now = new Date()): Promise<TxnStatusAnswer> {
  const request = message.txnstatus_request;
  const single = () => {
    if (typeof request.attribute_value !== "string") {
      throw new G2pRejection("err.request.bad", `txnstatus_request.attribute_value: must be one id (a string) when attribute_type is ${request.attribute_type}`);
    }
    return request.attribute_value;
  };

  if (request.txn_type === "search") {
    if (request.attribute_type === "reference_id_list") {
      return notFound(message.transaction_id, "rjct.attribute_type.invalid", "A search is looked up by its transaction_id or the correlation_id of its acknowledgement.");
    }
    const value = single();
    const found = await acceptedMessage(db, orgId, sender, SEARCH_ENDPOINTS, request.attribute_type, value);
    const asked = (found?.body as { message?: unknown } | undefined)?.message;
    if (!found || typeof asked !== "object" || asked === null) {
      return notFound(value, G2P_ITEM_REASONS.transactionIdNotFound, `No search with ${request.attribute_type} "${value}" was received from this sender.`);
    }
    return { status: "succ", txnStatus: { ...(asked as Record<string, unknown>), transaction_id: found.transactionId ?? value } };
  }

  if (request.attribute_type === "transaction_id") {
    const transactionId = single();
    const [known] = await db
      .select({ id: g2pTransactions.id })
      .from(g2pTransactions)
      .where(and(eq(g2pTransactions.orgId, orgId), eq(g2pTransactions.senderRowId, sender.id), eq(g2pTransactions.transactionId, transactionId)));
    if (!known) return notFound(transactionId, G2P_ITEM_REASONS.transactionIdNotFound, `No transaction "${transactionId}" was received from this sender.`);
    const rows = await loadItemStatuses(db, orgId, sender.id, { kind: "transaction", transactionId });
    return { status: "succ", txnStatus: { transaction_id: transactionId, disbursements_status: rows.map((r) => wireItem(r)) } };
  }

  if (request.attribute_type === "correlation_id") {
    const correlationId = single();
    const found = await acceptedMessage(db, orgId, sender, DISBURSE_ENDPOINTS, "correlation_id", correlationId);
    if (!found) {
      return notFound(
        message.transaction_id,
        "rjct.correlation_id.not_found",
        `No disburse request acknowledged with correlation_id "${correlationId}" was received from this sender.`,
      );
    }
    const items = (found.body as { message?: { disbursements?: { reference_id?: unknown }[] } }).message?.disbursements ?? [];
    const references = [
      ...new Set(
        items
          .map((i) => i.reference_id)
          .filter((r): r is string => typeof r === "string")
          .map((r) => r.trim()),
      ),
    ];
    const rows = await loadItemStatuses(db, orgId, sender.id, { kind: "references", referenceIds: references });
    return { status: "succ", txnStatus: { transaction_id: found.transactionId ?? message.transaction_id, disbursements_status: rows.map((r) => wireItem(r)) } };
  }

  const asked = [...new Set(typeof request.attribute_value === "string" ? [request.attribute_value] : request.attribute_value)];
  const rows = await loadItemStatuses(db, orgId, sender.id, { kind: "references", referenceIds: asked });
  const byReference = new Map(rows.map((r) => [r.reference_id, r]));
  const transactions = new Set(rows.map((r) => r.transaction_id));
  const entries = asked.map((referenceId) => {
    const row = byReference.get(referenceId);
    if (row) return wireItem(row, { withTransactionId: transactions.size > 1 });
    const reason = specReason(
      G2P_ITEM_REASONS.referenceIdNotFound,
      `No item with reference_id "${referenceId}" was received from this sender.`,
      SPEC_DISBURSE_REASON_CODES,
    );
    return { reference_id: referenceId, timestamp: now.toISOString(), status: "rjct", ...reason };
  });
  const only = transactions.size === 1 ? [...transactions][0] : undefined;
  if (rows.length === 0) {
    return {
      status: "rjct",
      statusReasonCode: G2P_ITEM_REASONS.referenceIdNotFound,
      statusReasonMessage: "None of the listed reference ids was received from this sender.",
      txnStatus: { transaction_id: message.transaction_id, disbursements_status: entries },
    };
  }
  return { status: "succ", txnStatus: { transaction_id: only ?? message.transaction_id, disbursements_status: entries } };
}
