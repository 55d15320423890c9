import { listMessages, listMessagesInput } from "@/server/services/messaging/list-messages";
import { requirePermission, router } from "../init";

export const messagesRouter = router({
  list: requirePermission("disbursements:read").input(listMessagesInput).query(({ ctx, input }) => listMessages(ctx.service, input)),
});
