import { createHash } from "node:crypto";
import { sql, type SQL } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { badRequest } from "./errors";

/** The page schema lives with the other shared input schemas; re-exported for the services. */
export { pageInput } from "@/server/schemas/pagination.schema";

export type Pagination = { next: number | null; prev: number | null; pages: number; total: number; page: number; page_limit: number };

export function paginate<T>(data: T[], total: number, input: { page: number; page_limit: number }): { pagination: Pagination; data: T[] } {
  const pages = Math.max(1, Math.ceil(total / input.page_limit));
  return {
    pagination: {
      next: input.page < pages ? input.page + 1 : null,
      prev: input.page > 1 ? Math.min(input.page - 1, pages) : null,
      pages,
      total,
      page: input.page,
      page_limit: input.page_limit,
    },
    data,
  };
}

/**
 * SDP's `created_at_after` / `created_at_before` filters as conditions on `column` (inclusive; a
 * bare date is midnight UTC), or 400 when the range is empty.
 */
export function createdAtConditions(column: SQL, input: { created_at_after?: string | undefined; created_at_before?: string | undefined }): SQL[] {
  const after = input.created_at_after ? new Date(input.created_at_after) : null;
  const before = input.created_at_before ? new Date(input.created_at_before) : null;
  if (after && before && after > before)
    throw badRequest("created_at_after must be before created_at_before.", { created_at_after: "created_at_after must be before created_at_before" });
  const out: SQL[] = [];
  if (after) out.push(sql`${column} >= ${after.toISOString()}::timestamptz`);
  if (before) out.push(sql`${column} <= ${before.toISOString()}::timestamptz`);
  return out;
}

/** A user's search text as an ILIKE "contains" pattern, with LIKE's wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}

/**
 * Keyset (cursor) pagination (docs/performance.md, "Lists"). A list orders by a key ending with the
 * row id (ties broken by id), all in one direction, on an index that ends with the same columns, so
 * a page is one index range read: `(k1, …, id) > (cursor values) ORDER BY k1, …, id LIMIT n`.
 *
 * The cursor is opaque to clients: base64url JSON of the boundary row's key values (as PostgreSQL
 * text, so timestamps keep their microseconds), the page it opens, its direction and a hash of the
 * list's shape (sort, direction, filters), so a cursor cannot be replayed against another list.
 *
 * SDP's `page`/`page_limit` keep working without OFFSET: each page served remembers the key at which
 * the next page starts (per list shape and total), so clients walking pages in order seek by key; a
 * page asked for cold is found from the nearest remembered page by skipping keys over the index alone.
 */

/** One column of a list's key: the SQL expression and the type its cursor text is cast back to. */
export type KeyPart = { expr: SQL; type: "timestamptz" | "uuid" | "numeric" | "integer" | "text" | "payment_status" | "disbursement_status" };

type CursorPayload = { v: string[]; p: number; b?: 1; s: string };

export function shapeHash(shape: unknown): string {
  return createHash("sha256").update(JSON.stringify(shape)).digest("base64url").slice(0, 16);
}

export function encodeCursor(c: CursorPayload): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

export function decodeCursor(cursor: string, shape: string): CursorPayload {
  let c: CursorPayload;
  try {
    c = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as CursorPayload;
  } catch {
    throw badRequest("The cursor is not valid.", { cursor: "not a cursor this API returned" });
  }
  if (!c || !Array.isArray(c.v) || !c.v.every((x) => typeof x === "string") || !Number.isInteger(c.p) || c.p < 1 || typeof c.s !== "string") {
    throw badRequest("The cursor is not valid.", { cursor: "not a cursor this API returned" });
  }
  if (c.s !== shape) throw badRequest("The cursor belongs to another sort or filter.", { cursor: "ask again without it, or with the same sort and filters" });
  return c;
}

/** Remembered page starts: shape|total|limit → page → key after which the page starts. */
const MAX_SHAPES = 2000;
const MAX_PAGES_PER_SHAPE = 5000;
const remembered = new Map<string, Map<number, string[]>>();

function rememberStart(list: string, page: number, after: string[]) {
  let pages = remembered.get(list);
  if (!pages) {
    if (remembered.size >= MAX_SHAPES) remembered.delete(remembered.keys().next().value!);
    pages = new Map();
    remembered.set(list, pages);
  }
  if (pages.size >= MAX_PAGES_PER_SHAPE && !pages.has(page)) pages.delete(pages.keys().next().value!);
  pages.set(page, after);
}

function nearestStart(list: string, page: number): { page: number; after: string[] } | null {
  const pages = remembered.get(list);
  if (!pages) return null;
  const exact = pages.get(page);
  if (exact) return { page, after: exact };
  let best: number | null = null;
  for (const p of pages.keys()) if (p < page && (best === null || p > best)) best = p;
  return best === null ? null : { page: best, after: pages.get(best)! };
}

/** Forget remembered page starts (tests). */
export function forgetRememberedPages() {
  remembered.clear();
}

export type KeysetPagination = Pagination & { next_cursor: string | null; prev_cursor: string | null };

export type KeysetSource = {
  db: DbOrTx;
  /**
   * Branches read one after another and merged in key order (UNION ALL under one ORDER BY: a Merge
   * Append of index range reads), e.g. one per payment status; each is `FROM … WHERE …` SQL whose
   * rows carry the key expressions. One branch for a plain list.
   */
  branches: SQL[];
  keys: KeyPart[];
  direction: "asc" | "desc";
  /** Everything that decides which rows and in which order (not the cursor or page). */
  shape: unknown;
  /** The exact number of rows (from counters or an index-served count). */
  total: number;
};

function keyRow(keys: KeyPart[], values: string[]): SQL {
  return sql.join(
    keys.map((k, i) => sql`${values[i]}::${sql.raw(k.type)}`),
    sql`, `,
  );
}

