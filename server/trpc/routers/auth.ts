import { z } from "zod";
import { inspectPasswordToken, setPasswordWithToken } from "@/server/services/auth/password-tokens";
import { publicProcedure, router } from "../init";

export const authRouter = router({
  inspectPasswordToken: publicProcedure
    .input(z.object({ token: z.string().min(1).max(200) }))
    .query(({ ctx, input }) => inspectPasswordToken(ctx.db, input.token)),

  setPassword: publicProcedure
    .input(z.object({ token: z.string().min(1).max(200), password: z.string().max(200) }))
    .mutation(async ({ ctx, input }) => {
      const user = await setPasswordWithToken(ctx.db, input);
      return { email: user.email };
    }),
});
