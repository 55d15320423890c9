import type { DbOrTx } from "@/db/client";
import type { DisburseMessage } from "@/server/domain/g2p/messages";
import type { G2pCall } from "./g2p-call";
import type { ItemStatusRow } from "./item-views";

/**
 * `/disburse`: turn the request's items into payments of the transaction's envelope. Runs in the
 * caller's transaction; throws G2pRejection (and writes nothing) when any item or the envelope
 * refuses. Idempotent: items already received with the same values change nothing.
 */
export async function acceptDisburseRequest(
  tx: DbOrTx,
  call: G2pCall,
  message: DisburseMessage,
): Promise<{ disbursementId: string; items: ItemStatusRow[] }> {
  void tx;
  void call;
  void message;
  throw new Error("acceptDisburseRequest: not implemented yet");
}
