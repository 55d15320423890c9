import { timeZoneList } from "@/server/domain/timezones";
import { getOrganization } from "@/server/services/organization/get-organization";
import { updateOrganization } from "@/server/services/organization/update-organization";
import { requirePermission, router } from "../init";
import { updateOrganizationInput } from "@/server/schemas/organization.schema";

export const organizationRouter = router({
  get: requirePermission("organization:read").query(({ ctx }) => getOrganization(ctx.service)),
  timeZones: requirePermission("organization:read").query(() => timeZoneList()),
  update: requirePermission("organization:write")
    .input(updateOrganizationInput)
    .mutation(({ ctx, input }) => updateOrganization(ctx.service, input)),
});
