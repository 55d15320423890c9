import { g2pPostHandler } from "@/server/adapters/g2p/receive-g2p-request";

export const dynamic = "force-dynamic";

/** Synchronous search: answers the on-search body directly. */
export const POST = g2pPostHandler("sync-search");
