import { z } from "zod";
import { resendInvitation } from "@/server/services/messaging/send-receiver-invitations";
import { createReceiver } from "@/server/services/receivers/create-receiver";
import { getReceiver } from "@/server/services/receivers/get-receiver";
import { issueRegistrationLink } from "@/server/services/receivers/issue-registration-link";
import { listReceivers } from "@/server/services/receivers/list-receivers";
import { setReceiverVerification } from "@/server/services/receivers/set-receiver-verification";
import { unlockReceiver } from "@/server/services/receivers/unlock-receiver";
import { unregisterReceiverWallet } from "@/server/services/receivers/unregister-receiver-wallet";
import { updateReceiver } from "@/server/services/receivers/update-receiver";
import { updateReceiverContact } from "@/server/services/receivers/update-receiver-contact";
import { requirePermission, router } from "../init";
import {
  createReceiverInput,
  issueRegistrationLinkInput,
  listReceiversInput,
  resendInvitationInput,
  setReceiverVerificationInput,
  unlockReceiverInput,
  unregisterReceiverWalletInput,
  updateReceiverContactInput,
  updateReceiverInput,
} from "@/server/schemas/receivers.schema";

const read = requirePermission("disbursements:read");
const write = requirePermission("receivers:write");

export const receiversRouter = router({
  list: read.input(listReceiversInput).query(({ ctx, input }) => listReceivers(ctx.service, input)),
  get: read.input(z.object({ id: z.uuid() })).query(({ ctx, input }) => getReceiver(ctx.service, input.id)),
  resendInvitation: requirePermission("receivers:write")
    .input(resendInvitationInput)
    .mutation(({ ctx, input }) => resendInvitation(ctx.service, input)),
  updateContact: write.input(updateReceiverContactInput).mutation(({ ctx, input }) => updateReceiverContact(ctx.service, input)),
  unregisterWallet: write.input(unregisterReceiverWalletInput).mutation(({ ctx, input }) => unregisterReceiverWallet(ctx.service, input)),
  // A registration link is a receiver's secret (docs/security.md): owners and financial controllers only.
  issueRegistrationLink: requirePermission("receivers:secrets")
    .input(issueRegistrationLinkInput)
    .mutation(({ ctx, input }) => issueRegistrationLink(ctx.service, input)),
  unlock: write.input(unlockReceiverInput).mutation(({ ctx, input }) => unlockReceiver(ctx.service, input)),
  setVerification: write.input(setReceiverVerificationInput).mutation(({ ctx, input }) => setReceiverVerification(ctx.service, input)),
  // SDP's POST /receivers and PATCH /receivers/{id} (same bodies, same refusals keyed by SDP's field names).
  create: write.input(createReceiverInput).mutation(({ ctx, input }) => createReceiver(ctx.service, input)),
  update: write.input(updateReceiverInput).mutation(({ ctx, input }) => updateReceiver(ctx.service, input)),
});
