import { parseAmount } from "@/server/domain/money";
import { config } from "@/server/config";

/**
 * How much of an asset the organization's distribution account can still send, in stroops.
 * The payment engine supplies the real implementation (balances on the ledger); until it is
 * configured, the demo provider reports DEMO_DISTRIBUTION_BALANCE (default 1,000,000) per asset.
 */
export interface DistributionBalanceProvider {
  availableStroops(orgId: string, asset: { code: string; issuer: string }): Promise<bigint>;
}

export const demoBalanceProvider: DistributionBalanceProvider = {
  async availableStroops() {
    const parsed = parseAmount(config().DEMO_DISTRIBUTION_BALANCE);
    return parsed.ok ? parsed.stroops : 0n;
  },
};

// Kept on globalThis: Next.js bundles instrumentation (which installs the engine's provider) and the
// route handlers separately, so a module-level variable would exist once per bundle.
const holder = globalThis as unknown as { __distributionBalanceProvider?: DistributionBalanceProvider };

export function distributionBalanceProvider(): DistributionBalanceProvider {
  return holder.__distributionBalanceProvider ?? demoBalanceProvider;
}

export function setDistributionBalanceProvider(provider: DistributionBalanceProvider) {
  holder.__distributionBalanceProvider = provider;
}
