import { oauthTokenPost } from "@/server/adapters/g2p/oauth-token-endpoint";

export const dynamic = "force-dynamic";

/** G2P Connect AUTHZ-TOKN `POST /oauth2/client/token` at the root (docs/g2p-connect.md#authorization). */
export const POST = oauthTokenPost;
