import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { paymentConnections } from "@/db/schema";
import { setConnectionEnabledInput } from "@/server/schemas/connections.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { parseInput } from "./connection-input";
import { connectionViews } from "./connection-view";

/**
 * Turn a connection on or off. Routing skips a disabled connection (its rules fall back, or leave
 * the payments unrouted: docs/rails.md "Routing rules"); payments already handed to it go on.
 */
export async function setConnectionEnabled(ctx: OrgContext, raw: z.input<typeof setConnectionEnabledInput>) {
  assertCan(ctx, "connections:manage");
  const input = parseInput(setConnectionEnabledInput, raw);
  await ctx.db.transaction(async (tx) => {
    const [current] = await tx
      .select({ enabled: paymentConnections.enabled, name: paymentConnections.name })
      .from(paymentConnections)
      .where(and(eq(paymentConnections.id, input.id), eq(paymentConnections.orgId, ctx.org.id)))
      .for("update");
    if (!current) throw notFound("The connection");
    if (current.enabled === input.enabled) return;
    await tx
      .update(paymentConnections)
      .set({ enabled: input.enabled, updatedAt: new Date() })
      .where(and(eq(paymentConnections.id, input.id), eq(paymentConnections.orgId, ctx.org.id)));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: input.enabled ? "connection.enabled" : "connection.disabled",
      targetId: input.id,
      details: { name: current.name, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
    });
  });
  const [view] = await connectionViews(ctx, input.id);
  if (!view) throw notFound("The connection");
  return view;
}
