import { sep10SigningKeypair } from "./config";

/**
 * The invitation link for a wallet app with a deep_link_schema, as SDP builds it:
 * `<deep_link_schema>?asset=<CODE-ISSUER | native>&domain=<home domain>&name=<organization>&signature=<hex>`
 * where the signature is the SEP-10 signing key's ed25519 signature over the full link without the
 * `signature` parameter (UTF-8). The wallet fetches https://<domain>/.well-known/stellar.toml, checks
 * the signature against its SIGNING_KEY and runs SEP-10 + SEP-24 against this server.
 *
 * Query parameters already in the schema are kept. `registrationUrl` is returned unchanged when the
 * wallet has no deep link schema (the receiver then registers on our own page).
 */
export type WalletDeepLinkInput = {
  deepLinkSchema: string;
  homeDomain: string;
  orgName: string;
  assetCode: string;
  /** Empty or null for the native asset (XLM). */
  assetIssuer?: string | null;
  registrationUrl?: string;
};

export function buildWalletDeepLink(input: WalletDeepLinkInput): string {
  const schema = input.deepLinkSchema.trim();
  if (!schema) {
    if (input.registrationUrl) return input.registrationUrl;
    throw new Error("the wallet has no deep link schema");
  }
  const asset = input.assetIssuer ? `${input.assetCode}-${input.assetIssuer}` : "native";
  const params = new URLSearchParams({ asset, domain: input.homeDomain, name: input.orgName });
  const unsigned = `${schema}${schema.includes("?") ? "&" : "?"}${params.toString()}`;
  const signature = Buffer.from(sep10SigningKeypair().sign(Buffer.from(unsigned, "utf8"))).toString("hex");
  return `${unsigned}&signature=${signature}`;
}

/** Split a signed deep link into the signed text and the signature (for checks and tests). */
export function splitSignedDeepLink(link: string): { unsigned: string; signature: Buffer } | null {
  const match = /^(.*)&signature=([0-9a-f]+)$/.exec(link);
  return match ? { unsigned: match[1]!, signature: Buffer.from(match[2]!, "hex") } : null;
}

/**
 * The invitation link for a receiver wallet: the wallet's signed deep link when its
 * deep_link_schema points elsewhere, else our registration page (`registrationUrl`, /r/<token>) —
 * for an empty schema or one on this platform (e.g. the demo wallet's `<APP_URL>/register`).
 * Used by the invitation scheduler (it passes the organization's name and the
 * disbursement's asset).
 */
export function invitationLinkFor(input: {
  appUrl: string;
  registrationUrl: string;
  deepLinkSchema: string;
  homeDomain: string;
  orgName: string;
  assetCode: string;
  assetIssuer?: string | null;
}): string {
  const schema = input.deepLinkSchema.trim();
  const ownOrigin = new URL(input.appUrl).origin;
  let own = !schema;
  if (!own && /^https?:\/\//i.test(schema)) own = new URL(schema).origin === ownOrigin;
  if (own) return input.registrationUrl;
  return buildWalletDeepLink({ ...input, deepLinkSchema: schema });
}
