import type { Db } from "@/db/client";
import { setDistributionBalanceProvider, type DistributionBalanceProvider } from "@/server/services/disbursements/distribution-balance";
import { availableStroops, getDistributionAccount } from "./accounts";
import { loadAccountState } from "./horizon";
import { stellarConfig, type StellarConfig } from "./network";
import { configFrom, type ConfigSource } from "@/server/config";

/**
 * The distribution balance as the ledger has it: the organization's distribution account's balance
 * of the asset on Horizon (native minus its minimum balance). No account yet means nothing to send.
 */
export function ledgerBalanceProvider(db: Db | (() => Db), config: StellarConfig): DistributionBalanceProvider {
  const getDb = typeof db === "function" ? db : () => db;
  return {
    async availableStroops(orgId, asset) {
      const distribution = await getDistributionAccount(getDb(), orgId, config.network);
      if (!distribution) return 0n;
      const state = await loadAccountState(config.horizonUrl, distribution.publicKey);
      return state ? availableStroops(state, asset) : 0n;
    },
  };
}

/** True when this process should use the ledger's balances (a Horizon URL is known or a real network is chosen). */
export function engineConfigured(env?: ConfigSource): boolean {
  const { HORIZON_URL, STELLAR_NETWORK } = configFrom(env);
  return Boolean(HORIZON_URL) || STELLAR_NETWORK === "testnet" || STELLAR_NETWORK === "pubnet";
}

/** Install the ledger balance provider (web process and worker start-up). */
export function installLedgerBalanceProvider(db: Db | (() => Db), config: StellarConfig = stellarConfig()) {
  setDistributionBalanceProvider(ledgerBalanceProvider(db, config));
}
