import { g2pSearchByTransactionHandler } from "@/server/services/g2p/get-g2p-status";

export const dynamic = "force-dynamic";

/** G2P Connect 2023-07 `GET /disburse/search/{transaction_id}/{summary_only}`: a transaction's status in that revision's body, signed by us. */
export const GET = g2pSearchByTransactionHandler;
