import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { g2pTransactions, type G2pSender } from "@/db/schema";
import { G2P_ITEM_REASONS } from "@/server/domain/g2p/codes";
import type { SearchMessage, TxnStatusMessage } from "@/server/domain/g2p/messages";
import { G2pRejection } from "./g2p-call";
import { wireItem } from "./g2p-answers";
import { loadItemStatuses, type ItemFilter } from "./item-views";

/**
 * The answers of `/disburse/search` and `/disburse/txn/status`, computed from the sender's items
 * (a sender sees only its own items, within the API key's organization).
 */

/** Items per search_response entry when the query asks for no page size. */
export const DEFAULT_SEARCH_PAGE_SIZE = 1000;

type SearchEntry = SearchMessage["search_request"][number];

export type SearchResponseEntry = {
  reference_id: string;
  timestamp: string;
  status: "succ" | "rjct";
  status_reason_code?: string;
  status_reason_message?: string;
  data: { disbursements_status: Record<string, unknown>[] };
  pagination: { page_size: number; page_number: number; total_count: number };
  locale?: string;
};

function searchFilter(query: SearchEntry["search_criteria"]["query"]): ItemFilter {
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
 * One search_response entry per search_request entry. An unknown reference or transaction id is
 * `rjct` with its not_found code; an address nobody was paid at is `succ` with no items.
 */
export async function searchG2pItems(db: DbOrTx, orgId: string, sender: G2pSender, message: SearchMessage, now = new Date()): Promise<SearchResponseEntry[]> {
  const out: SearchResponseEntry[] = [];
  for (const entry of message.search_request) {
    const query = entry.search_criteria.query;
    const rows = await loadItemStatuses(db, orgId, sender.id, searchFilter(query));
    const pageSize = entry.search_criteria.pagination?.page_size ?? DEFAULT_SEARCH_PAGE_SIZE;
    const pageNumber = entry.search_criteria.pagination?.page_number ?? 1;
    const page = rows.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
    const notFound =
      rows.length === 0 && query.type === "reference_id"
        ? { code: G2P_ITEM_REASONS.referenceIdNotFound, message: `No item with reference_id "${query.value}" was received from this sender.` }
        : rows.length === 0 && query.type === "transaction_id"
          ? { code: G2P_ITEM_REASONS.transactionIdNotFound, message: `No transaction "${query.value}" was received from this sender.` }
          : null;
    out.push({
      reference_id: entry.reference_id,
      timestamp: now.toISOString(),
      status: notFound ? "rjct" : "succ",
      ...(notFound ? { status_reason_code: notFound.code, status_reason_message: notFound.message } : {}),
      // Across transactions (address queries) each item names its transaction.
      data: { disbursements_status: page.map((r) => wireItem(r, { withTransactionId: true })) },
      pagination: { page_size: pageSize, page_number: pageNumber, total_count: rows.length },
      ...(entry.locale ? { locale: entry.locale } : {}),
    });
  }
  return out;
}

export type TxnStatusAnswer = {
  /** The disbursement transaction reported (the asked one, or the one the listed items share). */
  transactionId: string;
  status: "succ" | "rjct";
  statusReasonCode?: string;
  statusReasonMessage?: string;
  disbursementsStatus: Record<string, unknown>[];
};

/**
 * A transaction's items, or the listed reference ids' items (unknown ids reported as `rjct` with
 * rjct.reference_id.not_found, in the order asked).
 */
export async function txnStatusOfG2pItems(db: DbOrTx, orgId: string, sender: G2pSender, message: TxnStatusMessage, now = new Date()): Promise<TxnStatusAnswer> {
  const request = message.txnstatus_request;
  if (request.attribute_type === "transaction_id") {
    if (typeof request.attribute_value !== "string") {
      throw new G2pRejection("err.request.bad", "txnstatus_request.attribute_value: must be one transaction id (a string) when attribute_type is transaction_id");
    }
    const transactionId = request.attribute_value;
    const [known] = await db
      .select({ id: g2pTransactions.id })
      .from(g2pTransactions)
      .where(and(eq(g2pTransactions.orgId, orgId), eq(g2pTransactions.senderRowId, sender.id), eq(g2pTransactions.transactionId, transactionId)));
    if (!known) {
      return {
        transactionId,
        status: "rjct",
        statusReasonCode: G2P_ITEM_REASONS.transactionIdNotFound,
        statusReasonMessage: `No transaction "${transactionId}" was received from this sender.`,
        disbursementsStatus: [],
      };
    }
    const rows = await loadItemStatuses(db, orgId, sender.id, { kind: "transaction", transactionId });
    return { transactionId, status: "succ", disbursementsStatus: rows.map((r) => wireItem(r)) };
  }

  const asked = [...new Set(typeof request.attribute_value === "string" ? [request.attribute_value] : request.attribute_value)];
  const rows = await loadItemStatuses(db, orgId, sender.id, { kind: "references", referenceIds: asked });
  const byReference = new Map(rows.map((r) => [r.reference_id, r]));
  const transactions = new Set(rows.map((r) => r.transaction_id));
  const entries = asked.map((referenceId) => {
    const row = byReference.get(referenceId);
    if (row) return wireItem(row, { withTransactionId: transactions.size > 1 });
    return {
      reference_id: referenceId,
      timestamp: now.toISOString(),
      status: "rjct",
      status_reason_code: G2P_ITEM_REASONS.referenceIdNotFound,
      status_reason_message: `No item with reference_id "${referenceId}" was received from this sender.`,
    };
  });
  const only = transactions.size === 1 ? [...transactions][0] : undefined;
  if (rows.length === 0) {
    return {
      transactionId: message.transaction_id,
      status: "rjct",
      statusReasonCode: G2P_ITEM_REASONS.referenceIdNotFound,
      statusReasonMessage: "None of the listed reference ids was received from this sender.",
      disbursementsStatus: entries,
    };
  }
  return { transactionId: only ?? message.transaction_id, status: "succ", disbursementsStatus: entries };
}
