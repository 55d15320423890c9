import { SEARCH_MAX } from "@/server/schemas/pagination.schema";
import { G2P_MESSAGE_STATUSES as G2P_LOG_STATUSES, SENDER_ID_MAX, type G2pMessageStatus as G2pLogStatus } from "@/server/schemas/integrations.schema";

/**
 * The message log's query input from the URL, shared by the server page (prefetch) and the client
 * table, so both build the same query key. Unknown values fall back to "all".
 */
export const G2P_MESSAGES_PAGE_LIMIT = 20;
// The statuses are the server's (server/schemas/integrations.schema.ts), not a copy.
export { G2P_LOG_STATUSES, type G2pLogStatus };

type Params = URLSearchParams | Record<string, string | string[] | undefined>;

function read(params: Params, key: string): string | undefined {
  if (params instanceof URLSearchParams) return params.get(key) ?? undefined;
  const v = params[key];
  return Array.isArray(v) ? v[0] : v;
}

export function g2pMessagesInput(params: Params) {
  const page = Number(read(params, "page"));
  const direction = read(params, "direction");
  const status = read(params, "status");
  const sender = read(params, "sender")?.trim().slice(0, SENDER_ID_MAX);
  const q = read(params, "q")?.trim().slice(0, SEARCH_MAX);
  const input: {
    page: number;
    page_limit: number;
    direction?: "inbound" | "outbound";
    status?: G2pLogStatus;
    sender_id?: string;
    q?: string;
  } = { page: Number.isInteger(page) && page >= 1 ? page : 1, page_limit: G2P_MESSAGES_PAGE_LIMIT };
  if (direction === "inbound" || direction === "outbound") input.direction = direction;
  if ((G2P_LOG_STATUSES as readonly string[]).includes(status ?? "")) input.status = status as G2pLogStatus;
  if (sender) input.sender_id = sender;
  if (q) input.q = q;
  return input;
}
