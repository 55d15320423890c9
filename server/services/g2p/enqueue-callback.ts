import type { DbOrTx } from "@/db/client";
import type { G2pSender } from "@/db/schema";

export type G2pCallbackEndpoint = "/on-disburse" | "/disburse/on-search" | "/disburse/on-status" | "/disburse/txn/on-status" | "/disburse/on-cancel";

export type EnqueueCallbackInput = {
  orgId: string;
  sender: G2pSender;
  endpoint: G2pCallbackEndpoint;
  /** Header action: on-disburse, on-search, on-status, on-cancel. */
  action: string;
  /** Base URL the endpoint path is appended to (the request's sender_uri, else the sender's callback URL). */
  callbackBase: string;
  /** The correlation id of the request this answers (null for unsolicited status updates). */
  correlationId: string | null;
  transactionId: string;
  /** The callback's `message` (e.g. `{transaction_id, correlation_id, disbursements_status}`). */
  message: Record<string, unknown>;
  /** Header status / counts. */
  status: string;
  statusReasonCode?: string;
  statusReasonMessage?: string;
  totalCount: number;
  completedCount: number;
};

/**
 * Build, sign and store a callback in the outbox (g2p_messages, direction outbound, PENDING, due
 * now) in the caller's transaction; the delivery loop sends it. Returns the stored row id and body.
 */
export async function enqueueCallback(tx: DbOrTx, input: EnqueueCallbackInput): Promise<{ id: string; body: Record<string, unknown> }> {
  void tx;
  void input;
  throw new Error("enqueueCallback: not implemented yet");
}
