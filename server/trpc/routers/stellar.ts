import { z } from "zod";
import { getDistributionAccountView } from "@/server/services/stellar/get-distribution-account";
import { preflightDisbursement } from "@/server/services/stellar/preflight-disbursement";
import { requirePermission, router } from "../init";

export const stellarRouter = router({
  /** The organization's distribution account: address, balances, reserved amounts, recent transactions. Never the secret. */
  distributionAccount: requirePermission("organization:read").query(({ ctx }) => getDistributionAccountView(ctx.service)),
  /** Check that every registered destination of a disbursement exists and trusts its asset. */
  preflight: requirePermission("disbursements:read")
    .input(z.object({ id: z.uuid() }))
    .query(({ ctx, input }) => preflightDisbursement(ctx.service, input.id)),
});
