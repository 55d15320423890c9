import { createG2pOauthClient, createG2pOauthClientInput } from "@/server/services/integrations/create-g2p-oauth-client";
import { createG2pSender, createG2pSenderInput } from "@/server/services/integrations/create-g2p-sender";
import { getG2pMessage } from "@/server/services/integrations/get-g2p-message";
import { getPlatformIdentity } from "@/server/services/integrations/get-platform-identity";
import { listG2pOauthClients } from "@/server/services/integrations/list-g2p-oauth-clients";
import { listG2pMessages } from "@/server/services/integrations/list-g2p-messages";
import { listG2pSenders } from "@/server/services/integrations/list-g2p-senders";
import { revokeG2pOauthClient, revokeG2pOauthClientInput } from "@/server/services/integrations/revoke-g2p-oauth-client";
import { retryG2pCallback } from "@/server/services/integrations/retry-g2p-callback";
import { setG2pSenderEnabled } from "@/server/services/integrations/set-g2p-sender-enabled";
import { updateG2pSender, updateG2pSenderInput } from "@/server/services/integrations/update-g2p-sender";
import { requirePermission, router } from "../init";
import { getG2pMessageInput, listG2pMessagesInput, retryG2pCallbackInput, setG2pSenderEnabledInput } from "@/server/schemas/integrations.schema";

const manage = requirePermission("integrations:manage");

/** The Integrations page: G2P Connect senders, this platform's identity, the message log. */
export const integrationsRouter = router({
  identity: manage.query(({ ctx }) => getPlatformIdentity(ctx.service)),
  senders: manage.query(({ ctx }) => listG2pSenders(ctx.service)),
  createSender: manage.input(createG2pSenderInput).mutation(({ ctx, input }) => createG2pSender(ctx.service, input)),
  updateSender: manage.input(updateG2pSenderInput).mutation(({ ctx, input }) => updateG2pSender(ctx.service, input)),
  setSenderEnabled: manage.input(setG2pSenderEnabledInput).mutation(({ ctx, input }) => setG2pSenderEnabled(ctx.service, input)),
  messages: manage.input(listG2pMessagesInput).query(({ ctx, input }) => listG2pMessages(ctx.service, input)),
  message: manage.input(getG2pMessageInput).query(({ ctx, input }) => getG2pMessage(ctx.service, input)),
  retryCallback: manage.input(retryG2pCallbackInput).mutation(({ ctx, input }) => retryG2pCallback(ctx.service, input)),
  oauthClients: manage.query(({ ctx }) => listG2pOauthClients(ctx.service)),
  createOauthClient: manage.input(createG2pOauthClientInput).mutation(({ ctx, input }) => createG2pOauthClient(ctx.service, input)),
  revokeOauthClient: manage.input(revokeG2pOauthClientInput).mutation(({ ctx, input }) => revokeG2pOauthClient(ctx.service, input)),
});
