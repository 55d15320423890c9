import type { DbOrTx } from "@/db/client";
import { g2pMessages, type G2pSender } from "@/db/schema";
import { callbackHeader, orgSlug, sealedBody } from "./g2p-answers";

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
  /**
   * Encrypt the message to the sender's public encryption key (the request it answers was
   * encrypted; docs/g2p-connect.md#encrypted-messages). Throws if the sender has none.
   */
  encrypt?: boolean;
};

/**
 * Build, sign and store a callback in the outbox (g2p_messages, direction outbound, PENDING, due
 * now) in the caller's transaction; the delivery loop sends it. Returns the stored row id and body.
 *
 * The header names us by the organization's slug (sender_id) and the sender by its sender_id
 * (receiver_id); the signature's keyId is `<org slug>|platform`, verifiable with the platform
 * public key the Integrations page shows.
 */
export async function enqueueCallback(tx: DbOrTx, input: EnqueueCallbackInput): Promise<{ id: string; body: Record<string, unknown> }> {
  const now = new Date();
  const header = callbackHeader({
    orgSlug: await orgSlug(tx, input.orgId),
    receiverId: input.sender.senderId,
    action: input.action,
    status: input.status,
    statusReasonCode: input.statusReasonCode,
    statusReasonMessage: input.statusReasonMessage,
    totalCount: input.totalCount,
    completedCount: input.completedCount,
    now,
  });
  if (input.encrypt && !input.sender.encryptionPublicKey) throw new Error(`sender ${input.sender.senderId} has no encryption key to encrypt a callback to`);
  const body = await sealedBody(header, input.message, input.encrypt ? input.sender.encryptionPublicKey : null);
  const items = input.message.disbursements_status;
  const [row] = await tx
    .insert(g2pMessages)
    .values({
      orgId: input.orgId,
      senderRowId: input.sender.id,
      senderId: input.sender.senderId,
      direction: "outbound",
      endpoint: input.endpoint,
      action: input.action,
      messageId: header.message_id,
      correlationId: input.correlationId,
      transactionId: input.transactionId,
      status: "PENDING",
      itemCount: Array.isArray(items) ? items.length : input.totalCount,
      body,
      url: `${input.callbackBase.replace(/\/+$/, "")}${input.endpoint}`,
      nextAttemptAt: now,
    })
    .returning({ id: g2pMessages.id });
  if (!row) throw new Error("callback insert returned nothing");
  return { id: row.id, body };
}
