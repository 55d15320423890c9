import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { organizations } from "@/db/schema";
import { G2P_VERSION, SPEC_HEADER_REASON_CODES, specReason, type AckStatus, type G2pItemStatus } from "@/server/domain/g2p/codes";
import type { G2pDisbursementStatus, ItemStatusRow } from "./item-views";
import { encryptMessage } from "./encryption";
import { platformSigningKey, signG2pHttpBody, signG2pMessage } from "./signature";

/**
 * The bodies we answer and send over G2P Connect (docs/g2p-connect.md): synchronous ACK/NACK/ERR, and the
 * signed `{signature, header, message}` of callbacks and synchronous answers.
 */

export type AckBody = {
  message: { ack_status: AckStatus; timestamp: string; error?: { code: string; message: string }; correlation_id: string };
};

export function ackBody(status: AckStatus, correlationId: string, error?: { code: string; message: string }, now = new Date()): AckBody {
  return { message: { ack_status: status, timestamp: now.toISOString(), ...(error ? { error } : {}), correlation_id: correlationId } };
}

/** The spec's HttpErrorResponse, the body of every 401, 403 and 500 answer. */
export type HttpErrorBody = { errors: { code: string; message: string }[] };

/**
 * The body of a transport refusal (`err.*`) with HTTP `status`: the spec's HttpErrorResponse for
 * 401/403/500 (the statuses the spec gives that schema), else an ERR acknowledgement.
 */
export function errorAnswer(status: number, correlationId: string, error: { code: string; message: string }, now = new Date()): AckBody | HttpErrorBody {
  if (status === 401 || status === 403 || status === 500) return { errors: [{ code: error.code, message: error.message.slice(0, 999) }] };
  return ackBody("ERR", correlationId, { code: error.code, message: error.message.slice(0, 999) }, now);
}

/** Our sender_id towards an organization's senders is the organization's slug. */
export async function orgSlug(db: DbOrTx, orgId: string): Promise<string> {
  const [org] = await db.select({ slug: organizations.slug }).from(organizations).where(eq(organizations.id, orgId));
  if (!org) throw new Error(`organization ${orgId} not found`);
  return org.slug;
}

export type CallbackHeaderInput = {
  /** Our sender_id: the organization's slug. */
  orgSlug: string;
  /** The sender we answer (its sender_id). */
  receiverId: string;
  action: string;
  status: string;
  statusReasonCode?: string;
  statusReasonMessage?: string;
  totalCount: number;
  completedCount: number;
  now?: Date;
};

export type CallbackHeader = {
  version: string;
  message_id: string;
  message_ts: string;
  action: string;
  status: string;
  status_reason_code?: string;
  status_reason_message?: string;
  total_count: number;
  completed_count: number;
  sender_id: string;
  receiver_id: string;
  /** True only in a body whose message we encrypted to the sender (sealedBody). */
  is_msg_encrypted: boolean;
  meta: Record<string, unknown>;
};

export function callbackHeader(input: CallbackHeaderInput): CallbackHeader {
  // The header's status_reason_code takes only MsgHeaderStatusReasonCode; other codes lead the message.
  const reason = specReason(input.statusReasonCode, input.statusReasonMessage, SPEC_HEADER_REASON_CODES);
  return {
    version: G2P_VERSION,
    message_id: randomUUID(),
    message_ts: (input.now ?? new Date()).toISOString(),
    action: input.action,
    status: input.status,
    ...(reason.status_reason_code ? { status_reason_code: reason.status_reason_code } : {}),
    ...(reason.status_reason_message ? { status_reason_message: reason.status_reason_message.slice(0, 999) } : {}),
    total_count: input.totalCount,
    completed_count: input.completedCount,
    sender_id: input.orgSlug,
    receiver_id: input.receiverId,
    is_msg_encrypted: false,
    meta: {},
  };
}

export type SignedBody = { signature: string; header: CallbackHeader; message: Record<string, unknown> };

/** Sign a header and message with the platform key, keyId `<org slug>|platform`. */
export function signedBody(header: CallbackHeader, message: Record<string, unknown>): SignedBody {
  const signature = signG2pMessage(header, message, { keyId: `${header.sender_id}|platform`, privateKey: platformSigningKey().privateKey });
  return { signature, header, message };
}

/**
 * A signed body whose message is encrypted to the sender's public encryption key (JWK JSON) when one
 * is given: header.is_msg_encrypted true, message the spec's EncryptedMessage, and the signature
 * over that encrypted message, as sent (docs/g2p-connect.md#encrypted-messages). Without a key, signedBody.
 */
export async function sealedBody(header: CallbackHeader, message: Record<string, unknown>, encryptionKey: string | null): Promise<SignedBody> {
  if (encryptionKey === null) return signedBody(header, message);
  const encrypted = await encryptMessage(message, encryptionKey);
  return signedBody({ ...header, is_msg_encrypted: true }, encrypted as unknown as Record<string, unknown>);
}

/** An item as sent on the wire: without our internal ids (the transaction id only where asked). */
export function wireItem(row: ItemStatusRow, options: { withTransactionId?: boolean } = {}): G2pDisbursementStatus & { transaction_id?: string } {
  const { item_id: _itemId, transaction_id: transactionId, ...rest } = row;
  void _itemId;
  return options.withTransactionId ? { ...rest, transaction_id: transactionId } : rest;
}

/**
 * The on-disburse header status for a set of items: succ once every item is final and at least one
 * was paid, rjct when every item was refused, pdng while any is being paid (or some are final and
 * others not), else rcvd.
 */
export function disburseHeaderStatus(statuses: readonly G2pItemStatus[]): G2pItemStatus {
  if (statuses.length === 0) return "rcvd";
  const final = (s: G2pItemStatus) => s === "succ" || s === "rjct";
  // Processed: every item reached its end. The message is rejected only if every item was.
  if (statuses.every(final)) return statuses.every((s) => s === "rjct") ? "rjct" : "succ";
  if (statuses.some((s) => s === "pdng" || final(s))) return "pdng";
  return "rcvd";
}

/** Items that reached a final status (succ or rjct): the header's completed_count. */
export function completedCount(statuses: readonly G2pItemStatus[]): number {
  return statuses.filter((s) => s === "succ" || s === "rjct").length;
}

/**
 * A JSON response for a G2P answer. A signed `{signature, header, message}` body is signed in the
 * HTTP `Signature` header too (with its `Digest`), as our callbacks are (docs/g2p-connect.md#signatures).
 */
export function g2pJsonResponse(body: unknown, status: number): Response {
  const text = JSON.stringify(body);
  const headers = new Headers({ "content-type": "application/json" });
  const sender = (body as { signature?: unknown; header?: { sender_id?: unknown } } | null)?.header?.sender_id;
  if (typeof (body as { signature?: unknown }).signature === "string" && typeof sender === "string") {
    for (const [name, value] of Object.entries(httpSignatureHeaders(text, sender))) headers.set(name, value);
  }
  return new Response(text, { status, headers });
}

/** `Signature` and `Digest` headers for a body we send, signed with the platform key as `<org slug>|platform`. */
export function httpSignatureHeaders(bodyText: string, orgSlugValue: string): { signature: string; digest: string } {
  return signG2pHttpBody(bodyText, { keyId: `${orgSlugValue}|platform`, privateKey: platformSigningKey().privateKey });
}
