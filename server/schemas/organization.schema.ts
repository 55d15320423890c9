import { z } from "zod";
import { templateProblem } from "@/server/domain/message-template";
import { isTimeZone } from "@/server/domain/timezones";
import { MESSAGE_TEMPLATE_MAX } from "./disbursements.schema";

/** Input schema and limits of the organization's settings, shared by the service, router and the settings form. */

export const ORGANIZATION_NAME_MAX = 120;
/** Hours between invitation resends: at least 1, at most 90 days. */
export const RESEND_INTERVAL_HOURS = { min: 1, max: 24 * 90 } as const;
export const MAX_RESENDS_LIMIT = 20;
/** Longest invitation message template: the same limit as a disbursement's own template. */
export const INVITATION_TEMPLATE_MAX = MESSAGE_TEMPLATE_MAX;

export const updateOrganizationInput = z.object({
  name: z.string().trim().min(1, "Enter the organization's name.").max(ORGANIZATION_NAME_MAX, `Use at most ${ORGANIZATION_NAME_MAX} characters.`).optional(),
  logoUrl: z
    .union([z.literal(""), z.url({ protocol: /^https?$/, error: "Enter an http(s) URL, e.g. https://example.org/logo.png" }).max(2048)])
    .nullable()
    .optional()
    .transform((v) => (v === "" ? null : v)),
  timezone: z.string().refine(isTimeZone, "Choose a valid time zone, e.g. Africa/Nairobi or UTC.").optional(),
  approvalRequired: z.boolean().optional(),
  /** Owners only; an owner must have MFA on before requiring it (docs/security.md, "MFA"). */
  mfaRequired: z.boolean().optional(),
  invitationMessageTemplate: z
    .string()
    .trim()
    .nullable()
    .optional()
    .transform((v) => (v ? v : null))
    .superRefine((v, c) => {
      const problem = v ? templateProblem(v) : null;
      if (problem) c.addIssue({ code: "custom", message: `The message ${problem}.` });
    }),
  invitationsEnabled: z.boolean().optional(),
  invitationResendIntervalHours: z
    .number({ error: "Enter a number of hours." })
    .int("Use a whole number of hours.")
    .min(RESEND_INTERVAL_HOURS.min, "Use at least 1 hour.")
    .max(RESEND_INTERVAL_HOURS.max, `Use at most ${RESEND_INTERVAL_HOURS.max} hours (90 days).`)
    .optional(),
  invitationMaxResends: z
    .number({ error: "Enter a number of resends." })
    .int("Use a whole number.")
    .min(0, "Use 0 or more (0: only the first invitation).")
    .max(MAX_RESENDS_LIMIT, `Use at most ${MAX_RESENDS_LIMIT} resends.`)
    .optional(),
});
