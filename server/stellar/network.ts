import { Horizon } from "@stellar/stellar-sdk";

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

type Env = Record<string, string | undefined>;

const DEFAULT_HORIZON: Record<StellarNetworkName, (env: Env) => string> = {
  local: (env) => `http://127.0.0.1:${env.LEDGER_PORT || 8000}`,
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

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive whole number`);
  return n;
}

export function stellarConfig(env: Env = process.env): StellarConfig {
  const raw = env.STELLAR_NETWORK || "local";
  if (!(STELLAR_NETWORKS as readonly string[]).includes(raw)) throw new Error("STELLAR_NETWORK must be one of local, testnet, pubnet");
  const network = raw as StellarNetworkName;
  const horizonUrl = (env.HORIZON_URL || DEFAULT_HORIZON[network](env)).replace(/\/+$/, "");
  return {
    network,
    passphrase: network === "local" ? env.STELLAR_NETWORK_PASSPHRASE || PASSPHRASES.local : PASSPHRASES[network],
    horizonUrl,
    friendbotUrl: network === "local" ? `${horizonUrl}/friendbot` : null,
    channelAccounts: positiveInt(env.CHANNEL_ACCOUNTS, 4, "CHANNEL_ACCOUNTS"),
    baseFee: positiveInt(env.STELLAR_BASE_FEE, 100, "STELLAR_BASE_FEE"),
    txTimeoutSeconds: positiveInt(env.STELLAR_TX_TIMEOUT_SECONDS, 60, "STELLAR_TX_TIMEOUT_SECONDS"),
    txLedgerWindow: positiveInt(env.STELLAR_TX_LEDGER_WINDOW, 12, "STELLAR_TX_LEDGER_WINDOW"),
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
