import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { paymentConnections, type PaymentConnection } from "@/db/schema";
import type { ConnectionHealth } from "@/server/domain/rails";
import { staffSnippet } from "@/server/net/address-policy";
import { railFor } from "@/server/rails/registry";
import type { RailHealth } from "@/server/rails/payment-rail";
import { recordAuditEvent } from "../audit/record-audit-event";
import { toRailConnection } from "./rail-connection";

/** Longest health message kept (what staff read on the Connections page). */
const MESSAGE_BYTES = 500;

/**
 * Ask the connection's rail whether it works. Runs outside any transaction (a remote call must never
 * hold row locks); never throws: a failure is an unhealthy answer in plain words.
 */
export async function probeConnection(db: DbOrTx, row: PaymentConnection): Promise<RailHealth> {
  try {
    const connection = await toRailConnection(db, row);
    return await railFor(row.railType).checkHealth(connection);
  } catch (error) {
    const message = (error as { message?: string })?.message ?? String(error);
    return { healthy: false, message: `The check failed: ${message}` };
  }
}

/**
 * Store a check's answer with an audit row, in one transaction. `audit: "changes"` (the periodic
 * loop) records a row only when the status changes, so a healthy connection does not fill the trail.
 * Returns the stored status, or null when the connection was deleted meanwhile.
 */
export async function storeHealth(
  db: DbOrTx,
  row: Pick<PaymentConnection, "id" | "orgId" | "name" | "healthStatus">,
  health: RailHealth,
  options: { actorUserId: string | null; audit: "always" | "changes"; apiKeyId?: string },
): Promise<{ status: ConnectionHealth; message: string; checkedAt: Date } | null> {
  // A rail that cannot tell yet (Mojaloop before its client is wired) leaves the health UNKNOWN: routing still uses it.
  const status: ConnectionHealth = health.unknown ? "UNKNOWN" : health.healthy ? "HEALTHY" : "UNHEALTHY";
  const message = staffSnippet(health.message, MESSAGE_BYTES);
  const checkedAt = new Date();
  return db.transaction(async (tx) => {
    const [before] = await tx
      .select({ healthStatus: paymentConnections.healthStatus })
      .from(paymentConnections)
      .where(and(eq(paymentConnections.id, row.id), eq(paymentConnections.orgId, row.orgId)))
      .for("update");
    if (!before) return null;
    await tx
      .update(paymentConnections)
      .set({ healthStatus: status, healthMessage: message, healthCheckedAt: checkedAt })
      .where(and(eq(paymentConnections.id, row.id), eq(paymentConnections.orgId, row.orgId)));
    if (options.audit === "always" || before.healthStatus !== status) {
      await recordAuditEvent(tx, {
        orgId: row.orgId,
        actorUserId: options.actorUserId,
        action: options.audit === "always" ? "connection.tested" : "connection.health_changed",
        targetId: row.id,
        details: { name: row.name, status, previous: before.healthStatus, message, ...(options.apiKeyId ? { api_key_id: options.apiKeyId } : {}) },
      });
    }
    return { status, message, checkedAt };
  });
}
