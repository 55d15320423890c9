import { g2pStatusByTransactionHandler } from "@/server/services/g2p/get-g2p-status";

export const dynamic = "force-dynamic";

/** G2P Connect `GET /disburse/status/{transaction_id}/{summary_only}`: a transaction's status, signed by us. */
export const GET = g2pStatusByTransactionHandler;
