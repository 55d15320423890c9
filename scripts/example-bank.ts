/**
 * Run the example bank on its own (docs/example-bank.md):
 *
 *   tsx scripts/example-bank.ts [--port 8400] [--host 127.0.0.1] [--data .data/example-bank]
 *       [--api-key KEY] [--api-key-header x-api-key] [--delay-ms 5000]
 *       [--accounts accounts.json] [--reject ACC[:CODE],…] [--return ACC[:CODE],…]
 *       [--callback-url URL] [--callback-authorization "Bearer …"] [--bank-code EXAMPLE_BANK] [--bic EXBKUS33]
 *
 * Every flag has an EXAMPLE_BANK_* environment variable (flags win). Without --accounts and with an
 * empty data directory, one funding account is opened (EXAMPLE_BANK_FUNDING_*). Prints the URL and
 * the API key; stops on SIGINT/SIGTERM.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { startExampleBank, type SeedAccount } from "../example-bank";

const env = process.env;
const { values } = parseArgs({
  options: {
    port: { type: "string", default: env.EXAMPLE_BANK_PORT ?? "8400" },
    host: { type: "string", default: env.EXAMPLE_BANK_HOST ?? "127.0.0.1" },
    data: { type: "string", default: env.EXAMPLE_BANK_DATA_DIR ?? ".data/example-bank" },
    "api-key": { type: "string", default: env.EXAMPLE_BANK_API_KEY },
    "api-key-header": { type: "string", default: env.EXAMPLE_BANK_API_KEY_HEADER ?? "x-api-key" },
    "delay-ms": { type: "string", default: env.EXAMPLE_BANK_PAYMENT_DELAY_MS ?? "5000" },
    accounts: { type: "string", default: env.EXAMPLE_BANK_ACCOUNTS_FILE },
    reject: { type: "string", default: env.EXAMPLE_BANK_REJECT_ACCOUNTS ?? "" },
    return: { type: "string", default: env.EXAMPLE_BANK_RETURN_ACCOUNTS ?? "" },
    "callback-url": { type: "string", default: env.EXAMPLE_BANK_CALLBACK_URL },
    "callback-authorization": { type: "string", default: env.EXAMPLE_BANK_CALLBACK_AUTHORIZATION },
    "bank-code": { type: "string", default: env.EXAMPLE_BANK_CODE ?? "EXAMPLE_BANK" },
    bic: { type: "string", default: env.EXAMPLE_BANK_BIC },
  },
});

const int = (name: "port" | "delay-ms"): number => {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number ≥ 0`);
  return n;
};
const list = (v: string | undefined) =>
  (v ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/** Accounts from --accounts (a JSON list), else EXAMPLE_BANK_ACCOUNTS (the same JSON inline), else one funding account. */
function seedAccounts(): SeedAccount[] {
  if (values.accounts) return JSON.parse(readFileSync(values.accounts, "utf8")) as SeedAccount[];
  if (env.EXAMPLE_BANK_ACCOUNTS) return JSON.parse(env.EXAMPLE_BANK_ACCOUNTS) as SeedAccount[];
  return [
    {
      account_number: env.EXAMPLE_BANK_FUNDING_ACCOUNT ?? "1000000001",
      account_holder_name: "Platform funding account",
      currency: env.EXAMPLE_BANK_FUNDING_CURRENCY ?? "USD",
      balance: env.EXAMPLE_BANK_FUNDING_BALANCE ?? "1000000.00",
    },
  ];
}

const handle = await startExampleBank({
  port: int("port"),
  host: values.host,
  dataDir: values.data!,
  apiKey: values["api-key"] || undefined,
  apiKeyHeader: values["api-key-header"],
  paymentDelayMs: int("delay-ms"),
  accounts: seedAccounts(),
  rejectAccounts: list(values.reject),
  returnAccounts: list(values.return),
  callbackUrl: values["callback-url"] || undefined,
  callbackHeaders: values["callback-authorization"] ? { Authorization: values["callback-authorization"] } : undefined,
  bankCode: values["bank-code"],
  bic: values.bic || undefined,
  log: (line) => console.log(`example bank: ${line}`),
});

console.log(`example bank: ${handle.url}`);
console.log(`  API key:  ${handle.apiKey} (header ${handle.apiKeyHeader})`);
console.log(`  data:     ${values.data}   payment delay ${int("delay-ms")} ms`);
for (const a of handle.bank.state.accounts.values()) console.log(`  account:  ${a.account_number} ${a.currency} (${a.account_holder_name})`);

const stop = async () => {
  await handle.close();
  process.exit(0);
};
process.on("SIGINT", () => void stop());
process.on("SIGTERM", () => void stop());
