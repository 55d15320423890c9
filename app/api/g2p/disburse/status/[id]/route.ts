import { g2pStatusByReferenceHandler } from "@/server/services/g2p/get-g2p-status";

export const dynamic = "force-dynamic";

/** G2P Connect `GET /disburse/status/{reference_id}`: one item's status, signed by us. */
export const GET = g2pStatusByReferenceHandler;
