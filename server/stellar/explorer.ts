/**
 * Where people look at a transaction or an account: on the local network the ledger's own Horizon
 * JSON (`/transactions/{hash}`), on testnet and pubnet stellar.expert. Pure (no SDK import): the
 * browser gets the result through the app layout.
 */
export type StellarLinks = {
  network: "local" | "testnet" | "pubnet";
  /** Append a transaction hash. */
  transactionUrlPrefix: string;
  /** Append an account id (G...). */
  accountUrlPrefix: string;
  /** What the links open, for a tooltip ("the local ledger's JSON", "stellar.expert"). */
  viewerName: string;
};

export function stellarLinks(network: "local" | "testnet" | "pubnet", horizonUrl: string): StellarLinks {
  if (network === "local") {
    const base = horizonUrl.replace(/\/+$/, "");
    return { network, transactionUrlPrefix: `${base}/transactions/`, accountUrlPrefix: `${base}/accounts/`, viewerName: "the local ledger (JSON)" };
  }
  const explorer = `https://stellar.expert/explorer/${network === "pubnet" ? "public" : "testnet"}`;
  return { network, transactionUrlPrefix: `${explorer}/tx/`, accountUrlPrefix: `${explorer}/account/`, viewerName: "stellar.expert" };
}
