import { changePasswordInput, endSessionInput, updateNameInput } from "@/server/schemas/auth.schema";
import { changePassword, endMySession, getProfile, listMySessions, signOutEverywhere, updateProfileName } from "@/server/services/profile/profile";
import type { UserContext } from "@/server/services/profile/user-context";
import { authedProcedure, router } from "../init";

const userContext = (ctx: { db: UserContext["db"]; userId: string; sessionId?: string | null }): UserContext => ({
  db: ctx.db,
  actor: { userId: ctx.userId },
  sessionId: ctx.sessionId ?? null,
});

/** The signed-in user's own account (not organization-scoped): the Profile page. */
export const profileRouter = router({
  get: authedProcedure.query(({ ctx }) => getProfile(userContext(ctx))),
  updateName: authedProcedure.input(updateNameInput).mutation(({ ctx, input }) => updateProfileName(userContext(ctx), input)),
  changePassword: authedProcedure.input(changePasswordInput).mutation(({ ctx, input }) => changePassword(userContext(ctx), input)),
  signOutEverywhere: authedProcedure.mutation(({ ctx }) => signOutEverywhere(userContext(ctx))),
  sessions: authedProcedure.query(({ ctx }) => listMySessions(userContext(ctx))),
  endSession: authedProcedure.input(endSessionInput).mutation(({ ctx, input }) => endMySession(userContext(ctx), input)),
});
