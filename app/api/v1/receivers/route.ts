import { restHandler } from "@/server/rest/handler";
import { receiverBody } from "@/server/rest/receiver-body";
import { queryObject, readJsonObject } from "@/server/rest/request";
import { sdpList, sdpReceiver } from "@/server/rest/sdp-shape";
import { createReceiver } from "@/server/services/receivers/create-receiver";
import { listReceivers } from "@/server/services/receivers/list-receivers";
import { loadReceiverWalletViews } from "@/server/services/receivers/receiver-wallet-views";
import type { CreateReceiverInput } from "@/server/schemas/receivers.schema";

export const dynamic = "force-dynamic";

// SDP's list item carries the receiver's wallets (one batched read for the page) in place of our
// wallet count, which stays as `wallets_count`.
export const GET = restHandler("GET /receivers", async ({ ctx, url }) => {
  const page = await listReceivers(ctx, queryObject(url) as Parameters<typeof listReceivers>[1]);
  const wallets = await loadReceiverWalletViews(
    ctx,
    page.data.map((r) => r.id),
  );
  return sdpList({ ...page, data: page.data.map(({ wallets: count, ...r }) => ({ ...r, wallets_count: count, wallets: wallets.get(r.id) ?? [] })) }, sdpReceiver);
});

// SDP's POST /receivers: 201 with the new receiver, its wallets and verifications (as GET /receivers/{id}).
export const POST = restHandler("POST /receivers", async ({ ctx, request }) => {
  const { id } = await createReceiver(ctx, (await readJsonObject(request)) as CreateReceiverInput);
  return receiverBody(ctx, id);
});
