import { Horizon } from "@stellar/stellar-sdk";
import { configFrom, type Config, type ConfigSource } from "@/server/config";

/**
 * Which Stellar network the engine talks to, from the environment:
 * STELLAR_NETWORK local (default: the embedded ledger) | testnet | pubnet, and HORIZON_URL.
 */
export const STELLAR_NETWORKS = ["local", "testnet", "pubnet"] as const;
export type StellarNetworkName = (typeof STELLAR_NETWORKS)[number];

export const PASSPHRASES: Record<StellarNetworkName, string> = {
  local: "Standalone Network ; February 2017",
  testnet: "Test SDF Network ; September 2015",
  pubnet: "Public Global Stellar Network ; September 2015",
};

const DEFAULT_HORIZON: Record<StellarNetworkName, (c: Config) => string> = {
  local: (c) => `http://127.0.0.1:${c.LEDGER_PORT}`,
  testnet: () => "https://horizon-testnet.stellar.org",
  pubnet: () => "https://horizon.stellar.org",
};

export type StellarConfig = {
  network: StellarNetworkName;
  passphrase: string;
  horizonUrl: string;
  /** Friendbot (local network only: it funds accounts with XLM). */
  friendbotUrl: string | null;
  /** Channel accounts per organization (CHANNEL_ACCOUNTS, default 4). */
  channelAccounts: number;
  /** Fee bid per operation in stroops (STELLAR_BASE_FEE, default 100). */
  baseFee: number;
  /** Time bound of a transaction: valid until now + this (STELLAR_TX_TIMEOUT_SECONDS, default 60). */
  txTimeoutSeconds: number;
  /** Ledger bound: valid for this many ledgers after the latest one (STELLAR_TX_LEDGER_WINDOW, default 12). */
  txLedgerWindow: number;
};

/** The network of a configuration (server/config/schema.ts checks every value); `env` for tests and the launcher. */
export function stellarConfig(env?: ConfigSource): StellarConfig {
  const c = configFrom(env);
  const network = c.STELLAR_NETWORK;
  const horizonUrl = (c.HORIZON_URL || DEFAULT_HORIZON[network](c)).replace(/\/+$/, "");
  return {
    network,
    passphrase: network === "local" ? c.STELLAR_NETWORK_PASSPHRASE || PASSPHRASES.local : PASSPHRASES[network],
    horizonUrl,
    friendbotUrl: network === "local" ? `${horizonUrl}/friendbot` : null,
    channelAccounts: c.CHANNEL_ACCOUNTS,
    baseFee: c.STELLAR_BASE_FEE,
    txTimeoutSeconds: c.STELLAR_TX_TIMEOUT_SECONDS,
    txLedgerWindow: c.STELLAR_TX_LEDGER_WINDOW,
  };
}

const servers = new Map<string, Horizon.Server>();

/** The SDK's Horizon client for a URL (plain HTTP allowed for the loopback ledger). */
export function horizonServer(url: string): Horizon.Server {
  let server = servers.get(url);
  if (!server) {
    server = new Horizon.Server(url, { allowHttp: url.startsWith("http://") });
    servers.set(url, server);
  }
  return server;
}
