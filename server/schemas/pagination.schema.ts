import { z } from "zod";

/**
 * Shared input schemas (docs/architecture.md, "Where new work goes"): files under server/schemas
 * hold zod input schemas and their limits, import only zod and the pure domain, and are read by
 * the services, routers, REST/OpenAPI and the browser forms alike.
 */

/** SDP list conventions: `page` from 1, `page_limit` default 20 and at most 100. */
export const pageInput = z.object({
  page: z.coerce.number().int("page must be a whole number").min(1, "page must be 1 or more").default(1),
  page_limit: z.coerce.number().int("page_limit must be a whole number").min(1, "page_limit must be 1 or more").max(100, "page_limit must be at most 100").default(20),
});

/** Longest search text a list accepts (the search field's maxLength). */
export const SEARCH_MAX = 128;

/**
 * Lists paged by keyset (docs/performance.md, "Lists"): `cursor` is a response's `next_cursor` or
 * `prev_cursor`, opaque; with it `page` is ignored. Without it `page` works as in SDP.
 */
export const cursorPageInput = pageInput.extend({
  cursor: z.string().trim().max(2000, "cursor is too long").optional(),
});

/** A day (`YYYY-MM-DD`, midnight UTC, as SDP reads it) or an ISO date-time with offset. */
const createdAtBound = (name: string) =>
  z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: `${name} must be a date (YYYY-MM-DD) or an ISO date-time` }).optional();

/**
 * SDP's `created_at_after` / `created_at_before` list filters (inclusive bounds: `created_at >=
 * after` and `created_at <= before`, a bare date meaning midnight UTC, as SDP compares them).
 */
export const createdAtFilters = {
  created_at_after: createdAtBound("created_at_after"),
  created_at_before: createdAtBound("created_at_before"),
};
