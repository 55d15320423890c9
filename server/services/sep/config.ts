import { Keypair } from "@stellar/stellar-sdk";
import { subkey } from "../crypto/keys";
import { stellarConfig } from "@/server/stellar/network";
import { configFrom, type ConfigSource } from "@/server/config";

/**
 * What the Stellar wallet interop (SEP-1, SEP-10, SEP-24) needs from the environment:
 * - the SEP-10 signing key, derived from ENCRYPTION_KEY (`subkey("sep10-signing")`), so it is stable
 *   across restarts and never stored;
 * - the home domain: APP_URL's host (with port), or SEP10_HOME_DOMAIN;
 * - the network passphrase of the configured Stellar network.
 */
export type SepConfig = {
  appUrl: string;
  homeDomain: string;
  /** The host serving /sep10/auth (the `web_auth_domain` of challenges). */
  webAuthDomain: string;
  webAuthEndpoint: string;
  transferServer: string;
  networkPassphrase: string;
  signingKeypair: Keypair;
};

let cachedKeypair: { seed: Buffer; keypair: Keypair } | undefined;

export function sep10SigningKeypair(): Keypair {
  const seed = subkey("sep10-signing");
  if (!cachedKeypair || !cachedKeypair.seed.equals(seed)) cachedKeypair = { seed, keypair: Keypair.fromRawEd25519Seed(seed) };
  return cachedKeypair.keypair;
}

export function appUrl(env?: ConfigSource): string {
  return (configFrom(env).APP_URL || "http://localhost:3000").replace(/\/+$/, "");
}

export function sepConfig(env?: ConfigSource): SepConfig {
  const base = appUrl(env);
  const host = new URL(base).host;
  return {
    appUrl: base,
    homeDomain: configFrom(env).SEP10_HOME_DOMAIN || host,
    webAuthDomain: host,
    webAuthEndpoint: `${base}/sep10/auth`,
    transferServer: `${base}/sep24`,
    networkPassphrase: stellarConfig(env).passphrase,
    signingKeypair: sep10SigningKeypair(),
  };
}
