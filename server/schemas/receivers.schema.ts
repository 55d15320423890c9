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

/**
 * SDP's `POST /receivers` body (the SDP backend's CreateReceiverRequest): shape only here; the
 * rules (at least one contact, an external id, verifications or a wallet, formats) are checked by
 * server/services/receivers/create-receiver.ts so every refusal names SDP's field key
 * (`verifications[0].value`). The browser's "Add receiver" dialog sends the same object.
 */
const sdpText = z.string().max(CONTACT_MAX, "The value is too long.").optional();
export const createReceiverInput = z.object({
  email: sdpText,
  phone_number: sdpText,
  external_id: z.string().max(EXTERNAL_ID_MAX, "The external id is too long.").optional(),
  verifications: z
    .array(z.object({ type: z.string().max(50).optional(), value: z.string().max(VERIFICATION_VALUE_MAX, "The value is too long.").optional() }))
    .max(VERIFICATION_FIELDS.length, "Give each verification type at most once.")
    .optional(),
  wallets: z
    .array(z.object({ address: z.string().max(100).optional(), memo: z.string().max(100).optional() }))
    .max(10)
    .optional(),
});
export type CreateReceiverInput = z.input<typeof createReceiverInput>;

/**
 * SDP's `PATCH /receivers/{id}` body (the SDP backend's UpdateReceiverRequest): a blank or absent
 * field is left as it is (as SDP does). Our extension: `email: null` or `phone_number: null` clears
 * that contact, provided the other remains.
 */
const patchText = z.string().max(CONTACT_MAX, "The value is too long.").nullable().optional();
export const updateReceiverFields = z.object({
  date_of_birth: z.string().max(VERIFICATION_VALUE_MAX).optional(),
  year_month: z.string().max(VERIFICATION_VALUE_MAX).optional(),
  pin: z.string().max(VERIFICATION_VALUE_MAX).optional(),
  national_id: z.string().max(VERIFICATION_VALUE_MAX).optional(),
  email: patchText,
  phone_number: patchText,
  external_id: z.string().max(EXTERNAL_ID_MAX, "The external id is too long.").optional(),
});
export const updateReceiverInput = updateReceiverFields.extend({ id: z.uuid() });
export type UpdateReceiverInput = z.input<typeof updateReceiverInput>;
