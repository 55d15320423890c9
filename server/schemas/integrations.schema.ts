import { z } from "zod";
import { SEARCH_MAX, pageInput } from "./pagination.schema";

/**
 * Input schemas and limits of the G2P integrations, shared by the services, router and the forms.
 * The sender's callback URL and public key are normalized by the service with checks that need the
 * server (address policy, Ed25519 parsing: server/services/integrations/sender-input.ts); their
 * length limits are here.
 */

/** A sender id as G2P Connect messages name it. */
export const SENDER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,99}$/;
export const SENDER_ID_MAX = 99;
export const SENDER_NAME_MAX = 120;
export const CALLBACK_URL_MAX = 2000;
export const PUBLIC_KEY_MAX = 4000;
/** A sender's public encryption key as JWK JSON (an RSA-4096 JWK is under 1,000 characters). */
export const ENCRYPTION_KEY_MAX = 8000;

export const senderIdField = z
  .string()
  .trim()
  .min(1, "Enter the sender id.")
  .max(SENDER_ID_MAX, `Use at most ${SENDER_ID_MAX} characters.`)
  .regex(SENDER_ID_PATTERN, "Use letters, digits and . _ : - only (no spaces).");

export const senderNameField = z.string().trim().min(1, "Enter a name.").max(SENDER_NAME_MAX, `Use at most ${SENDER_NAME_MAX} characters.`);

/** Inbound requests end ACK, NACK or ERR; outbound callbacks are PENDING until DELIVERED or FAILED. */
export const G2P_MESSAGE_STATUSES = ["ACK", "NACK", "ERR", "PENDING", "DELIVERED", "FAILED"] as const;
export type G2pMessageStatus = (typeof G2P_MESSAGE_STATUSES)[number];

const blankToUndefined = (v: string | undefined) => (v ? v : undefined);

export const listG2pMessagesInput = pageInput.extend({
  direction: z.enum(["inbound", "outbound"]).optional(),
  status: z.enum(G2P_MESSAGE_STATUSES).optional(),
  /** A `header.sender_id` (registered or not). */
  sender_id: z.string().trim().max(SENDER_ID_MAX).optional().transform(blankToUndefined),
  /** Part of a message id, correlation id or transaction id. */
  q: z.string().trim().max(SEARCH_MAX).optional().transform(blankToUndefined),
});

export const getG2pMessageInput = z.object({ id: z.uuid() });
export const retryG2pCallbackInput = z.object({ id: z.uuid() });
export const setG2pSenderEnabledInput = z.object({ id: z.uuid(), enabled: z.boolean() });
