import { z } from "zod";
import { inspectPasswordToken, setPasswordWithToken } from "@/server/services/auth/password-tokens";
import { requestPasswordReset } from "@/server/services/auth/request-password-reset";
import { publicProcedure, router } from "../init";
import { requestPasswordResetInput } from "@/server/schemas/auth.schema";

export const authRouter = router({
  inspectPasswordToken: publicProcedure.input(z.object({ token: z.string().min(1).max(200) })).query(({ ctx, input }) => inspectPasswordToken(ctx.db, input.token)),

  setPassword: publicProcedure.input(z.object({ token: z.string().min(1).max(200), password: z.string().max(200) })).mutation(async ({ ctx, input }) => {
    const user = await setPasswordWithToken(ctx.db, input);
    return { email: user.email };
  }),

  /** "Forgot password": the same answer whether or not an account exists (docs/security.md). */
  requestPasswordReset: publicProcedure
    .input(requestPasswordResetInput)
    .mutation(({ ctx, input }) => requestPasswordReset(ctx.db, { email: input.email, ip: ctx.clientIp })),
});
