import { g2pStatusPostHandler } from "@/server/adapters/g2p/receive-status-request";

export const dynamic = "force-dynamic";

/**
 * `POST /disburse/status`: the 2023-03 revision's status request (a header with `timestamp`, not
 * `message_ts`; callback `/disburse/on-status` in that revision's body), else the seed's older name
 * for `/disburse/search` (v1.0.0 bodies; its callback goes to `/disburse/on-status`).
 */
export const POST = g2pStatusPostHandler;
