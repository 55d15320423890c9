import { and, asc, eq, or, sql } from "drizzle-orm";
import type { z } from "zod";
import { paymentConnections, routingRules } from "@/db/schema";
import { connectionIdInput } from "@/server/schemas/connections.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";
import { parseInput } from "./connection-input";

const isForeignKeyViolation = (error: unknown) => (error as { code?: string })?.code === "23503" || (error as { cause?: { code?: string } })?.cause?.code === "23503";

/**
 * Delete a connection nothing refers to. While a routing rule targets it (or falls back to it), or
 * any payment went through it, deletion is refused naming why: payments keep the connection they
 * were paid through, and rules must be changed first. Disabling is the way to stop using it.
 */
export async function deleteConnection(ctx: OrgContext, raw: z.input<typeof connectionIdInput>) {
  assertCan(ctx, "connections:manage");
  const { id } = parseInput(connectionIdInput, raw);
  try {
    await ctx.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ name: paymentConnections.name, railType: paymentConnections.railType })
        .from(paymentConnections)
        .where(and(eq(paymentConnections.id, id), eq(paymentConnections.orgId, ctx.org.id)))
        .for("update");
      if (!current) throw notFound("The connection");
      const rules = await tx
        .select({ name: routingRules.name, position: routingRules.position })
        .from(routingRules)
        .where(and(eq(routingRules.orgId, ctx.org.id), or(eq(routingRules.connectionId, id), eq(routingRules.fallbackConnectionId, id))))
        .orderBy(asc(routingRules.position));
      if (rules.length > 0) {
        const names = rules.map((r) => `“${r.name}”`).join(", ");
        throw conflict(
          `${current.name} cannot be deleted: the routing ${rules.length === 1 ? "rule" : "rules"} ${names} ${rules.length === 1 ? "uses" : "use"} it. Change or delete ${rules.length === 1 ? "that rule" : "those rules"} first, or disable the connection instead.`,
        );
      }
      const [paid] = await tx.execute<{ found: boolean }>(sql`select exists (select 1 from payments where connection_id = ${id}) as found`);
      if (paid?.found) {
        throw conflict(`${current.name} cannot be deleted: payments were routed through it and keep it in their history. Disable it instead.`);
      }
      await tx.delete(paymentConnections).where(and(eq(paymentConnections.id, id), eq(paymentConnections.orgId, ctx.org.id)));
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "connection.deleted",
        targetId: id,
        details: { name: current.name, rail_type: current.railType, ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}) },
      });
    });
  } catch (error) {
    // A rule that arrived between the checks and the delete (its foreign key restricts). Payments cannot:
    // whoever routes them holds the connections FOR KEY SHARE (loadRouting), which the FOR UPDATE above waits for.
    if (isForeignKeyViolation(error)) throw conflict("This connection cannot be deleted: a routing rule or a payment now refers to it. Disable it instead.");
    throw error;
  }
  return { id, deleted: true as const };
}
