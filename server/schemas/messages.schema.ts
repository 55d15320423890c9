import { z } from "zod";
import { pageInput, SEARCH_MAX } from "./pagination.schema";

/** Input schemas of the Outbox (messages sent to receivers and staff). */

export const MESSAGE_STATUSES = ["PENDING", "SUCCESS", "FAILURE"] as const;
export const MESSAGE_CHANNELS = ["EMAIL", "SMS"] as const;
/** The types the Outbox lists (account messages to staff are never listed there). */
export const OUTBOX_MESSAGE_TYPES = ["RECEIVER_INVITATION", "RECEIVER_OTP"] as const;

export const listMessagesInput = pageInput.extend({
  receiver_id: z.uuid().optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  channel: z.enum(MESSAGE_CHANNELS).optional(),
  type: z.enum(OUTBOX_MESSAGE_TYPES).optional(),
  /** Contained (case-insensitively) in the recipient's address, the subject or the type's name. */
  q: z
    .string()
    .trim()
    .max(SEARCH_MAX)
    .optional()
    .transform((v) => v || undefined),
});
