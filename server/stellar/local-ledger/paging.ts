/**
 * Horizon's paging over the local ledger's in-memory history: `cursor`, `order`, `limit` and the
 * `_links` self / next / prev of a page (next: the last record's paging token; prev: the inverse order
 * from the first record's token), as Horizon's hal.Page builds them.
 *
 * Collections are arrays kept sorted ascending by a bigint key (the paging token as a number: a TOID,
 * or `operation id × EFFECT_SPAN + effect order` for effects), so a page is a binary search plus a
 * walk of at most `limit` kept records (and the skipped ones, e.g. operations of failed transactions).
 */

export interface Paging {
  order: "asc" | "desc";
  limit: number;
  /** The raw cursor ("now" resolved by the caller), or null. */
  cursor: string | null;
}

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 200;
/** Effects of one operation are numbered 1..n; this spreads them under the operation id. */
export const EFFECT_SPAN = 10_000n;

/** toid.AfterLedger: the greatest id inside ledger `seq` (Horizon's `cursor=now`). */
export const afterLedger = (seq: number): bigint => (BigInt(seq) << 32n) | (((1n << 20n) - 1n) << 12n) | ((1n << 12n) - 1n);

export class PagingError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Paging parameters of a request. `cursor=now` becomes the end of the latest ledger; the `Last-Event-ID`
 * header of a reconnecting EventSource wins over the cursor (as in Horizon).
 */
export function pagingParams(url: URL, latestLedger: number, lastEventId?: string | null): Paging {
  const rawOrder = url.searchParams.get("order");
  if (rawOrder !== null && rawOrder !== "" && rawOrder !== "asc" && rawOrder !== "desc") throw new PagingError("order", "order must be asc or desc");
  const rawLimit = url.searchParams.get("limit");
  let limit = DEFAULT_LIMIT;
  if (rawLimit !== null && rawLimit !== "") {
    const n = Number(rawLimit);
    if (!Number.isInteger(n) || n < 1 || n > MAX_LIMIT) throw new PagingError("limit", `limit must be an integer from 1 to ${MAX_LIMIT}`);
    limit = n;
  }
  let cursor = url.searchParams.get("cursor");
  if (cursor === "now") cursor = afterLedger(latestLedger).toString();
  if (lastEventId) cursor = lastEventId;
  if (cursor === "") cursor = null;
  return { order: rawOrder === "desc" ? "desc" : "asc", limit, cursor };
}

/** A numeric cursor ("123" or an effect's "opid-n"); throws PagingError for anything else. */
export function numericCursor(cursor: string, effects = false): bigint {
  const m = /^(\d{1,20})(?:-(\d{1,10}))?$/.exec(cursor);
  if (!m) throw new PagingError("cursor", "cursor must be a paging token (a non-negative number, or opid-n for effects)");
  if (!effects) return BigInt(m[1]!);
  // An effect's key is its operation id × EFFECT_SPAN + its order; a bare id means "after nothing of it".
  return BigInt(m[1]!) * EFFECT_SPAN + BigInt(m[2] ?? 0);
}

/** Index of the first item whose key is > `k` (items sorted ascending by key). */
function upperBound<T>(items: readonly T[], key: (t: T) => bigint, k: bigint): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first item whose key is >= `k`. */
function lowerBound<T>(items: readonly T[], key: (t: T) => bigint, k: bigint): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface PageQuery<T> {
  items: readonly T[];
  key: (t: T) => bigint;
  p: Paging;
  /** Only keys in [from, to). */
  from?: bigint;
  to?: bigint;
  /** Skip items for which this is false (they do not count towards the limit). */
  keep?: (t: T) => boolean;
  /** Effects: the cursor is "opid-n" (or a bare id), keys are opid × EFFECT_SPAN + n. */
  effects?: boolean;
}

/** One page of a key-sorted collection. */
export function pageOf<T>(q: PageQuery<T>): T[] {
  const { items, key, p } = q;
  const cursor = p.cursor !== null ? numericCursor(p.cursor, q.effects) : null;
  const out: T[] = [];
  if (p.order === "asc") {
    let i = cursor !== null ? upperBound(items, key, cursor) : 0;
    if (q.from !== undefined) i = Math.max(i, lowerBound(items, key, q.from));
    const end = q.to !== undefined ? lowerBound(items, key, q.to) : items.length;
    for (; i < end && out.length < p.limit; i++) {
      const it = items[i]!;
      if (!q.keep || q.keep(it)) out.push(it);
    }
  } else {
    let i = (cursor !== null ? lowerBound(items, key, cursor) : items.length) - 1;
    if (q.to !== undefined) i = Math.min(i, lowerBound(items, key, q.to) - 1);
    const start = q.from !== undefined ? lowerBound(items, key, q.from) : 0;
    for (; i >= start && out.length < p.limit; i--) {
      const it = items[i]!;
      if (!q.keep || q.keep(it)) out.push(it);
    }
  }
  return out;
}

/** One page of string-keyed items (accounts by id, assets by token), sorted here. */
export function pageOfStrings<T>(items: Iterable<T>, key: (t: T) => string, p: Paging): T[] {
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  const c = p.cursor;
  const list = p.order === "asc" ? sorted.filter((t) => c === null || key(t) > c) : sorted.reverse().filter((t) => c === null || key(t) < c);
  return list.slice(0, p.limit);
}

const link = (href: string) => ({ href });

/**
 * A Horizon page: `_links` self/next/prev built from the request URL (other query parameters kept),
 * `_embedded.records`.
 */
export function pageJson(base: string, url: URL, p: Paging, records: Array<Record<string, unknown>>, tokens: string[]): Record<string, unknown> {
  const at = (order: string, cursor: string | null) => {
    const u = new URL(url.pathname, base);
    for (const [k, v] of url.searchParams) if (k !== "cursor" && k !== "order" && k !== "limit") u.searchParams.append(k, v);
    u.searchParams.set("cursor", cursor ?? "");
    u.searchParams.set("limit", String(p.limit));
    u.searchParams.set("order", order);
    return u.toString();
  };
  const self = at(p.order, p.cursor);
  const next = at(p.order, tokens.length ? tokens[tokens.length - 1]! : p.cursor);
  const prev = at(p.order === "asc" ? "desc" : "asc", tokens.length ? tokens[0]! : p.cursor);
  return { _links: { self: link(self), next: link(next), prev: link(prev) }, _embedded: { records } };
}
