import { z } from "zod";
import { FSPIOP_AMOUNT_PATTERN } from "./fspiop-amount";

/**
 * zod schemas of the FSPIOP 1.1 bodies the switch sends us (the PUT callbacks and their /error
 * forms), after the FSPIOP API definition. Unknown keys are dropped; every field we use is checked,
 * so a callback that passes can be stored without further checks. Pure.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export const correlationId = z.string().regex(UUID, "must be a UUID (FSPIOP CorrelationId)");
export const fspiopDateTime = z
  .string()
  .regex(ISO_DATE_TIME, "must be an ISO 8601 date and time")
  .refine((v) => !Number.isNaN(Date.parse(v)), "must be a valid date and time");
export const fspiopAmount = z.string().regex(FSPIOP_AMOUNT_PATTERN, "must be an FSPIOP amount (no trailing zeros, at most 4 decimals)");
export const money = z.object({ amount: fspiopAmount, currency: z.string().regex(/^[A-Z]{3}$/, "must be a three-letter currency code") });
export const ilp32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be 43 base64url characters (32 bytes)");
export const ilpPacket = z
  .string()
  .max(32_768)
  .regex(/^[A-Za-z0-9_-]+[=]{0,2}$/, "must be base64url");

const extensionList = z
  .object({
    extension: z
      .array(z.object({ key: z.string().min(1).max(32), value: z.string().min(1).max(128) }))
      .min(1)
      .max(16),
  })
  .optional()
  .nullable();

export const errorInformation = z.object({
  errorCode: z.string().regex(/^[1-9]\d{3}$/, "must be a four-digit FSPIOP error code"),
  errorDescription: z.string().min(1).max(128),
  extensionList,
});
export type FspiopErrorInformation = z.infer<typeof errorInformation>;

export const errorCallbackBody = z.object({ errorInformation });

export const PARTY_ID_TYPES = ["MSISDN", "EMAIL", "PERSONAL_ID", "BUSINESS", "DEVICE", "ACCOUNT_ID", "IBAN", "ALIAS"] as const;
export type PartyIdType = (typeof PARTY_ID_TYPES)[number];

const nameText = z.string().min(1).max(128);

export const partyIdInfo = z.object({
  partyIdType: z.enum(PARTY_ID_TYPES),
  partyIdentifier: z.string().min(1).max(128),
  partySubIdOrType: z.string().min(1).max(128).optional(),
  fspId: z.string().min(1).max(32).optional(),
});
export type FspiopPartyIdInfo = z.infer<typeof partyIdInfo>;

export const party = z.object({
  partyIdInfo,
  merchantClassificationCode: z.string().optional(),
  name: nameText.optional(),
  personalInfo: z
    .object({
      complexName: z.object({ firstName: nameText.optional(), middleName: nameText.optional(), lastName: nameText.optional() }).optional(),
      dateOfBirth: z.string().optional(),
    })
    .optional(),
});
export type FspiopParty = z.infer<typeof party>;

export const partiesPutBody = z.object({ party });

export const quotesPutBody = z.object({
  transferAmount: money,
  payeeReceiveAmount: money.optional(),
  payeeFspFee: money.optional(),
  payeeFspCommission: money.optional(),
  expiration: fspiopDateTime,
  ilpPacket,
  condition: ilp32,
  extensionList,
});
export type FspiopQuoteResult = z.infer<typeof quotesPutBody>;

export const individualQuoteResult = z.object({
  quoteId: correlationId,
  payee: party.optional(),
  transferAmount: money.optional(),
  payeeReceiveAmount: money.optional(),
  payeeFspFee: money.optional(),
  payeeFspCommission: money.optional(),
  ilpPacket: ilpPacket.optional(),
  condition: ilp32.optional(),
  errorInformation: errorInformation.optional(),
  extensionList,
});
export type FspiopIndividualQuoteResult = z.infer<typeof individualQuoteResult>;

export const bulkQuotesPutBody = z.object({
  individualQuoteResults: z.array(individualQuoteResult).max(1000).optional(),
  expiration: fspiopDateTime,
  extensionList,
});
export type FspiopBulkQuoteResult = z.infer<typeof bulkQuotesPutBody>;

export const TRANSFER_STATES = ["RECEIVED", "RESERVED", "COMMITTED", "ABORTED"] as const;
export const transfersPutBody = z.object({
  fulfilment: ilp32.optional(),
  completedTimestamp: fspiopDateTime.optional(),
  transferState: z.enum(TRANSFER_STATES),
  extensionList,
});
export type FspiopTransferResult = z.infer<typeof transfersPutBody>;

export const individualTransferResult = z.object({
  transferId: correlationId,
  fulfilment: ilp32.optional(),
  errorInformation: errorInformation.optional(),
  extensionList,
});
export type FspiopIndividualTransferResult = z.infer<typeof individualTransferResult>;

export const BULK_TRANSFER_STATES = ["RECEIVED", "PENDING", "ACCEPTED", "PROCESSING", "COMPLETED", "REJECTED"] as const;
export const bulkTransfersPutBody = z.object({
  completedTimestamp: fspiopDateTime.optional(),
  individualTransferResults: z.array(individualTransferResult).max(1000).optional(),
  bulkTransferState: z.enum(BULK_TRANSFER_STATES),
  extensionList,
});
export type FspiopBulkTransferResult = z.infer<typeof bulkTransfersPutBody>;

/** The first problem of a failed parse, as "field.path: message". */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join(".") : "(body)";
  return { field, message: issue?.message ?? "is invalid" };
}
