import { and, asc, eq, isNull } from "drizzle-orm";
import type { DbOrTx } from "@/db/client";
import { assets, organizations, stellarAccounts } from "@/db/schema";
import { stellarConfig } from "@/server/stellar/network";
import { sepConfig, type SepConfig } from "./config";
import { config } from "@/server/config";

/** Quote a TOML basic string. */
function q(value: string): string {
  return `"${value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/[\u0000-\u001f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}"`;
}

/** The enabled, live (not soft-deleted) assets of all organizations, each code+issuer once (XLM is native: no issuer). */
export async function listSepAssets(db: DbOrTx): Promise<{ code: string; issuer: string }[]> {
  const rows = await db
    .selectDistinct({ code: assets.code, issuer: assets.issuer })
    .from(assets)
    .where(and(eq(assets.enabled, true), isNull(assets.deletedAt), eq(assets.kind, "STELLAR")))
    .orderBy(asc(assets.code), asc(assets.issuer));
  return rows;
}

/** The organization name shown to wallets: SEP_ORG_NAME, else the single organization's name. */
async function orgName(db: DbOrTx): Promise<string> {
  const { SEP_ORG_NAME } = config();
  if (SEP_ORG_NAME) return SEP_ORG_NAME;
  const orgs = await db.select({ name: organizations.name }).from(organizations).orderBy(asc(organizations.createdAt)).limit(2);
  return orgs.length === 1 ? orgs[0]!.name : "Disbursement Platform";
}

/**
 * One [[CURRENCIES]] entry with what SEP-1 (and the SDF anchor test suite) requires of each: code,
 * status, is_asset_anchored, anchor_asset_type and desc. The platform knows an issued asset by code and
 * issuer only; like SDP it lists organizations' issued assets as fiat-anchored tokens, and XLM (no
 * issuer, code "native") as the crypto asset it is.
 */
export function currencyLines(asset: { code: string; issuer: string }): string[] {
  if (!asset.issuer) {
    return [
      "[[CURRENCIES]]",
      `code = "native"`,
      `status = "live"`,
      `is_asset_anchored = true`,
      `anchor_asset_type = "crypto"`,
      `anchor_asset = "XLM"`,
      `desc = "XLM, the native asset of the Stellar network."`,
    ];
  }
  return [
    "[[CURRENCIES]]",
    `code = ${q(asset.code)}`,
    `issuer = ${q(asset.issuer)}`,
    `status = "live"`,
    `is_asset_anchored = true`,
    `anchor_asset_type = "fiat"`,
    `desc = ${q(`${asset.code}, paid to receivers by the organizations of this platform.`)}`,
  ];
}

/** SEP-1 stellar.toml: network, SEP-10 signing key and endpoints, SEP-24 server, accounts, currencies. */
export async function buildStellarToml(db: DbOrTx, config: SepConfig = sepConfig()): Promise<string> {
  const network = stellarConfig().network;
  const distribution = await db
    .select({ publicKey: stellarAccounts.publicKey })
    .from(stellarAccounts)
    .where(and(eq(stellarAccounts.kind, "distribution"), eq(stellarAccounts.network, network)))
    .orderBy(asc(stellarAccounts.publicKey));
  const accounts = [config.signingKeypair.publicKey(), ...distribution.map((a) => a.publicKey)];
  const lines = [
    `NETWORK_PASSPHRASE = ${q(config.networkPassphrase)}`,
    `SIGNING_KEY = ${q(config.signingKeypair.publicKey())}`,
    `WEB_AUTH_ENDPOINT = ${q(config.webAuthEndpoint)}`,
    `TRANSFER_SERVER_SEP0024 = ${q(config.transferServer)}`,
    `ACCOUNTS = [${accounts.map(q).join(", ")}]`,
    "",
    "[DOCUMENTATION]",
    `ORG_NAME = ${q(await orgName(db))}`,
    `ORG_URL = ${q(config.appUrl)}`,
  ];
  for (const asset of await listSepAssets(db)) lines.push("", ...currencyLines(asset));
  return `${lines.join("\n")}\n`;
}
