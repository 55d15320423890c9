import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { g2pMessages } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";
import { getG2pMessage } from "./get-g2p-message";
import { retryG2pCallbackInput } from "@/server/schemas/integrations.schema";

export { retryG2pCallbackInput } from "@/server/schemas/integrations.schema";

/**
 * Put a callback the delivery loop gave up on back in the outbox, due now. Its attempts are kept
 * (the log shows how often it failed); the signed body is sent again as it was.
 */
export async function retryG2pCallback(ctx: OrgContext, raw: z.input<typeof retryG2pCallbackInput>) {
  assertCan(ctx, "integrations:manage");
  const input = retryG2pCallbackInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select({ direction: g2pMessages.direction, status: g2pMessages.status, messageId: g2pMessages.messageId, attempts: g2pMessages.attempts })
      .from(g2pMessages)
      .where(and(eq(g2pMessages.id, input.id), eq(g2pMessages.orgId, ctx.org.id)))
      .for("update");
    if (!current) throw notFound("The message");
    if (current.direction !== "outbound") throw conflict("Only callbacks we send can be retried; this message was received.", undefined, "INVALID_STATE");
    if (current.status !== "FAILED") throw conflict(`Only a failed callback can be retried; this one is ${current.status}.`, undefined, "INVALID_STATE");
    await tx
      .update(g2pMessages)
      .set({ status: "PENDING", nextAttemptAt: new Date() })
      .where(and(eq(g2pMessages.id, input.id), eq(g2pMessages.orgId, ctx.org.id)));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "g2p_callback.retried",
      targetId: input.id,
      details: { message_id: current.messageId, attempts: current.attempts },
    });
  });
  return getG2pMessage(ctx, input);
}
