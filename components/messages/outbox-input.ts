/** The Outbox list's query input from the URL; shared by the server page (prefetch) and the client list. */
export const OUTBOX_PAGE_LIMIT = 20;

export function outboxInput(params: URLSearchParams | Record<string, string | string[] | undefined>) {
  const raw = params instanceof URLSearchParams ? params.get("page") : params.page;
  const page = Number(Array.isArray(raw) ? raw[0] : raw);
  return { page: Number.isInteger(page) && page > 0 ? page : 1, page_limit: OUTBOX_PAGE_LIMIT };
}
