import { g2pPostHandler } from "@/server/adapters/g2p/receive-g2p-request";

export const dynamic = "force-dynamic";

/** The seed's older name for `/disburse/search`; its callback goes to `/disburse/on-status`. */
export const POST = g2pPostHandler("status-alias");
