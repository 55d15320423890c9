import type { DbOrTx } from "@/db/client";
import type { CancelMessage } from "@/server/domain/g2p/messages";
import type { G2pCall } from "./g2p-call";
import type { ItemStatusRow } from "./item-views";

/**
 * `/disburse/cancel` (extension, G2P Bridge cancel_disbursement): cancel the whole envelope of a
 * transaction, or some of its items, before the schedule date. Final. Throws G2pRejection
 * (`rjct.schedule_ts.invalid` after the schedule date, `rjct.transaction_id.not_found`, ...).
 */
export async function cancelG2pItems(tx: DbOrTx, call: G2pCall, message: CancelMessage): Promise<{ items: ItemStatusRow[] }> {
  void tx;
  void call;
  void message;
  throw new Error("cancelG2pItems: not implemented yet");
}
