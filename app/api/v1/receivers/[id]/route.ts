import { restHandler } from "@/server/rest/handler";
import { receiverBody } from "@/server/rest/receiver-body";
import { readJsonObject } from "@/server/rest/request";
import { updateReceiver } from "@/server/services/receivers/update-receiver";
import type { UpdateReceiverInput } from "@/server/schemas/receivers.schema";

export const dynamic = "force-dynamic";

// SDP's receiver wallet keys (`receiver`, the full `wallet`, `invitation_sent_at`) merged into ours.
export const GET = restHandler("GET /receivers/{id}", async ({ ctx, id }) => receiverBody(ctx, id));

// SDP's PATCH /receivers/{id}: 200 with the receiver (as GET answers it).
export const PATCH = restHandler("PATCH /receivers/{id}", async ({ ctx, id, request }) => {
  await updateReceiver(ctx, { ...((await readJsonObject(request)) as Omit<UpdateReceiverInput, "id">), id });
  return receiverBody(ctx, id);
});
