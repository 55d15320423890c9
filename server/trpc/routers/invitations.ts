import { acceptInvitation, declineInvitation, listPendingInvitations } from "@/server/services/team/account-invitations";
import { authedProcedure, router } from "../init";
import { invitationInput } from "@/server/schemas/team.schema";

/**
 * The signed-in account's pending invitations (memberships by consent). Account-level: works for a
 * user whose only memberships are still pending, so it needs no organization.
 */
export const invitationsRouter = router({
  list: authedProcedure.query(({ ctx }) => listPendingInvitations({ db: ctx.db, userId: ctx.userId })),
  accept: authedProcedure.input(invitationInput).mutation(({ ctx, input }) => acceptInvitation({ db: ctx.db, userId: ctx.userId }, input)),
  decline: authedProcedure.input(invitationInput).mutation(({ ctx, input }) => declineInvitation({ db: ctx.db, userId: ctx.userId }, input)),
});
