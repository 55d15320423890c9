import { eq } from "drizzle-orm";
import { z } from "zod";
import { organizations, users } from "@/db/schema";
import { templateProblem } from "@/server/domain/message-template";
import { isTimeZone } from "@/server/domain/timezones";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, forbidden } from "../errors";
import { getOrganization } from "./get-organization";

export const updateOrganizationInput = z.object({
  name: z.string().trim().min(1, "Enter the organization's name.").max(120, "Use at most 120 characters.").optional(),
  logoUrl: z
    .union([
      z.literal(""),
      z.url({ protocol: /^https?$/, error: "Enter an http(s) URL, e.g. https://example.org/logo.png" }).max(2048),
    ])
    .nullable()
    .optional()
    .transform((v) => (v === "" ? null : v)),
  timezone: z
    .string()
    .refine(isTimeZone, "Choose a valid time zone, e.g. Africa/Nairobi or UTC.")
    .optional(),
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
    .min(1, "Use at least 1 hour.")
    .max(24 * 90, "Use at most 2160 hours (90 days).")
    .optional(),
  invitationMaxResends: z
    .number({ error: "Enter a number of resends." })
    .int("Use a whole number.")
    .min(0, "Use 0 or more (0: only the first invitation).")
    .max(20, "Use at most 20 resends.")
    .optional(),
});

export async function updateOrganization(ctx: OrgContext, raw: z.input<typeof updateOrganizationInput>) {
  assertCan(ctx, "organization:write");
  const input = updateOrganizationInput.parse(raw);
  const changes = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  await ctx.db.transaction(async (tx) => {
    const current = await tx.query.organizations.findFirst({ where: eq(organizations.id, ctx.org.id), columns: { mfaRequired: true } });
    const mfaChanged = input.mfaRequired !== undefined && input.mfaRequired !== current?.mfaRequired;
    if (mfaChanged) {
      if (ctx.role !== "owner" || ctx.apiKeyId) throw forbidden("Only an owner can change whether two-factor authentication is required.");
      const actor = await tx.query.users.findFirst({ where: eq(users.id, ctx.actor.userId), columns: { mfaEnabledAt: true } });
      if (input.mfaRequired && !actor?.mfaEnabledAt) {
        const message = "Turn on two-factor authentication for your own account (Profile) before requiring it for all members.";
        throw badRequest(message, { mfaRequired: message }, "INVALID_STATE");
      }
    }
    await tx
      .update(organizations)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(organizations.id, ctx.org.id));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "organization.updated",
      details: { fields: Object.keys(changes) },
    });
    if (mfaChanged) {
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: input.mfaRequired ? "organization.mfa_required_on" : "organization.mfa_required_off",
        details: { mfaRequired: input.mfaRequired },
      });
    }
  });
  return getOrganization(ctx);
}
