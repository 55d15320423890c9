import { createPrivateKey, createPublicKey, X509Certificate } from "node:crypto";
import { and, eq, inArray, isNull } from "drizzle-orm";
import type { z } from "zod";
import { assets } from "@/db/schema";
import type { RailType } from "@/server/domain/rails";
import { isAllowListed, literalHostProblem, outboundAllowList, type AllowList } from "@/server/net/address-policy";
import { currencyMappingField } from "@/server/schemas/connections.schema";
import type { OrgContext } from "../context";
import { badRequest, ServiceError } from "../errors";

/**
 * The checks of a connection's input that need the server: endpoint URLs against the outbound
 * address policy (OUTBOUND_ALLOW_HOSTS), and the currency mapping against the organization's
 * assets. Shape checks are in server/schemas/connections.schema.ts.
 */

/** Parse with a schema; issues become one 400 naming every field by its dotted path (settings.baseUrl). */
export function parseInput<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const extras: Record<string, string> = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join(".") || "input";
    extras[key] ??= issue.message;
  }
  const first = result.error.issues[0];
  throw badRequest(first ? `${first.path.length ? `${first.path.map(String).join(".")}: ` : ""}${first.message}` : "Some fields are not valid.", extras);
}

/**
 * A connection URL (the bank's API, a Horizon override) is user-configured: https to a public host;
 * plain http or a loopback/private literal only for hosts the operator lists in OUTBOUND_ALLOW_HOSTS.
 * Names are resolved and checked again at each call (server/net/guarded-fetch.ts).
 */
export function endpointUrlProblem(raw: string, allow: AllowList = outboundAllowList()): string | null {
  const url = new URL(raw);
  const problem = literalHostProblem(url, allow);
  if (problem) return `This address is not allowed: ${problem}. Connections reach only public addresses (an operator can allow a host with OUTBOUND_ALLOW_HOSTS).`;
  if (url.protocol === "http:" && !isAllowListed(url, allow)) return "Use https: plain http is accepted only for hosts listed in OUTBOUND_ALLOW_HOSTS.";
  return null;
}

/** The URL settings of each rail, by settings key. */
const URL_SETTINGS: Record<RailType, string[]> = { STELLAR: ["horizonUrl"], BANK: ["baseUrl"], MOJALOOP: ["baseUrl"] };

export function assertEndpointUrls(railType: RailType, settings: Record<string, unknown>) {
  for (const key of URL_SETTINGS[railType]) {
    const value = settings[key];
    if (typeof value !== "string") continue;
    const problem = endpointUrlProblem(value);
    if (problem) throw badRequest(problem, { [`settings.${key}`]: problem });
  }
}

/**
 * Every mapped asset must be the organization's and of the rail's kind (FIAT for banks, STELLAR for
 * Stellar); a bank's currency is its ISO 4217 code. Returns the mapping as stored.
 */
export async function checkCurrencyMapping(ctx: OrgContext, railType: RailType, mapping: z.output<typeof currencyMappingField>) {
  if (mapping.length === 0) return [];
  const ids = mapping.map((m) => m.asset_id);
  const rows = await ctx.db
    .select({ id: assets.id, kind: assets.kind, code: assets.code })
    .from(assets)
    .where(and(eq(assets.orgId, ctx.org.id), inArray(assets.id, ids), isNull(assets.deletedAt)));
  const byId = new Map(rows.map((r) => [r.id, r]));
  // Banks and Mojaloop switches pay fiat currencies, named by their ISO 4217 code.
  const fiat = railType !== "STELLAR";
  const wanted = fiat ? "FIAT" : "STELLAR";
  return mapping.map((m, i) => {
    const asset = byId.get(m.asset_id);
    const field = `currency_mapping.${i}.asset_id`;
    if (!asset) throw badRequest("Unknown asset in the currency mapping.", { [field]: "Choose one of this organization's assets." });
    if (asset.kind !== wanted) {
      const message = fiat
        ? `${asset.code} is a Stellar asset: a ${railType === "BANK" ? "bank" : "Mojaloop"} connection pays fiat currencies (add the currency under Wallets & assets).`
        : `${asset.code} is a fiat currency: a Stellar connection pays Stellar assets.`;
      throw badRequest(message, { [field]: message });
    }
    let railCurrency = m.rail_currency;
    if (fiat) {
      railCurrency = railCurrency.toUpperCase();
      if (!/^[A-Z]{3}$/.test(railCurrency)) {
        const message = `A ${railType === "BANK" ? "bank" : "Mojaloop switch"} names currencies by their three-letter ISO 4217 code, such as KES.`;
        throw badRequest(message, { [`currency_mapping.${i}.rail_currency`]: message });
      }
    }
    return { assetId: m.asset_id, railCurrency };
  });
}

/**
 * Keys a connection's credentials hold as PEM (a Mojaloop connection's JWS keys), parsed here so a
 * mistyped key is refused when it is saved rather than when the first payment is signed. The schema
 * checked their shape (server/schemas/connections.schema.ts); this reads them as keys.
 */
export function assertPemCredentials(railType: RailType, credentials: Record<string, string> | null) {
  if (railType !== "MOJALOOP" || !credentials) return;
  const refuse = (key: string, message: string) => {
    throw badRequest(`credentials.${key}: ${message}`, { [`credentials.${key}`]: message });
  };
  if (credentials.jwsSigningKey) {
    try {
      const key = createPrivateKey({ key: credentials.jwsSigningKey, format: "pem" });
      if (key.asymmetricKeyType !== "rsa")
        refuse("jwsSigningKey", `This is an ${key.asymmetricKeyType?.toUpperCase() ?? "unknown"} key: FSPIOP signatures (RS256) need an RSA private key.`);
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      refuse("jwsSigningKey", "This PEM could not be read as a private key (it may be damaged or encrypted with a passphrase): paste the unencrypted RSA private key.");
    }
  }
  if (credentials.switchCertificate) {
    const pem = credentials.switchCertificate;
    try {
      const key = pem.includes("CERTIFICATE") ? new X509Certificate(pem).publicKey : createPublicKey({ key: pem, format: "pem" });
      if (key.asymmetricKeyType !== "rsa")
        refuse("switchCertificate", `This holds an ${key.asymmetricKeyType?.toUpperCase() ?? "unknown"} key: the switch signs with RS256, an RSA key.`);
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      refuse(
        "switchCertificate",
        "This PEM could not be read as a public key or certificate (it may be damaged): paste the switch's public key or certificate as the scheme issued it.",
      );
    }
  }
}
