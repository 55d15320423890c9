import { z } from "zod";
import { ACTIVE_ORG_COOKIE } from "@/server/auth/constants";
import { appCookie } from "@/server/auth/cookie-security";
import { permissionsOf } from "@/server/domain/permissions";
import { listUserOrganizations } from "@/server/services/auth/resolve-membership";
import { ServiceError } from "@/server/services/errors";
import { authedProcedure, orgProcedure, router } from "../init";

export const sessionRouter = router({
  /** Who is signed in, where, and what their role allows: the UI reads this to show only allowed items. */
  me: orgProcedure.query(async ({ ctx }) => ({
    user: ctx.user,
    org: ctx.org,
    role: ctx.role,
    permissions: permissionsOf(ctx.role),
    organizations: await listUserOrganizations(ctx.db, ctx.userId),
  })),

  switchOrganization: authedProcedure.input(z.object({ orgId: z.uuid() })).mutation(async ({ ctx, input }) => {
    const orgs = await listUserOrganizations(ctx.db, ctx.userId);
    if (!orgs.some((o) => o.id === input.orgId)) {
      throw new ServiceError("FORBIDDEN", "You are not an active member of that organization.", undefined, "NO_MEMBERSHIP");
    }
    ctx.resHeaders?.append("set-cookie", appCookie(ACTIVE_ORG_COOKIE, input.orgId, 60 * 60 * 24 * 365));
    return { orgId: input.orgId };
  }),
});
