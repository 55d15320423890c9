import { oauthTokenPost } from "@/server/adapters/g2p/oauth-token-endpoint";

export const dynamic = "force-dynamic";

/** G2P Connect AUTHZ-TOKN `POST /oauth2/client/token` under the G2P base path (the spec's authz API shares the disburse API's server). */
export const POST = oauthTokenPost;
