import { z } from "zod";
import { cancelPayment } from "@/server/services/payments/cancel-payment";
import { getPayment } from "@/server/services/payments/get-payment";
import { listPayments } from "@/server/services/payments/list-payments";
import { retryPayments } from "@/server/services/payments/retry-payments";
import { requirePermission, router } from "../init";
import { listPaymentsInput, retryPaymentsInput } from "@/server/schemas/payments.schema";

const read = requirePermission("disbursements:read");

export const paymentsRouter = router({
  list: read.input(listPaymentsInput).query(({ ctx, input }) => listPayments(ctx.service, input)),
  get: read.input(z.object({ id: z.uuid() })).query(({ ctx, input }) => getPayment(ctx.service, input.id)),
  cancel: requirePermission("payments:cancel")
    .input(z.object({ id: z.uuid() }))
    .mutation(({ ctx, input }) => cancelPayment(ctx.service, input.id)),
  retry: requirePermission("payments:retry")
    .input(retryPaymentsInput)
    .mutation(({ ctx, input }) => retryPayments(ctx.service, input)),
});
