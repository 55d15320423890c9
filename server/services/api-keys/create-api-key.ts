import { createHmac, randomBytes, randomInt } from "node:crypto";
import { BlockList, isIP } from "node:net";
import { z } from "zod";
import { apiKeys } from "@/db/schema";
import { grantableScopes } from "@/server/domain/api-scopes";
import { allowedIpsField, createApiKeyFields } from "@/server/schemas/api-keys.schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { subkey } from "../crypto/keys";
import { badRequest } from "../errors";
import { apiKeyView } from "./list-api-keys";

/**
 * Key format: `sdp_<prefix>_<secret>`. The prefix (10 base62 characters) finds the row and is shown
 * in the list; the secret (32 random bytes, base64url) is shown once and stored only as a salted
 * HMAC-SHA256 (keyed with a subkey of ENCRYPTION_KEY, salt per key, in the hash string). A slow
 * hash is unnecessary for 256 random bits and would cost every API request tens of milliseconds.
 */
export const API_KEY_PATTERN = /^sdp_([0-9A-Za-z]{10})_([A-Za-z0-9_-]{43})$/;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomPrefix(): string {
  let out = "";
  for (let i = 0; i < 10; i++) out += BASE62[randomInt(BASE62.length)];
  return out;
}

/** `hmac-sha256$<salt>$<digest>`, both base64url. */
export function hashApiKeySecret(secret: string, salt: string = randomBytes(16).toString("base64url")): string {
  const digest = createHmac("sha256", subkey("api-keys")).update(`${salt}$${secret}`, "utf8").digest("base64url");
  return `hmac-sha256$${salt}$${digest}`;
}

/** An IPv4/IPv6 address or CIDR block, normalized; null when it is neither. */
export function normalizeIpRule(value: string): string | null {
  const trimmed = value.trim();
  const [address, bits, ...rest] = trimmed.split("/");
  if (!address || rest.length > 0) return null;
  const family = isIP(address);
  if (family === 0) return null;
  if (bits === undefined) return address.toLowerCase();
  if (!/^\d{1,3}$/.test(bits)) return null;
  const prefix = Number(bits);
  if (prefix > (family === 4 ? 32 : 128)) return null;
  try {
    new BlockList().addSubnet(address, prefix, family === 4 ? "ipv4" : "ipv6");
  } catch {
    return null;
  }
  return `${address.toLowerCase()}/${prefix}`;
}

/** The shared fields (server/schemas/api-keys.schema.ts) plus the address check, which needs node:net. */
export const createApiKeyInput = createApiKeyFields.extend({
  /** Addresses or CIDR blocks the key may be used from; empty means anywhere. */
  allowed_ips: allowedIpsField.transform((list, c) => {
    const out: string[] = [];
    for (const raw of list ?? []) {
      if (raw.trim() === "") continue;
      const rule = normalizeIpRule(raw);
      if (!rule) {
        c.addIssue({ code: "custom", message: `"${raw.trim()}" is not an IP address or CIDR block.` });
        return z.NEVER;
      }
      if (!out.includes(rule)) out.push(rule);
    }
    return out;
  }),
});

export type CreateApiKeyInput = z.input<typeof createApiKeyInput>;

/**
 * Create an API key; the full key is in the answer and never again. A member may grant only scopes
 * whose permissions their own role holds (server/domain/api-scopes.ts `grantableScopes`), so the
 * key cannot do more than its creator. The key acts as its creator (`created_by`).
 */
export async function createApiKey(ctx: OrgContext, raw: CreateApiKeyInput) {
  assertCan(ctx, "api_keys:manage");
  const input = createApiKeyInput.parse(raw);
  const allowed = grantableScopes(ctx.role);
  const refused = input.scopes.filter((s) => !allowed.includes(s));
  if (refused.length > 0) {
    throw badRequest("Your role cannot grant some of these scopes.", {
      scopes: `Your role cannot grant ${refused.join(", ")}. You may grant: ${allowed.join(", ") || "none"}.`,
    });
  }
  const secret = randomBytes(32).toString("base64url");
  return ctx.db.transaction(async (tx) => {
    // A prefix collision (62^10 space) is astronomically unlikely; retry a few times anyway.
    for (let attempt = 0; attempt < 5; attempt++) {
      const prefix = randomPrefix();
      const [row] = await tx
        .insert(apiKeys)
        .values({
          orgId: ctx.org.id,
          name: input.name,
          prefix,
          secretHash: hashApiKeySecret(secret),
          scopes: input.scopes,
          allowedIps: input.allowed_ips,
          expiresAt: input.expires_at,
          createdBy: ctx.actor.userId,
        })
        .onConflictDoNothing()
        .returning();
      if (!row) continue;
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "api_key.created",
        targetId: row.id,
        details: { name: row.name, prefix, scopes: row.scopes, expires_at: row.expiresAt?.toISOString() ?? null, allowed_ips: row.allowedIps },
      });
      return { ...apiKeyView(row, null), key: `sdp_${prefix}_${secret}` };
    }
    throw new Error("could not allocate a unique API key prefix");
  });
}
