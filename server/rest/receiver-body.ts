import type { OrgContext } from "@/server/services/context";
import { getReceiver } from "@/server/services/receivers/get-receiver";
import { loadReceiverWalletViews } from "@/server/services/receivers/receiver-wallet-views";
import { sdpReceiver } from "./sdp-shape";

/**
 * A receiver as GET /receivers/{id} answers it: SDP's receiver wallet keys (`receiver`, the full
 * `wallet`, `invitation_sent_at`) merged into ours. POST and PATCH /receivers answer the same body.
 */
export async function receiverBody(ctx: OrgContext, id: string) {
  const receiver = await getReceiver(ctx, id);
  const sdp = new Map(((await loadReceiverWalletViews(ctx, [receiver.id])).get(receiver.id) ?? []).map((w) => [w.id, w]));
  return sdpReceiver({ ...receiver, wallets: receiver.wallets.map((w) => ({ ...w, ...sdp.get(w.id) })) });
}
