import { g2pPostHandler } from "@/server/adapters/g2p/receive-g2p-request";

export const dynamic = "force-dynamic";

/** Synchronous disburse: answers the on-disburse body directly. */
export const POST = g2pPostHandler("sync-disburse");
