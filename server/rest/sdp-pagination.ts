/**
 * SDP's pagination block (issue 15, "SDP REST API"): `{next?, prev?, pages, total}` where `next` and
 * `prev` are the request's own URL (path and query, as SDP's `r.URL.String()`) for the neighbouring
 * page, omitted when there is none. Keyset lists (server/services/pagination.ts) put their opaque
 * cursor in that URL as `cursor`, so following `next` stays an index range read and returns every
 * row exactly once; `page` rides along for readers. The services' own block (page, page_limit,
 * cursors) stays for the web pages; only the REST answer is reshaped.
 */
export type ServicePagination = {
  next: number | null;
  prev: number | null;
  pages: number;
  total: number;
  next_cursor?: string | null;
  prev_cursor?: string | null;
};

export type SdpPagination = { next?: string; prev?: string; pages: number; total: number };

function pageUrl(url: URL, page: number, cursor: string | null | undefined): string {
  const params = new URLSearchParams(url.search);
  params.set("page", String(page));
  if (cursor) params.set("cursor", cursor);
  else params.delete("cursor");
  return `${url.pathname}?${params.toString()}`;
}

export function sdpPagination(url: URL, p: ServicePagination): SdpPagination {
  const out: SdpPagination = { pages: p.pages, total: p.total };
  if (p.next !== null) out.next = pageUrl(url, p.next, p.next_cursor);
  if (p.prev !== null) out.prev = pageUrl(url, p.prev, p.prev_cursor);
  // Key order as SDP writes it.
  return { ...(out.next ? { next: out.next } : {}), ...(out.prev ? { prev: out.prev } : {}), pages: out.pages, total: out.total };
}

function isServicePagination(value: unknown): value is ServicePagination {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.pages === "number" && typeof v.total === "number" && "next" in v && "prev" in v;
}

function isList(value: unknown): value is { pagination: ServicePagination; data: unknown[] } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const v = value as Record<string, unknown>;
  return Array.isArray(v.data) && isServicePagination(v.pagination);
}

/**
 * A list answer `{pagination, data}` with SDP's pagination block, also one level down (a bank
 * file's `entries`); anything else unchanged.
 */
export function withSdpPagination(url: URL, body: unknown): unknown {
  if (isList(body)) return { ...body, pagination: sdpPagination(url, body.pagination) };
  if (typeof body !== "object" || body === null || Array.isArray(body)) return body;
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (isList(value)) {
      out[key] = { ...value, pagination: sdpPagination(url, value.pagination) };
      changed = true;
    } else out[key] = value;
  }
  return changed ? out : body;
}
