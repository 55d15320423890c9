import { listMessages } from "@/server/services/messaging/list-messages";
import { requirePermission, router } from "../init";
import { listMessagesInput } from "@/server/schemas/messages.schema";

export const messagesRouter = router({
  list: requirePermission("disbursements:read")
    .input(listMessagesInput)
    .query(({ ctx, input }) => listMessages(ctx.service, input)),
});
