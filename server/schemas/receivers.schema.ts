import { z } from "zod";
import { RECEIVER_WALLET_STATUSES, VERIFICATION_FIELDS } from "@/server/domain/disbursement-types";
import { SEARCH_MAX, createdAtFilters, cursorPageInput } from "./pagination.schema";

/** Input schemas and limits of receivers, shared by the services, routers, REST and the forms. */

/** Longest phone number or email a receiver's contact field accepts (before its format check). */
export const CONTACT_MAX = 320;
export const EXTERNAL_ID_MAX = 200;
export const VERIFICATION_VALUE_MAX = 200;

const optionalText = z
  .string()
  .trim()
  .max(CONTACT_MAX)
  .optional()
  .nullable()
  .transform((v) => (v ? v : null));

export const updateReceiverContactInput = z.object({
  id: z.uuid(),
  phoneNumber: optionalText,
  email: optionalText,
  externalId: z.string().trim().min(1, "The external id is required.").max(EXTERNAL_ID_MAX),
});

/** The value's format is checked by the service with the CSV rules (server/domain/csv-instructions.ts). */
export const setReceiverVerificationInput = z.object({
  id: z.uuid(),
  verificationField: z.enum(VERIFICATION_FIELDS, "Choose the verification field."),
  value: z.string().max(VERIFICATION_VALUE_MAX, "The value is too long."),
});

export const listReceiversInput = cursorPageInput.extend({
  q: z.string().trim().max(SEARCH_MAX).optional(),
  sort: z.enum(["created_at", "updated_at", "external_id"]).default("created_at"),
  direction: z.enum(["asc", "desc"]).default("desc"),
  ...createdAtFilters,
  /** SDP's receiver filter: receivers with a wallet in this status. */
  status: z.enum(RECEIVER_WALLET_STATUSES, { error: `status must be one of ${RECEIVER_WALLET_STATUSES.join(", ")}` }).optional(),
});

export const issueRegistrationLinkInput = z.object({ receiverWalletId: z.uuid() });
export const unlockReceiverInput = z.object({ id: z.uuid() });
export const unregisterReceiverWalletInput = z.object({ receiverWalletId: z.uuid() });
export const resendInvitationInput = z.object({ receiverWalletId: z.uuid() });
