import { g2pPostHandler } from "@/server/adapters/g2p/receive-g2p-request";

export const dynamic = "force-dynamic";

/** Extension (G2P Bridge cancel_disbursement), synchronous: answers the on-cancel body. */
export const POST = g2pPostHandler("cancel");
