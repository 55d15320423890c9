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

/** A user's search text as an ILIKE "contains" pattern, with LIKE's wildcards escaped. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
}
