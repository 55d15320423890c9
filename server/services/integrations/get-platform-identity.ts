import { eq } from "drizzle-orm";
import { organizations } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { INBOUND_CONTENT_ENCRYPTION, INBOUND_KEY_MANAGEMENT, platformEncryptionKey } from "../g2p/encryption";
import { platformSigningKey } from "../g2p/signature";
import { configFrom, type ConfigSource } from "@/server/config";

/** Where the G2P Connect interface is served, relative to the app's base URL. */
export const G2P_BASE_PATH = "/api/g2p";

export type G2pEndpoint = { method: "GET" | "POST"; path: string; purpose: string; callback: string | null };

/**
 * The interface a sender calls. Asynchronous requests answer ACK/NACK/ERR at once and report by
 * callback (to the request's sender_uri, else the sender's callback URL); the sync variants answer
 * with the callback's body directly.
 */
export const G2P_ENDPOINTS: readonly G2pEndpoint[] = [
  { method: "POST", path: "/disburse", purpose: "Send disbursement items of a transaction", callback: "/on-disburse" },
  { method: "POST", path: "/disburse/search", purpose: "Status by reference id or payer/payee address", callback: "/disburse/on-search" },
  {
    method: "POST",
    path: "/disburse/status",
    purpose:
      "2023-03 revision's status request (header.timestamp, message {transaction_id, reference_ids}): ACK, then /disburse/on-status in that revision's body; a v1.0.0 request (header.message_ts) is the older name of /disburse/search",
    callback: "/disburse/on-status",
  },
  { method: "POST", path: "/disburse/txn/status", purpose: "Status of a transaction or a list of reference ids", callback: "/disburse/txn/on-status" },
  {
    method: "GET",
    path: "/disburse/status/{transaction_id}/{summary_only}",
    purpose: "Status of a transaction (summary_only: true or false); the 2023-03 revision's body when the request sends its timestamp header",
    callback: null,
  },
  { method: "GET", path: "/disburse/status/{reference_id}", purpose: "Status of one item; the 2023-03 revision's body with the timestamp header", callback: null },
  { method: "GET", path: "/disburse/search/{transaction_id}/{summary_only}", purpose: "Status of a transaction in the 2023-07 revision's body", callback: null },
  { method: "GET", path: "/disburse/search/{reference_id}", purpose: "Status of one item in the 2023-07 revision's body", callback: null },
  { method: "POST", path: "/disburse/sync/disburse", purpose: "Synchronous /disburse: answers with the on-disburse body", callback: null },
  { method: "POST", path: "/disburse/sync/search", purpose: "Synchronous /disburse/search", callback: null },
  { method: "POST", path: "/disburse/sync/txn/status", purpose: "Synchronous /disburse/txn/status", callback: null },
  { method: "POST", path: "/disburse/cancel", purpose: "Cancel a transaction or some of its items before the schedule date (G2P Bridge)", callback: null },
  {
    method: "POST",
    path: "/oauth2/client/token",
    purpose: "OAuth2 client-credentials token for client credentials of a sender (form-urlencoded; answers a short-lived bearer JWT)",
    callback: null,
  },
];

/** The app's absolute base URL (APP_URL, as the launcher sets it; NEXTAUTH_URL as a fallback). */
export function appBaseUrl(env?: ConfigSource): string {
  const { APP_URL, NEXTAUTH_URL } = configFrom(env);
  return (APP_URL || NEXTAUTH_URL || "http://localhost:3000").replace(/\/+$/, "");
}

/**
 * What a sender needs to talk to this organization: the receiver id to put in `header.receiver_id`
 * (the organization's slug), the public key our callbacks are signed with, the public key senders
 * encrypt to, the endpoint URLs and how messages are signed (server/services/g2p/signature.ts).
 */
export async function getPlatformIdentity(ctx: OrgContext) {
  assertCan(ctx, "integrations:manage");
  const [org] = await ctx.db.select({ slug: organizations.slug, name: organizations.name }).from(organizations).where(eq(organizations.id, ctx.org.id));
  if (!org) throw notFound("The organization");
  const key = platformSigningKey();
  const encryptionKey = platformEncryptionKey();
  const baseUrl = `${appBaseUrl()}${G2P_BASE_PATH}`;
  return {
    receiver_id: org.slug,
    organization_name: org.name,
    public_key_pem: key.publicKeyPem,
    public_key_base64: key.publicKeyBase64,
    /** The public JWK senders encrypt to (docs/g2p-connect.md#encrypted-messages). */
    encryption_public_jwk: encryptionKey.publicJwk,
    encryption: {
      key_management: [...INBOUND_KEY_MANAGEMENT],
      content_encryption: [...INBOUND_CONTENT_ENCRYPTION],
      form: "header.is_msg_encrypted true; message is the spec's EncryptedMessage (a flattened JWE: header {alg, enc, kid}, encrypted_key, iv, ciphertext, tag); the signature covers the encrypted message as sent",
    },
    base_url: baseUrl,
    endpoints: G2P_ENDPOINTS.map((e) => ({ ...e, url: `${baseUrl}${e.path}` })),
    authentication:
      "An API key of this organization (Authorization: Bearer sdp_…), or an access token from POST /oauth2/client/token for a sender's OAuth2 client credentials (Authorization: Bearer <JWT>).",
    signature: {
      algorithm: "ed25519",
      format:
        'Signature keyId="<sender_id>|<key id>|ed25519",algorithm="ed25519",created="<unix s>",expires="<unix s>",headers="(created) (expires) digest",signature="<base64>"',
      signing_string: "(created): <created>\n(expires): <expires>\ndigest: BLAKE-512=<base64 digest>",
      digest: 'BLAKE2b-512 of the canonical JSON of {"header": …, "message": …} (keys sorted at every level, no white space), in base64',
    },
  };
}
