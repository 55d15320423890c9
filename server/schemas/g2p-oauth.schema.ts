import { z } from "zod";

/**
 * Inputs of the G2P OAuth2 client credentials (docs/g2p-connect.md#authorization), shared by the
 * services, the router and the Integrations page (no server imports).
 */

/** The scopes the G2P endpoints check: what an API key for G2P carries. `write` covers `read`. */
export const G2P_OAUTH_SCOPES = ["read:disbursements", "write:disbursements"] as const;
export type G2pOauthScope = (typeof G2P_OAUTH_SCOPES)[number];

export const G2P_OAUTH_SCOPE_LABELS: Record<G2pOauthScope, string> = {
  "read:disbursements": "Status queries and search (read:disbursements)",
  "write:disbursements": "Disburse and cancel, and the status queries (write:disbursements)",
};

export const OAUTH_CLIENT_NAME_MAX = 120;

export const createG2pOauthClientInput = z.object({
  sender_row_id: z.uuid("Choose the sender these credentials belong to."),
  name: z.string().trim().min(1, "Enter a name.").max(OAUTH_CLIENT_NAME_MAX, `Use at most ${OAUTH_CLIENT_NAME_MAX} characters.`),
  scopes: z
    .array(z.enum(G2P_OAUTH_SCOPES, "Unknown scope: use read:disbursements or write:disbursements."))
    .min(1, "Choose at least one scope.")
    .transform((list) => [...new Set(list)]),
});

export const revokeG2pOauthClientInput = z.object({ id: z.uuid("Client credentials id must be a UUID.") });
