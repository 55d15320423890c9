import { eq } from "drizzle-orm";
import type { z } from "zod";
import { organizations, users } from "@/db/schema";
import { updateOrganizationInput } from "@/server/schemas/organization.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, forbidden } from "../errors";
import { getOrganization } from "./get-organization";

export { updateOrganizationInput };

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
