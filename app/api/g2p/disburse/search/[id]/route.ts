import { g2pSearchByReferenceHandler } from "@/server/services/g2p/get-g2p-status";

export const dynamic = "force-dynamic";

/** G2P Connect 2023-07 `GET /disburse/search/{reference_id}`: one item's status in that revision's body, signed by us. */
export const GET = g2pSearchByReferenceHandler;
