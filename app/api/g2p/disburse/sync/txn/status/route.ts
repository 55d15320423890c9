import { g2pPostHandler } from "@/server/adapters/g2p/receive-g2p-request";

export const dynamic = "force-dynamic";

/** Synchronous transaction status: answers the on-status body directly. */
export const POST = g2pPostHandler("sync-txn-status");
