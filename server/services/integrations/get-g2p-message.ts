import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { g2pMessages, g2pSenders } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { messageRowView } from "./list-g2p-messages";
import { getG2pMessageInput } from "@/server/schemas/integrations.schema";

export { getG2pMessageInput } from "@/server/schemas/integrations.schema";

/**
 * One logged message with its body as received or sent. The body can hold payees' phone numbers
 * and amounts; integrations:manage (owner, developer) may see them to debug a sender.
 */
export async function getG2pMessage(ctx: OrgContext, raw: z.input<typeof getG2pMessageInput>) {
  assertCan(ctx, "integrations:manage");
  const input = getG2pMessageInput.parse(raw);
  const [row] = await ctx.db
    .select({ m: g2pMessages, s: { id: g2pSenders.id, senderId: g2pSenders.senderId, name: g2pSenders.name } })
    .from(g2pMessages)
    .leftJoin(g2pSenders, and(eq(g2pSenders.id, g2pMessages.senderRowId), eq(g2pSenders.orgId, ctx.org.id)))
    .where(and(eq(g2pMessages.id, input.id), eq(g2pMessages.orgId, ctx.org.id)));
  if (!row) throw notFound("The message");
  return { ...messageRowView(row.m, row.s), body: row.m.body as unknown };
}
