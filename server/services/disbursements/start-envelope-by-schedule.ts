import type { DbOrTx } from "@/db/client";

/**
 * The scheduler's start of an auto-start envelope (G2P): no person acts (history user_id null, no
 * two-person rule), the envelope must be complete and due, and the distribution balance must cover
 * it. Returns `{started: false, reason}` instead of throwing when it is not startable yet.
 */
export async function startEnvelopeBySchedule(db: DbOrTx, orgId: string, disbursementId: string): Promise<{ started: boolean; reason: string | null }> {
  void db;
  void orgId;
  void disbursementId;
  throw new Error("startEnvelopeBySchedule: not implemented yet");
}
