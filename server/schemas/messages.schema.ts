import { z } from "zod";
import { pageInput } from "./pagination.schema";

/** Input schemas of the Outbox (messages sent to receivers and staff). */

export const MESSAGE_STATUSES = ["PENDING", "SUCCESS", "FAILURE"] as const;
export const MESSAGE_CHANNELS = ["EMAIL", "SMS"] as const;

export const listMessagesInput = pageInput.extend({
  receiver_id: z.uuid().optional(),
  status: z.enum(MESSAGE_STATUSES).optional(),
  channel: z.enum(MESSAGE_CHANNELS).optional(),
});
