import { DISBURSEMENT_STATUSES, PAYMENT_STATUSES, type DisbursementStatus, type PaymentStatus } from "@/server/domain/disbursement-types";
import { DISBURSEMENT_SORTS } from "@/server/schemas/disbursements.schema";
import { SEARCH_MAX } from "@/server/schemas/pagination.schema";

/**
 * URL query string → list input, shared by the server page (prefetch) and the client list
 * (query), so both build the same query key. Unknown values fall back to the defaults.
 */
type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function read(params: Params, key: string): string | undefined {
  if (params instanceof URLSearchParams) return params.get(key) ?? undefined;
  const v = params[key];
  return Array.isArray(v) ? v[0] : v;
}

function pageOf(params: Params): number {
  const n = Number(read(params, "page"));
  return Number.isInteger(n) && n >= 1 ? n : 1;
}

function qOf(params: Params): string | undefined {
  const q = read(params, "q")?.trim().slice(0, SEARCH_MAX);
  return q ? q : undefined;
}

/** The keyset cursor of the page shown (a response's next_cursor/prev_cursor), if any. */
function cursorOf(params: Params): string | undefined {
  const c = read(params, "cursor")?.trim();
  return c && c.length <= 2000 ? c : undefined;
}

export const PAGE_LIMIT = 20;

export type DisbursementSort = (typeof DISBURSEMENT_SORTS)[number];
export type Direction = "asc" | "desc";

export function disbursementListInput(params: Params) {
  const status = read(params, "status");
  const sort = read(params, "sort");
  const direction = read(params, "direction");
  const input: {
    page: number;
    page_limit: number;
    sort: DisbursementSort;
    direction: Direction;
    q?: string;
    status?: DisbursementStatus;
    cursor?: string;
  } = {
    page: pageOf(params),
    page_limit: PAGE_LIMIT,
    sort: (DISBURSEMENT_SORTS as readonly string[]).includes(sort ?? "") ? (sort as DisbursementSort) : "created_at",
    direction: direction === "asc" || direction === "desc" ? direction : sort === "name" ? "asc" : "desc",
  };
  const q = qOf(params);
  if (q) input.q = q;
  if ((DISBURSEMENT_STATUSES as readonly string[]).includes(status ?? "")) input.status = status as DisbursementStatus;
  const cursor = cursorOf(params);
  if (cursor) input.cursor = cursor;
  return input;
}

export function paymentListInput(params: Params, scope: { disbursement_id?: string; receiver_id?: string } = {}) {
  const status = read(params, "status");
  const input: {
    page: number;
    page_limit: number;
    sort: "created_at" | "line_number";
    direction: "desc" | "asc";
    q?: string;
    status?: PaymentStatus;
    disbursement_id?: string;
    receiver_id?: string;
    cursor?: string;
  } = { page: pageOf(params), page_limit: PAGE_LIMIT, sort: "created_at", direction: "desc" };
  const q = qOf(params);
  if (q) input.q = q;
  if ((PAYMENT_STATUSES as readonly string[]).includes(status ?? "")) input.status = status as PaymentStatus;
  if (scope.disbursement_id) {
    input.disbursement_id = scope.disbursement_id;
    // A disbursement's payments read best in file order (keyset on payments_disbursement_status_idx).
    input.sort = "line_number";
    input.direction = "asc";
  }
  if (scope.receiver_id) input.receiver_id = scope.receiver_id;
  const cursor = cursorOf(params);
  if (cursor) input.cursor = cursor;
  return input;
}

export function receiverListInput(params: Params) {
  const input: { page: number; page_limit: number; sort: "created_at"; direction: "desc"; q?: string; cursor?: string } = {
    page: pageOf(params),
    page_limit: PAGE_LIMIT,
    sort: "created_at",
    direction: "desc",
  };
  const q = qOf(params);
  if (q) input.q = q;
  const cursor = cursorOf(params);
  if (cursor) input.cursor = cursor;
  return input;
}
