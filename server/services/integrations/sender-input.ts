import { and, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import { assets, walletAssets, wallets } from "@/db/schema";
import { CALLBACK_URL_MAX, ENCRYPTION_KEY_MAX, PUBLIC_KEY_MAX, SENDER_ID_PATTERN, senderIdField, senderNameField } from "@/server/schemas/integrations.schema";
import { isAllowListed, literalHostProblem, outboundAllowList, type AllowList } from "@/server/net/address-policy";
import type { OrgContext } from "../context";
import { badRequest } from "../errors";
import { normalizeSenderEncryptionKey } from "../g2p/encryption";
import { normalizeEd25519PublicKey } from "../g2p/signature";

/**
 * What a G2P sender registration holds, shared by create and update. Values are normalized here
 * (callback URL without a trailing slash, public key as PEM), so parsing twice (router, then
 * service) gives the same result.
 */

export { SENDER_ID_PATTERN };

export type CallbackUrlCheck = { ok: true; url: string } | { ok: false; message: string };

/**
 * The rule for callback URLs: http(s), no credentials, query or fragment (endpoint paths such as
 * `/on-disburse` are appended to it). The host must not be a literal loopback, private, link-local
 * or other non-public address (or `localhost`) unless OUTBOUND_ALLOW_HOSTS lists it; names are
 * resolved and checked at each delivery (server/net/guarded-fetch.ts). Callbacks carry payees'
 * addresses and amounts, so a production installation requires https, except to an allow-listed
 * host (the same rule the guarded client applies); development and test installations accept
 * plain http anywhere.
 */
export function checkCallbackUrl(raw: string, production: boolean, allow: AllowList = outboundAllowList()): CallbackUrlCheck {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return { ok: false, message: "Enter an absolute URL such as https://sender.example.org/g2p." };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return { ok: false, message: "The callback URL must start with https:// (or http://)." };
  if (url.username || url.password) return { ok: false, message: "The callback URL must not contain a user name or password." };
  if (url.search || url.hash || raw.includes("?") || raw.includes("#")) {
    return { ok: false, message: "The callback URL must not have a query (?) or fragment (#): endpoint paths are appended to it." };
  }
  const problem = literalHostProblem(url, allow);
  if (problem) {
    return {
      ok: false,
      message: `This destination address is not allowed: ${problem}. Callbacks go only to public addresses (an operator can allow a host with OUTBOUND_ALLOW_HOSTS).`,
    };
  }
  if (production && url.protocol === "http:" && !isAllowListed(url, allow)) {
    return { ok: false, message: "Use https: on a production installation plain http is accepted only for hosts listed in OUTBOUND_ALLOW_HOSTS." };
  }
  return { ok: true, url: `${url.origin}${url.pathname.replace(/\/+$/, "")}` };
}

// NODE_ENV stays a process.env read: Next.js sets it and inlines it at build time.
const isProduction = () => process.env.NODE_ENV === "production";

const senderFields = {
  name: senderNameField,
  callback_url: z
    .string()
    .trim()
    .min(1, "Enter the callback URL.")
    .max(CALLBACK_URL_MAX, `Use at most ${CALLBACK_URL_MAX} characters.`)
    .transform((value, c) => {
      const check = checkCallbackUrl(value, isProduction());
      if (!check.ok) {
        c.addIssue({ code: "custom", message: check.message });
        return z.NEVER;
      }
      return check.url;
    }),
  public_key: z
    .string()
    .trim()
    .min(1, "Paste the sender's Ed25519 public key.")
    .max(PUBLIC_KEY_MAX, "That is too long for an Ed25519 public key.")
    .transform((value, c) => {
      try {
        return normalizeEd25519PublicKey(value);
      } catch (error) {
        c.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * The sender's public encryption key (JWK JSON; docs/g2p-connect.md#encrypted-messages), stored
   * as the checked public JWK. Empty or null: none (we never encrypt to it). Absent on an update: kept.
   */
  encryption_public_key: z
    .union([z.string().trim().max(ENCRYPTION_KEY_MAX, `Use at most ${ENCRYPTION_KEY_MAX} characters: that is too long for a public JWK.`), z.null()])
    .optional()
    .transform((value, c) => {
      if (value === undefined) return undefined;
      if (value === null || value === "") return null;
      try {
        return normalizeSenderEncryptionKey(value);
      } catch (error) {
        c.addIssue({ code: "custom", message: (error as Error).message });
        return z.NEVER;
      }
    }),
  wallet_id: z.uuid({ error: "Choose a wallet." }),
  default_asset_id: z
    .union([z.uuid({ error: "Choose an asset." }), z.literal(""), z.null()])
    .optional()
    .transform((v) => v || null),
};

export const createG2pSenderInput = z.object({
  sender_id: senderIdField,
  ...senderFields,
});

/** sender_id is not here: it is what the sender's messages name, so it never changes. */
export const updateG2pSenderInput = z.object({ id: z.uuid(), ...senderFields });

/**
 * The wallet (and default asset) must be this organization's. `requireEnabled` is false when an
 * update keeps the stored choice, so disabling a wallet does not block renaming its senders.
 */
export async function assertSenderReferences(
  ctx: OrgContext,
  input: { wallet_id: string; default_asset_id: string | null },
  requireEnabled: { wallet: boolean; asset: boolean } = { wallet: true, asset: true },
) {
  const [wallet] = await ctx.db
    .select({ id: wallets.id, enabled: wallets.enabled })
    .from(wallets)
    .where(and(eq(wallets.id, input.wallet_id), eq(wallets.orgId, ctx.org.id), isNull(wallets.deletedAt)));
  if (!wallet) throw badRequest("Unknown wallet", { wallet_id: "Choose one of this organization's wallets." });
  if (requireEnabled.wallet && !wallet.enabled) {
    throw badRequest("That wallet is disabled.", { wallet_id: "This wallet is disabled: enable it under Wallets & assets, or choose another." }, "RESOURCE_DISABLED");
  }
  if (!input.default_asset_id) return;
  const [asset] = await ctx.db
    .select({ id: assets.id, enabled: assets.enabled, supported: walletAssets.assetId })
    .from(assets)
    .leftJoin(walletAssets, and(eq(walletAssets.assetId, assets.id), eq(walletAssets.walletId, wallet.id)))
    .where(and(eq(assets.id, input.default_asset_id), eq(assets.orgId, ctx.org.id), isNull(assets.deletedAt)));
  if (!asset) throw badRequest("Unknown asset", { default_asset_id: "Choose one of this organization's assets." });
  if (!asset.supported) throw badRequest("The wallet does not support that asset.", { default_asset_id: "The chosen wallet does not support this asset." });
  if (requireEnabled.asset && !asset.enabled)
    throw badRequest("That asset is disabled.", { default_asset_id: "This asset is disabled: enable it, or choose another." }, "RESOURCE_DISABLED");
}
