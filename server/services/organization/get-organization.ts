import { eq } from "drizzle-orm";
import { organizations } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";

export async function getOrganization(ctx: OrgContext) {
  assertCan(ctx, "organization:read");
  const org = await ctx.db.query.organizations.findFirst({ where: eq(organizations.id, ctx.org.id) });
  if (!org) throw notFound("The organization");
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    logoUrl: org.logoUrl,
    timezone: org.timezone,
    approvalRequired: org.approvalRequired,
    mfaRequired: org.mfaRequired,
    invitationMessageTemplate: org.invitationMessageTemplate,
    invitationsEnabled: org.invitationsEnabled,
    invitationResendIntervalHours: org.invitationResendIntervalHours,
    invitationMaxResends: org.invitationMaxResends,
    updatedAt: org.updatedAt,
  };
}
