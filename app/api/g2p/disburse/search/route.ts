import { g2pPostHandler } from "@/server/adapters/g2p/receive-g2p-request";

export const dynamic = "force-dynamic";

/** G2P Connect `POST /disburse/search`: ACK now, the on-search callback follows. */
export const POST = g2pPostHandler("search");
