import { z } from "zod";
import { PAYMENT_STATUSES } from "@/server/domain/disbursement-types";
import { SEARCH_MAX, createdAtFilters, cursorPageInput } from "./pagination.schema";

/** Input schemas and limits of payments, shared by the services, routers, REST and the lists. */

/** Payments one retry may name. */
export const MAX_RETRY_PAYMENTS = 1000;

/** SDP's payment types; this platform makes DISBURSEMENT payments only. */
export const PAYMENT_TYPES = ["DISBURSEMENT", "DIRECT"] as const;

/** `line_number` (file order) needs `disbursement_id`. */
export const PAYMENT_SORTS = ["created_at", "updated_at", "amount", "status", "line_number"] as const;

export const listPaymentsInput = cursorPageInput.extend({
  q: z.string().trim().max(SEARCH_MAX).optional(),
  status: z
    .union([z.enum(PAYMENT_STATUSES), z.array(z.enum(PAYMENT_STATUSES))])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
  disbursement_id: z.uuid().optional(),
  receiver_id: z.uuid().optional(),
  sort: z.enum(PAYMENT_SORTS).default("created_at"),
  direction: z.enum(["asc", "desc"]).default("desc"),
  ...createdAtFilters,
  /** SDP's payment type: every payment here belongs to a disbursement (DIRECT lists none). */
  type: z.enum(PAYMENT_TYPES, { error: `type must be one of ${PAYMENT_TYPES.join(", ")}` }).optional(),
});

export const retryPaymentsInput = z.object({
  payment_ids: z
    .array(z.uuid("each payment id must be a UUID"))
    .min(1, "give at least one payment id")
    .max(MAX_RETRY_PAYMENTS, `at most ${MAX_RETRY_PAYMENTS.toLocaleString("en-US")} payments at once`),
});
