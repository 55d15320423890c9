import { and, count, desc, eq, getTableColumns, ilike, inArray, or, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { g2pMessages, g2pSenders } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { containsPattern, paginate } from "../pagination";
import { G2P_MESSAGE_STATUSES, listG2pMessagesInput } from "@/server/schemas/integrations.schema";

export { G2P_MESSAGE_STATUSES, listG2pMessagesInput };

export function messageRowView(m: typeof g2pMessages.$inferSelect, sender: { id: string | null; senderId: string | null; name: string | null } | null) {
  return {
    id: m.id,
    direction: m.direction,
    endpoint: m.endpoint,
    action: m.action,
    message_id: m.messageId,
    correlation_id: m.correlationId,
    transaction_id: m.transactionId,
    sender_id: m.senderId ?? sender?.senderId ?? null,
    sender: sender?.id ? { id: sender.id, sender_id: sender.senderId!, name: sender.name! } : null,
    status: m.status,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    item_count: m.itemCount,
    url: m.url,
    attempts: m.attempts,
    next_attempt_at: m.nextAttemptAt?.toISOString() ?? null,
    last_attempt_at: m.lastAttemptAt?.toISOString() ?? null,
    last_http_status: m.lastHttpStatus,
    delivered_at: m.deliveredAt?.toISOString() ?? null,
    created_at: m.createdAt.toISOString(),
  };
}

/**
 * The G2P message log both ways, newest first, without bodies (they can be large and hold payees'
 * addresses: getG2pMessage shows one).
 */
export async function listG2pMessages(ctx: OrgContext, raw: z.input<typeof listG2pMessagesInput>) {
  assertCan(ctx, "integrations:manage");
  const input = listG2pMessagesInput.parse(raw);
  const where: SQL[] = [eq(g2pMessages.orgId, ctx.org.id)];
  if (input.direction) where.push(eq(g2pMessages.direction, input.direction));
  if (input.status) where.push(eq(g2pMessages.status, input.status));
  if (input.sender_id) {
    // Callbacks may name only the sender's row; match it through the registration too.
    const registered = ctx.db
      .select({ id: g2pSenders.id })
      .from(g2pSenders)
      .where(and(eq(g2pSenders.orgId, ctx.org.id), eq(g2pSenders.senderId, input.sender_id)));
    where.push(or(eq(g2pMessages.senderId, input.sender_id), inArray(g2pMessages.senderRowId, registered))!);
  }
  if (input.q) {
    const pattern = containsPattern(input.q);
    where.push(or(ilike(g2pMessages.messageId, pattern), ilike(g2pMessages.transactionId, pattern), ilike(g2pMessages.correlationId, pattern))!);
  }
  const [total] = await ctx.db
    .select({ n: count() })
    .from(g2pMessages)
    .where(and(...where));
  // Every column but the body, which the list never reads.
  const { body: _body, ...columns } = getTableColumns(g2pMessages);
  void _body;
  const rows = await ctx.db
    .select({ m: columns, s: { id: g2pSenders.id, senderId: g2pSenders.senderId, name: g2pSenders.name } })
    .from(g2pMessages)
    .leftJoin(g2pSenders, and(eq(g2pSenders.id, g2pMessages.senderRowId), eq(g2pSenders.orgId, ctx.org.id)))
    .where(and(...where))
    .orderBy(desc(g2pMessages.createdAt), desc(g2pMessages.id))
    .limit(input.page_limit)
    .offset((input.page - 1) * input.page_limit);
  return paginate(
    rows.map(({ m, s }) => messageRowView({ ...m, body: null }, s)),
    total?.n ?? 0,
    input,
  );
}
