import { restHandler } from "@/server/rest/handler";
import { sdpReceiver } from "@/server/rest/sdp-shape";
import { getReceiver } from "@/server/services/receivers/get-receiver";
import { loadReceiverWalletViews } from "@/server/services/receivers/receiver-wallet-views";

export const dynamic = "force-dynamic";

// SDP's receiver wallet keys (`receiver`, the full `wallet`, `invitation_sent_at`) merged into ours.
export const GET = restHandler("GET /receivers/{id}", async ({ ctx, id }) => {
  const receiver = await getReceiver(ctx, id);
  const sdp = new Map(((await loadReceiverWalletViews(ctx, [receiver.id])).get(receiver.id) ?? []).map((w) => [w.id, w]));
  return sdpReceiver({ ...receiver, wallets: receiver.wallets.map((w) => ({ ...w, ...sdp.get(w.id) })) });
});
