/**
 * Run the local Stellar ledger on its own:
 *
 *   tsx scripts/ledger.ts [--port 8000] [--host 127.0.0.1] [--data .data/ledger]
 *                         [--close-interval-ms 1000] [--max-ops-per-ledger 1000] [--submit-timeout-ms 30000]
 *                         [--timeout-rate 0] [--rate-429 0] [--rate-500 0] [--drop-rate 0] [--latency-ms 0] [--seed 1]
 *                         [--network-passphrase "…"]   (default: STELLAR_NETWORK_PASSPHRASE, else Networks.STANDALONE)
 *
 * Prints the Horizon URL, the network passphrase and the root account; stops on SIGINT/SIGTERM.
 */
import { parseArgs } from "node:util";
import { Networks } from "@stellar/stellar-sdk";
import { startLocalLedger } from "../server/stellar/local-ledger";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "8000" },
    host: { type: "string", default: "127.0.0.1" },
    data: { type: "string", default: ".data/ledger" },
    "close-interval-ms": { type: "string", default: "1000" },
    "max-ops-per-ledger": { type: "string", default: "1000" },
    "submit-timeout-ms": { type: "string", default: "30000" },
    "timeout-rate": { type: "string", default: "0" },
    "rate-429": { type: "string", default: "0" },
    "rate-500": { type: "string", default: "0" },
    "drop-rate": { type: "string", default: "0" },
    "latency-ms": { type: "string", default: "0" },
    seed: { type: "string", default: "1" },
    "network-passphrase": { type: "string", default: process.env.STELLAR_NETWORK_PASSPHRASE || Networks.STANDALONE },
  },
});

const num = (name: keyof typeof values): number => {
  const n = Number(values[name]);
  if (!Number.isFinite(n)) throw new Error(`--${name} must be a number`);
  return n;
};

const handle = await startLocalLedger({
  port: num("port"),
  host: values.host,
  dataDir: values.data!,
  closeIntervalMs: num("close-interval-ms"),
  maxOpsPerLedger: num("max-ops-per-ledger"),
  submitTimeoutMs: num("submit-timeout-ms"),
  networkPassphrase: values["network-passphrase"],
  faults: {
    timeoutRate: num("timeout-rate"),
    rate429: num("rate-429"),
    rate500: num("rate-500"),
    dropRate: num("drop-rate"),
    latencyMs: num("latency-ms"),
    seed: num("seed"),
  },
});

console.log(`local Stellar ledger: ${handle.url}`);
console.log(`  network passphrase: ${handle.networkPassphrase}`);
console.log(`  root account:       ${handle.rootKeypair.publicKey()} (Keypair.master(the passphrase))`);
console.log(`  data:               ${values.data}   ledger #${handle.ledger.ledgerSeq}`);

const stop = async () => {
  await handle.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
