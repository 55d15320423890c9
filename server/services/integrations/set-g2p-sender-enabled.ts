import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { g2pSenders } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { senderViews } from "./list-g2p-senders";
import { setG2pSenderEnabledInput } from "@/server/schemas/integrations.schema";

export { setG2pSenderEnabledInput } from "@/server/schemas/integrations.schema";

/**
 * Turn a sender on or off. A disabled sender's requests are refused (err.sender_id.invalid); what
 * it already sent keeps being processed and reported.
 */
export async function setG2pSenderEnabled(ctx: OrgContext, raw: z.input<typeof setG2pSenderEnabledInput>) {
  assertCan(ctx, "integrations:manage");
  const input = setG2pSenderEnabledInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select({ enabled: g2pSenders.enabled, senderId: g2pSenders.senderId })
      .from(g2pSenders)
      .where(and(eq(g2pSenders.id, input.id), eq(g2pSenders.orgId, ctx.org.id)))
      .for("update");
    if (!current) throw notFound("The sender");
    if (current.enabled === input.enabled) return;
    await tx
      .update(g2pSenders)
      .set({ enabled: input.enabled, updatedAt: new Date() })
      .where(and(eq(g2pSenders.id, input.id), eq(g2pSenders.orgId, ctx.org.id)));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: input.enabled ? "g2p_sender.enabled" : "g2p_sender.disabled",
      targetId: input.id,
      details: { sender_id: current.senderId },
    });
  });
  const [view] = await senderViews(ctx, input.id);
  if (!view) throw notFound("The sender");
  return view;
}
