import { confirmMfaEnrolment } from "@/server/services/auth/mfa/confirm-mfa-enrolment";
import { disableMfa } from "@/server/services/auth/mfa/disable-mfa";
import { getMfaStatus } from "@/server/services/auth/mfa/get-mfa-status";
import { confirmMfaInput, disableMfaInput, regenerateRecoveryCodesInput } from "@/server/schemas/auth.schema";
import { regenerateRecoveryCodes } from "@/server/services/auth/mfa/regenerate-recovery-codes";
import { startMfaEnrolment } from "@/server/services/auth/mfa/start-mfa-enrolment";
import { authedProcedure, router } from "../init";

/**
 * The signed-in user's own second factor. Account-level (not organization-scoped), so a member
 * whose organization requires MFA can still enrol while org procedures refuse them.
 */
export const mfaRouter = router({
  status: authedProcedure.query(({ ctx }) => getMfaStatus(ctx.db, { userId: ctx.userId })),
  startEnrolment: authedProcedure.mutation(({ ctx }) => startMfaEnrolment(ctx.db, { userId: ctx.userId })),
  confirmEnrolment: authedProcedure.input(confirmMfaInput).mutation(({ ctx, input }) => confirmMfaEnrolment(ctx.db, { userId: ctx.userId, code: input.code })),
  regenerateRecoveryCodes: authedProcedure
    .input(regenerateRecoveryCodesInput)
    .mutation(({ ctx, input }) => regenerateRecoveryCodes(ctx.db, { userId: ctx.userId, code: input.code })),
  disable: authedProcedure.input(disableMfaInput).mutation(({ ctx, input }) => disableMfa(ctx.db, { userId: ctx.userId, password: input.password, code: input.code })),
});
