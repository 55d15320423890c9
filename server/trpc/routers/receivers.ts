import { z } from "zod";
import { getReceiver } from "@/server/services/receivers/get-receiver";
import { listReceivers, listReceiversInput } from "@/server/services/receivers/list-receivers";
import { requirePermission, router } from "../init";

const read = requirePermission("disbursements:read");

export const receiversRouter = router({
  list: read.input(listReceiversInput).query(({ ctx, input }) => listReceivers(ctx.service, input)),
  get: read.input(z.object({ id: z.uuid() })).query(({ ctx, input }) => getReceiver(ctx.service, input.id)),
});
