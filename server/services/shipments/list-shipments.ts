import { and, asc, eq } from "drizzle-orm";
import { paymentConnections, railBatches } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";

/**
 * A disbursement's shipments to rails that settle later (docs/rails.md "Dispatcher"): each batch
 * with its connection, funds steps (attempts, the bank's answer, block reference) and shipment state,
 * for the disbursement page.
 */
export async function listShipments(ctx: OrgContext, disbursementId: string) {
  assertCan(ctx, "disbursements:read");
  const rows = await ctx.db
    .select({ batch: railBatches, connectionName: paymentConnections.name, shipmentMode: paymentConnections.settings })
    .from(railBatches)
    .innerJoin(paymentConnections, eq(paymentConnections.id, railBatches.connectionId))
    .where(and(eq(railBatches.orgId, ctx.org.id), eq(railBatches.disbursementId, disbursementId)))
    .orderBy(asc(railBatches.createdAt), asc(railBatches.id));
  return rows.map(({ batch: b, connectionName, shipmentMode }) => ({
    id: b.id,
    reference: b.reference,
    connection: { id: b.connectionId, name: connectionName, shipment_mode: (shipmentMode as { shipmentMode?: string }).shipmentMode === "FILE" ? "FILE" : "API" },
    rail_type: b.railType,
    status: b.status,
    payment_count: b.paymentCount,
    amount: b.amount,
    currency: b.currency,
    funds_attempts: b.fundsAttempts,
    funds_message: b.fundsMessage,
    funds_block_reference: b.fundsBlockReference,
    next_attempt_at: b.nextAttemptAt.toISOString(),
    shipped_at: b.shippedAt?.toISOString() ?? null,
    message: b.message,
    created_at: b.createdAt.toISOString(),
  }));
}
