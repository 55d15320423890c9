import { MESSAGE_STATUSES, OUTBOX_MESSAGE_TYPES } from "@/server/schemas/messages.schema";
import { SEARCH_MAX } from "@/server/schemas/pagination.schema";

/** The Outbox list's query input from the URL; shared by the server page (prefetch) and the client list. */
export const OUTBOX_PAGE_LIMIT = 20;

export function outboxInput(params: URLSearchParams | Record<string, string | string[] | undefined>) {
  const get = (key: string) => {
    const raw = params instanceof URLSearchParams ? params.get(key) : params[key];
    return (Array.isArray(raw) ? raw[0] : raw) ?? undefined;
  };
  const page = Number(get("page"));
  const q = get("q")?.trim().slice(0, SEARCH_MAX);
  const status = MESSAGE_STATUSES.find((s) => s === get("status"));
  const type = OUTBOX_MESSAGE_TYPES.find((t) => t === get("type"));
  return {
    page: Number.isInteger(page) && page > 0 ? page : 1,
    page_limit: OUTBOX_PAGE_LIMIT,
    ...(q ? { q } : {}),
    ...(status ? { status } : {}),
    ...(type ? { type } : {}),
  };
}
