/**
 * Preloaded into the anchor test suite's process by scripts/anchor-tests/run.ts (node --import): the suite's
 * SEP-10 account-signer tests create and configure accounts through the SDF's testnet friendbot and
 * Horizon, addresses hard-coded in the suite. This machine reaches no such host, and the app checks
 * signers against its own ledger anyway, so those calls go to the local ledger instead, which runs with
 * the testnet passphrase for the suite (STELLAR_NETWORK_PASSPHRASE; docs/security/anchor-tests.md).
 *
 *   ANCHOR_TESTS_LEDGER_URL  the local ledger, e.g. http://127.0.0.1:8000 (required)
 */
import http from "node:http";
import https from "node:https";
import process from "node:process";
import { URL } from "node:url";

const target = new URL(process.env.ANCHOR_TESTS_LEDGER_URL || "");
if (target.protocol !== "http:") throw new Error("ANCHOR_TESTS_LEDGER_URL must be the local ledger's http:// URL");
const base = target.pathname.replace(/\/+$/, "");

/** host → how its paths map onto the local ledger's. */
const HOSTS = {
  "horizon-testnet.stellar.org": (path) => path,
  // friendbot.stellar.org/?addr=G… → <ledger>/friendbot?addr=G…
  "friendbot.stellar.org": (path) => path.replace(/^\/?(\?|$)/, "/friendbot$1"),
};

const originalRequest = https.request;
https.request = function request(options, ...rest) {
  // node-fetch v2 (the suite's client) passes one options object built from the parsed URL; the
  // default export of node:https is the module object its require() gets, so this patch reaches it.
  const host = options && typeof options === "object" && !(options instanceof URL) ? options.hostname || options.host : null;
  const mapPath = host ? HOSTS[String(host).replace(/:\d+$/, "")] : undefined;
  if (!mapPath) return originalRequest.call(this, options, ...rest);
  const redirected = {
    ...options,
    protocol: "http:",
    hostname: target.hostname,
    host: target.hostname,
    port: target.port || 80,
    path: base + mapPath(options.path || "/"),
    agent: undefined,
  };
  return http.request(redirected, ...rest);
};
