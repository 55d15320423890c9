import { z } from "zod";
import { DISBURSEMENT_STATUSES, REGISTRATION_CONTACT_TYPES, VERIFICATION_FIELDS, isDirectPayeeType, needsVerification } from "@/server/domain/disbursement-types";
import { templateProblem } from "@/server/domain/message-template";
import { parseAmount } from "@/server/domain/money";
import { SEARCH_MAX, createdAtFilters, cursorPageInput } from "./pagination.schema";

/** Input schemas and limits of disbursements, shared by the services, routers, REST and the forms. */

export const DISBURSEMENT_NAME_MAX = 128;
/** Longest invitation message template (a disbursement's or the organization's). */
export const MESSAGE_TEMPLATE_MAX = 1000;
/** Payments an envelope may declare: well beyond one instructions file, within a 32-bit integer. */
export const MAX_DECLARED_COUNT = 10_000_000;

export const createDisbursementInput = z
  .object({
    name: z.string().trim().min(1, "Enter a name.").max(DISBURSEMENT_NAME_MAX, `Use at most ${DISBURSEMENT_NAME_MAX} characters.`),
    // Absent for BANK_ACCOUNT and DIRECT_PHONE (paid without a wallet provider), required otherwise.
    wallet_id: z.uuid("Choose a wallet.").nullish(),
    asset_id: z.uuid("Choose an asset."),
    registration_contact_type: z.enum(REGISTRATION_CONTACT_TYPES, {
      error: `must be one of ${REGISTRATION_CONTACT_TYPES.join(", ")}`,
    }),
    // SDP clients send "" for the wallet-address types, which verify nothing: "" reads as none.
    verification_field: z
      .union([z.enum(VERIFICATION_FIELDS), z.literal("")], { error: `must be one of ${VERIFICATION_FIELDS.join(", ")}` })
      .nullish()
      .transform((v) => (v ? v : null)),
    receiver_registration_message_template: z
      .string()
      .trim()
      .max(MESSAGE_TEMPLATE_MAX)
      .nullish()
      .transform((v) => (v ? v : null)),
    // The envelope (G2P Bridge), all optional: how many payments and what total the file (or a
    // G2P sender) must bring, and the earliest moment it may be paid.
    declared_count: z
      .int("Enter a whole number of payments.")
      .positive("Expect at least 1 payment.")
      .max(MAX_DECLARED_COUNT, `Expect at most ${MAX_DECLARED_COUNT.toLocaleString("en-US")} payments.`)
      .nullish()
      .describe("Envelope: the exact number of payments it will hold; it cannot start before they are all there."),
    declared_total: z
      .string()
      .trim()
      .nullish()
      .transform((v) => (v ? v : null))
      .superRefine((v, c) => {
        if (v === null) return;
        const parsed = parseAmount(v);
        if (!parsed.ok) c.addIssue({ code: "custom", message: parsed.message.replace(/^invalid amount\. /, "") });
      })
      .describe('Envelope: the exact total of its payments, a decimal string with at most 7 decimals (e.g. "1500.25").'),
    scheduled_at: z.iso
      .datetime({ offset: true, error: "Give a date and time with a time zone, e.g. 2030-01-31T09:00:00Z." })
      .nullish()
      .describe("Envelope: not paid before this moment, and cancellable only until then (ISO 8601 with a zone)."),
  })
  .superRefine((v, c) => {
    if (isDirectPayeeType(v.registration_contact_type)) {
      if (v.wallet_id) {
        const what = v.registration_contact_type === "BANK_ACCOUNT" ? "bank accounts are" : "phone numbers on a Mojaloop switch are";
        c.addIssue({ code: "custom", path: ["wallet_id"], message: `is not used with ${v.registration_contact_type}: ${what} paid without a wallet provider` });
      }
    } else if (!v.wallet_id) {
      c.addIssue({ code: "custom", path: ["wallet_id"], message: "Choose a wallet." });
    }
    if (!needsVerification(v.registration_contact_type)) {
      if (v.verification_field) {
        c.addIssue({
          code: "custom",
          path: ["verification_field"],
          message:
            v.registration_contact_type === "BANK_ACCOUNT"
              ? "is not used with BANK_ACCOUNT: payees are paid to the bank account in the file, without registering"
              : v.registration_contact_type === "DIRECT_PHONE"
                ? "is not used with DIRECT_PHONE: payees are paid at the phone number in the file, without registering"
                : `is not used with ${v.registration_contact_type}: receivers give their wallet address in the file`,
        });
      }
    } else if (!v.verification_field) {
      c.addIssue({ code: "custom", path: ["verification_field"], message: "Choose how receivers verify themselves." });
    }
    const problem = v.receiver_registration_message_template ? templateProblem(v.receiver_registration_message_template) : null;
    if (problem) c.addIssue({ code: "custom", path: ["receiver_registration_message_template"], message: `The message ${problem}.` });
  });

export type CreateDisbursementInput = z.input<typeof createDisbursementInput>;

export const DISBURSEMENT_SORTS = ["name", "created_at", "status"] as const;

export const listDisbursementsInput = cursorPageInput.extend({
  q: z.string().trim().max(SEARCH_MAX).optional(),
  status: z
    .union([z.enum(DISBURSEMENT_STATUSES), z.array(z.enum(DISBURSEMENT_STATUSES))])
    .optional()
    .transform((v) => (v === undefined ? undefined : Array.isArray(v) ? v : [v])),
  sort: z.enum(DISBURSEMENT_SORTS).default("created_at"),
  direction: z.enum(["asc", "desc"]).default("desc"),
  ...createdAtFilters,
});

export const disbursementIdInput = z.object({ id: z.uuid("Disbursement id must be a UUID.") });

export const changeDisbursementStatusInput = z.object({
  id: z.uuid(),
  status: z.enum(["STARTED", "PAUSED"], { error: "status must be STARTED or PAUSED" }),
});

export const INSTRUCTIONS_FILE_VARIANTS = ["neutralized", "original"] as const;
export type InstructionsFileVariant = (typeof INSTRUCTIONS_FILE_VARIANTS)[number];

/** The download's query (REST and the browser route): `?original=true` asks for the bytes as uploaded. */
export const instructionsFileQuery = z.object({
  original: z
    .enum(["true", "false"], { error: "original must be true or false" })
    .optional()
    .describe("true: the file byte for byte as uploaded (formulas included). Default false: formula-like cells neutralized with a ' prefix.")
    .transform((v): InstructionsFileVariant => (v === "true" ? "original" : "neutralized")),
});
