import { z } from "zod";
import { getRegistrationContext } from "@/server/services/registration/get-registration-context";
import { registerReceiverWallet } from "@/server/services/registration/register-receiver-wallet";
import { sendRegistrationOtp } from "@/server/services/registration/send-registration-otp";
import { verifyReceiverIdentity } from "@/server/services/registration/verify-receiver-identity";
import { verifyRegistrationOtp } from "@/server/services/registration/verify-registration-otp";
import { publicProcedure, router } from "../init";

/**
 * The public registration page's API. Every call carries the registration token, which alone
 * decides the receiver wallet; no other id is accepted from the client.
 */
const token = z.string().min(1).max(512);

export const registrationRouter = router({
  context: publicProcedure.input(z.object({ token })).query(({ ctx, input }) => getRegistrationContext(ctx.db, input.token)),
  sendOtp: publicProcedure.input(z.object({ token })).mutation(({ ctx, input }) => sendRegistrationOtp(ctx.db, input.token)),
  verifyOtp: publicProcedure.input(z.object({ token, code: z.string().max(20) })).mutation(({ ctx, input }) => verifyRegistrationOtp(ctx.db, input)),
  verifyIdentity: publicProcedure.input(z.object({ token, value: z.string().max(200) })).mutation(({ ctx, input }) => verifyReceiverIdentity(ctx.db, input)),
  register: publicProcedure
    .input(z.object({ token, stellarAddress: z.string().max(200), memo: z.string().max(100).optional().nullable() }))
    .mutation(({ ctx, input }) => registerReceiverWallet(ctx.db, input)),
});
