import { z } from "zod";
import { API_SCOPES, normalizeScopes, type ApiScope } from "@/server/domain/api-scopes";

/**
 * Input schema and limits of API keys, shared by the service, router and the create dialog. The
 * allowed addresses' check needs node:net, so the service adds `allowed_ips` to these fields
 * (server/services/api-keys/create-api-key.ts); only its list limit is here.
 */

export const API_KEY_NAME_MAX = 120;
/** Addresses or CIDR blocks one key may list. */
export const MAX_ALLOWED_IPS = 50;

const scopeSchema = z.enum(API_SCOPES as unknown as [ApiScope, ...ApiScope[]], {
  error: (issue) =>
    `Unknown scope ${JSON.stringify(issue.input)}. Use read:<area> or write:<area> (areas: disbursements, payments, receivers, wallets, assets, organization, all).`,
});

export const createApiKeyFields = z.object({
  name: z.string().trim().min(1, "Enter a name.").max(API_KEY_NAME_MAX, `Use at most ${API_KEY_NAME_MAX} characters.`),
  scopes: z
    .array(scopeSchema)
    .min(1, "Choose at least one scope.")
    .transform((s) => normalizeScopes(s)),
  /** A date (`2027-01-01`, the start of that day in UTC) or an ISO date-time; empty for no expiry. */
  expires_at: z
    .union([z.iso.date(), z.iso.datetime({ offset: true }), z.date(), z.literal(""), z.null()])
    .optional()
    .transform((v, c) => {
      if (v === undefined || v === null || v === "") return null;
      const date = v instanceof Date ? v : new Date(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
      if (Number.isNaN(date.getTime()) || date.getTime() <= Date.now()) {
        c.addIssue({ code: "custom", message: "The expiry must be in the future." });
        return z.NEVER;
      }
      return date;
    }),
});

/** The raw list of allowed addresses, before the service normalizes each one. */
export const allowedIpsField = z.array(z.string()).max(MAX_ALLOWED_IPS, `Use at most ${MAX_ALLOWED_IPS} addresses.`).optional();

export const revokeApiKeyInput = z.object({ id: z.uuid("API key id must be a UUID.") });
