import { and, eq, sql } from "drizzle-orm";
import { railBatches } from "@/db/schema";
import { batchPayments } from "@/server/rails/dispatcher/ship-rail-batch";
import { railFor } from "@/server/rails/registry";
import { recordAuditEvent } from "../audit/record-audit-event";
import { loadRailConnection } from "../connections/rail-connection";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict, notFound } from "../errors";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function fileBatch(ctx: OrgContext, batchId: string) {
  if (!UUID.test(batchId)) throw notFound("The shipment");
  const [batch] = await ctx.db
    .select()
    .from(railBatches)
    .where(and(eq(railBatches.id, batchId), eq(railBatches.orgId, ctx.org.id)));
  if (!batch) throw notFound("The shipment");
  return batch;
}

/**
 * The shipment file of a batch waiting for upload (a pain.001 for the bank's portal). Downloading it
 * is part of paying, so it needs the permission to start disbursements; each download is audited.
 */
export async function getShipmentFile(ctx: OrgContext, batchId: string) {
  assertCan(ctx, "disbursements:start");
  const batch = await fileBatch(ctx, batchId);
  if (batch.status !== "AWAITING_UPLOAD" && batch.status !== "SHIPPED") {
    throw conflict(`This shipment is ${batch.status.toLowerCase().replace(/_/g, " ")}: its file is ready once the funds are blocked.`);
  }
  const connection = await loadRailConnection(ctx.db, ctx.org.id, batch.connectionId);
  if (!connection) throw notFound("The shipment's connection");
  const rail = railFor(connection.railType);
  if (!rail.shipmentFile) throw badRequest(`${connection.name} does not ship by file.`);
  const payments = await batchPayments(ctx.db, batch, connection);
  const file = rail.shipmentFile(connection, { reference: batch.reference, createdAt: batch.createdAt, payments });
  await recordAuditEvent(ctx.db, {
    orgId: ctx.org.id,
    actorUserId: ctx.actor.userId,
    action: "shipment.file_downloaded",
    targetId: batch.id,
    details: { reference: batch.reference, payments: payments.length },
  });
  return file;
}

/** Staff uploaded the file to the bank's portal: AWAITING_UPLOAD → SHIPPED, its payments marked shipped. */
export async function markShipmentUploaded(ctx: OrgContext, batchId: string) {
  assertCan(ctx, "disbursements:start");
  return ctx.db.transaction(async (tx) => {
    const now = new Date();
    const [batch] = await tx
      .update(railBatches)
      .set({ status: "SHIPPED", shippedAt: now, message: "uploaded to the bank's portal", updatedAt: now })
      .where(and(eq(railBatches.id, batchId), eq(railBatches.orgId, ctx.org.id), eq(railBatches.status, "AWAITING_UPLOAD")))
      .returning();
    if (!batch) {
      await fileBatch({ ...ctx, db: tx }, batchId);
      throw conflict("This shipment is not waiting for an upload.");
    }
    await tx.execute(sql`
      update payments set rail_details = coalesce(rail_details, '{}'::jsonb) || ${JSON.stringify({ shipment: "SHIPPED", shippedAt: now.toISOString() })}::jsonb, updated_at = now()
      where rail_batch_id = ${batch.id} and org_id = ${ctx.org.id} and status = 'PENDING'`);
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "shipment.uploaded",
      targetId: batch.id,
      details: { reference: batch.reference },
    });
    return { id: batch.id, status: batch.status };
  });
}
