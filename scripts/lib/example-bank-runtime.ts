/**
 * The example bank for `npm start` (docs/example-bank.md), in the style of the local ledger
 * (scripts/lib/stellar-runtime.ts): start it in the launcher's process with its data under
 * `<dataDir>/example-bank`, or join the one already listening on its port. Not wired into
 * scripts/start.ts yet: the launcher calls `ensureExampleBank` next to `ensureLedger` and seeds the
 * bank connection with the URL and key it returns.
 */
import { createHmac } from "node:crypto";
import path from "node:path";
import { portIsOpen } from "./embedded-postgres";
import { ROOT } from "./runtime-defaults";

type Say = (line: string) => void;

export type ExampleBankRuntime = { url: string; apiKey: string; fundingAccount: string; currency: string; close: () => Promise<void> };

export type ExampleBankRuntimeOptions = {
  port: number;
  dataDir: string;
  /** The installation's secret (ENCRYPTION_KEY): the bank's API key is derived from it, so a restarted launcher knows the key of a bank it joins. */
  secret: string;
  /** Where the bank posts its MT940 statements (the platform's statement upload), with its credential. */
  callbackUrl?: string;
  callbackAuthorization?: string;
  paymentDelayMs?: number;
  fundingAccount?: string;
  currency?: string;
  fundingBalance?: string;
  rejectAccounts?: string[];
  returnAccounts?: string[];
};

/** The demo bank's API key: HMAC of the installation secret, stable across restarts. */
export function exampleBankApiKey(secret: string): string {
  return createHmac("sha256", secret).update("example-bank api key").digest("base64url");
}

export async function ensureExampleBank(o: ExampleBankRuntimeOptions, say: Say): Promise<ExampleBankRuntime> {
  const url = `http://127.0.0.1:${o.port}`;
  const apiKey = exampleBankApiKey(o.secret);
  const fundingAccount = o.fundingAccount ?? "1000000001";
  const currency = o.currency ?? "USD";
  if (await portIsOpen(o.port)) {
    const health = await fetch(`${url}/health`, { signal: AbortSignal.timeout(5_000) })
      .then((r) => r.json() as Promise<{ service?: string }>)
      .catch(() => null);
    if (health?.service !== "example-bank") throw new Error(`Port ${o.port} is taken by something that is not the example bank. Set another port for it.`);
    say(`joined the example bank already running on ${url}`);
    return { url, apiKey, fundingAccount, currency, close: async () => {} };
  }
  const { startExampleBank } = await import("../../example-bank");
  const dataDir = path.join(o.dataDir, "example-bank");
  const handle = await startExampleBank({
    port: o.port,
    host: "127.0.0.1",
    dataDir,
    apiKey,
    paymentDelayMs: o.paymentDelayMs ?? 5_000,
    accounts: [{ account_number: fundingAccount, account_holder_name: "Platform funding account", currency, balance: o.fundingBalance ?? "1000000.00" }],
    rejectAccounts: o.rejectAccounts,
    returnAccounts: o.returnAccounts,
    callbackUrl: o.callbackUrl,
    callbackHeaders: o.callbackAuthorization ? { Authorization: o.callbackAuthorization } : undefined,
    log: (line) => say(`example bank: ${line}`),
  });
  say(`example bank running on ${handle.url} (data in ${path.relative(ROOT, dataDir) || "."}; funding account ${fundingAccount} ${currency})`);
  return { url: handle.url, apiKey, fundingAccount, currency, close: () => handle.close() };
}

/**
 * `npm start`: the demo organization's bank connection, routing rule and statements key first (the
 * bank posts its statements with that key), then the bank itself. The key is kept in
 * `<dataDir>/example-bank-statements.key` (mode 0600), like the installation's other secrets.
 */
export async function startDemoBank(databaseUrl: string, env: NodeJS.ProcessEnv, dataDir: string, say: Say): Promise<ExampleBankRuntime | null> {
  const { readFileSync, writeFileSync, existsSync } = await import("node:fs");
  const { config } = await import("../../server/config");
  const { EXAMPLE_BANK, EXAMPLE_BANK_PORT: port } = config();
  if (EXAMPLE_BANK === "off") return null;
  const bankHost = `127.0.0.1:${port}`;
  // The bank is on loopback: the guarded outbound client refuses it unless it is allowed.
  env.OUTBOUND_ALLOW_HOSTS = [env.OUTBOUND_ALLOW_HOSTS, bankHost].filter(Boolean).join(",");
  process.env.OUTBOUND_ALLOW_HOSTS = env.OUTBOUND_ALLOW_HOSTS;
  process.env.ENCRYPTION_KEY ||= env.ENCRYPTION_KEY;
  const secret = env.ENCRYPTION_KEY ?? "";
  const bank = { url: `http://${bankHost}`, apiKey: exampleBankApiKey(secret), fundingAccount: "1000000001", currency: "KES" };

  const keyFile = path.join(dataDir, "example-bank-statements.key");
  const knownKey = existsSync(keyFile) ? readFileSync(keyFile, "utf8").trim() : null;
  const { createDb } = await import("../../db/client");
  const { organizations } = await import("../../db/schema");
  const { eq } = await import("drizzle-orm");
  const { seedDemoBank } = await import("../../server/services/demo/seed-demo-bank");
  const { db, sql } = createDb(databaseUrl, { max: 1 });
  let statementsKey = knownKey;
  try {
    const [demo] = await db.select({ id: organizations.id }).from(organizations).where(eq(organizations.slug, "demo"));
    if (demo) {
      const seeded = await seedDemoBank(db, demo.id, bank, knownKey);
      if (seeded.statementsKey) {
        statementsKey = seeded.statementsKey;
        writeFileSync(keyFile, `${statementsKey}\n`, { mode: 0o600 });
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
  const appUrl = env.APP_URL ?? `http://localhost:${env.PORT ?? 3000}`;
  return ensureExampleBank(
    {
      port,
      dataDir,
      secret,
      currency: bank.currency,
      fundingAccount: bank.fundingAccount,
      fundingBalance: "10000000.00",
      // The OpenG2P example bank's way back: the MT940 posted as `statement_file` (docs/example-bank.md).
      callbackUrl: statementsKey ? `${appUrl.replace(/\/$/, "")}/api/v1/statements` : undefined,
      callbackAuthorization: statementsKey ? `Bearer ${statementsKey}` : undefined,
      rejectAccounts: ["999000111:AC04"],
    },
    say,
  );
}
