import { and, eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { disbursements } from "@/db/schema";
import { envelopeComplete, envelopeDue } from "@/server/domain/g2p/envelope-rules";
import { ServiceError } from "../errors";
import { startLockedDisbursement } from "./change-disbursement-status";
import { loadEnvelopeState } from "./disbursement-view";

/**
 * The scheduler's start of an auto-start envelope (G2P): no person acts (history user_id null, no
 * two-person rule), the envelope must be complete and due, and the distribution balance must cover
 * it. Returns `{started: false, reason}` instead of throwing when it is not startable yet.
 */
export async function startEnvelopeBySchedule(db: DbOrTx, orgId: string, disbursementId: string, now = new Date()): Promise<{ started: boolean; reason: string | null }> {
  return db.transaction(async (tx) => {
    // SKIP LOCKED: a person starting or cancelling it right now wins; the next tick looks again.
    const [d] = await tx
      .select()
      .from(disbursements)
      .where(and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, orgId)))
      .for("update", { skipLocked: true });
    if (!d) return { started: false, reason: "The disbursement was not found or is busy." };
    if (!d.autoStart) return { started: false, reason: "The disbursement is not started by the scheduler." };
    if (d.status !== "READY") return { started: false, reason: `The disbursement is ${d.status}, not READY.` };
    const env = await loadEnvelopeState(tx, orgId, d);
    if (!envelopeComplete(env)) {
      return { started: false, reason: env.receivedCount === 0 ? "The envelope has no payments yet." : "The envelope has not received everything it declares." };
    }
    if (!envelopeDue(env, now)) return { started: false, reason: `The envelope is scheduled for ${d.scheduledAt?.toISOString()}.` };
    try {
      // Every check of the shared routine runs before it writes: a refusal (insufficient balance,
      // disabled wallet) leaves the envelope READY for the scheduler's next attempt.
      await startLockedDisbursement(tx, orgId, d, { scheduler: true }, now);
    } catch (error) {
      if (error instanceof ServiceError) return { started: false, reason: error.message };
      throw error;
    }
    return { started: true, reason: null };
  });
}