async function readKeys(src: KeysetSource, after: string[] | null, backward: boolean, limit: number, offset: number): Promise<{ id: string; k: string[] }[]> {
  const forwardAsc = src.direction === "asc";
  const asc = backward ? !forwardAsc : forwardAsc;
  const dir = sql.raw(asc ? "asc" : "desc");
  const cmp = sql.raw(asc ? ">" : "<");
  const keyTuple = sql.join(
    src.keys.map((k) => k.expr),
    sql`, `,
  );
  const orderInner = sql.join(
    src.keys.map((k) => sql`${k.expr} ${dir}`),
    sql`, `,
  );
  const rawKeys = sql.join(
    src.keys.map((k, i) => sql`${k.expr} as ${sql.raw(`k${i}_`)}`),
    sql`, `,
  );
  const order = sql.join(
    src.keys.map((_, i) => sql`${sql.raw(`k${i}_`)} ${dir}`),
    sql`, `,
  );
  // Only the rows returned are turned into text (a skip reads many keys and returns one).
  const asText = sql.join(
    src.keys.map((_, i) => sql`${sql.raw(`k${i}_`)}::text as ${sql.raw(`k${i}`)}`),
    sql`, `,
  );
  const seek = after ? sql` and (${keyTuple}) ${cmp} (${keyRow(src.keys, after)})` : sql``;
  const each = (branch: SQL) => sql`(select ${rawKeys} ${branch}${seek} order by ${orderInner} limit ${offset + limit})`;
  const query = sql`select ${asText} from (${sql.join(src.branches.map(each), sql` union all `)}) q order by ${order} offset ${offset} limit ${limit}`;
  const rows = await src.db.execute<Record<string, string>>(query);
  const ids = src.keys.length - 1;
  const out = [...rows].map((r) => {
    const k = src.keys.map((_, i) => r[`k${i}`]!);
    return { id: k[ids]!, k };
  });
  return backward ? out.reverse() : out;
}

/** The ids of one page of a keyset list, with SDP's pagination block plus the cursors. */
export async function keysetPage(
  src: KeysetSource,
  input: { page: number; page_limit: number; cursor?: string | undefined },
): Promise<{ ids: string[]; pagination: KeysetPagination }> {
  const shape = shapeHash(src.shape);
  const list = `${shape}|${src.total}|${input.page_limit}`;
  const limit = input.page_limit;
  let page = input.page;
  let rows: { id: string; k: string[] }[];
  let hasMoreForward: boolean;
  if (input.cursor) {
    const c = decodeCursor(input.cursor, shape);
    page = c.p;
    if (c.b) {
      rows = await readKeys(src, c.v, true, limit, 0);
      hasMoreForward = true;
    } else {
      rememberStart(list, page, c.v);
      rows = await readKeys(src, c.v, false, limit + 1, 0);
      hasMoreForward = rows.length > limit;
      rows = rows.slice(0, limit);
    }
  } else {
    let after: string[] | null = null;
    if (page > 1) {
      const from = nearestStart(list, page);
      if (from && from.page === page) after = from.after;
      else {
        // Skip to the key before this page: over the index only (the key columns), from the nearest remembered page.
        const skip = (page - (from?.page ?? 1)) * limit - 1;
        const [boundary] = await readKeys(src, from?.after ?? null, false, 1, skip);
        if (boundary) {
          after = boundary.k;
          rememberStart(list, page, after);
        }
      }
    }
    if (page > 1 && !after) {
      rows = [];
      hasMoreForward = false;
    } else {
      rows = await readKeys(src, after, false, limit + 1, 0);
      hasMoreForward = rows.length > limit;
      rows = rows.slice(0, limit);
    }
  }
  const last = rows[rows.length - 1];
  const first = rows[0];
  if (hasMoreForward && last) rememberStart(list, page + 1, last.k);
  const pages = Math.max(1, Math.ceil(src.total / limit));
  return {
    ids: rows.map((r) => r.id),
    pagination: {
      next: hasMoreForward && last ? page + 1 : null,
      prev: page > 1 ? page - 1 : null,
      pages: Math.max(pages, hasMoreForward ? page + 1 : page),
      total: src.total,
      page,
      page_limit: limit,
      next_cursor: hasMoreForward && last ? encodeCursor({ v: last.k, p: page + 1, s: shape }) : null,
      prev_cursor: page > 1 && first ? encodeCursor({ v: first.k, p: page - 1, b: 1, s: shape }) : null,
    },
  };
}

/** Most rows a search returns (docs/performance.md, "Search"): read from indexes, bounded. */
export const SEARCH_CAP = 1000;

/** A bounded, index-served result (search): pages by offset within it; the cursor carries the page. */
export function boundedPage<T>(
  rows: T[],
  input: { page: number; page_limit: number; cursor?: string | undefined },
  shape: unknown,
): { data: T[]; pagination: KeysetPagination } {
  const s = shapeHash(shape);
  const page = input.cursor ? decodeCursor(input.cursor, s).p : input.page;
  const start = (page - 1) * input.page_limit;
  const data = rows.slice(start, start + input.page_limit);
  const pages = Math.max(1, Math.ceil(rows.length / input.page_limit));
  const hasNext = start + input.page_limit < rows.length;
  return {
    data,
    pagination: {
      next: hasNext ? page + 1 : null,
      prev: page > 1 ? Math.min(page - 1, pages) : null,
      pages,
      total: rows.length,
      page,
      page_limit: input.page_limit,
      next_cursor: hasNext ? encodeCursor({ v: [], p: page + 1, s }) : null,
      prev_cursor: page > 1 ? encodeCursor({ v: [], p: page - 1, b: 1, s }) : null,
    },
  };
}
