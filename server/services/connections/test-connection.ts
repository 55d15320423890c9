import { and, eq } from "drizzle-orm";
import type { z } from "zod";
import { paymentConnections } from "@/db/schema";
import { connectionIdInput } from "@/server/schemas/connections.schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { probeConnection, storeHealth } from "./check-connection-health";
import { parseInput } from "./connection-input";
import { connectionViews } from "./connection-view";

/**
 * "Test connection": call the rail's health check with the stored settings and credentials, outside
 * any transaction, then store the answer (status, message, time) with an audit row. Answers the
 * result in plain words and the connection as it now is.
 */
export async function testConnection(ctx: OrgContext, raw: z.input<typeof connectionIdInput>) {
  assertCan(ctx, "connections:manage");
  const { id } = parseInput(connectionIdInput, raw);
  const [row] = await ctx.db
    .select()
    .from(paymentConnections)
    .where(and(eq(paymentConnections.id, id), eq(paymentConnections.orgId, ctx.org.id)));
  if (!row) throw notFound("The connection");
  const health = await probeConnection(ctx.db, row);
  const stored = await storeHealth(ctx.db, row, health, { actorUserId: ctx.actor.userId, audit: "always", apiKeyId: ctx.apiKeyId });
  if (!stored) throw notFound("The connection");
  const [view] = await connectionViews(ctx, id);
  if (!view) throw notFound("The connection");
  return { healthy: health.healthy, status: stored.status, message: stored.message, checked_at: stored.checkedAt.toISOString(), connection: view };
}
