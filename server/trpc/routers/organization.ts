import { timeZoneList } from "@/server/domain/timezones";
import { getOrganization } from "@/server/services/organization/get-organization";
import { updateOrganization, updateOrganizationInput } from "@/server/services/organization/update-organization";
import { requirePermission, router } from "../init";

export const organizationRouter = router({
  get: requirePermission("organization:read").query(({ ctx }) => getOrganization(ctx.service)),
  timeZones: requirePermission("organization:read").query(() => timeZoneList()),
  update: requirePermission("organization:write")
    .input(updateOrganizationInput)
    .mutation(({ ctx, input }) => updateOrganization(ctx.service, input)),
});
