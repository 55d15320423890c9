import { z } from "zod";
import { parseAmount } from "../domain/money";
import { parseAllowHosts } from "../net/allow-hosts";

/**
 * Every environment variable the web server, the worker, the launcher, the CLI, the local ledger
 * and the benchmarks read, declared once: name, zod rule with its default, group and meaning.
 * docs/configuration.md is generated from this list (`npm run docs:config`).
 *
 * Plain zod with no server-only imports: scripts/start.ts, scripts/worker.ts, scripts/cli.ts,
 * next.config.ts, proxy.ts and the doc generator all import it. Read values through `config()`
 * (server/config/index.ts), never `process.env` directly.
 */

export const CONFIG_GROUPS = ["Database", "Web", "Auth & security", "Limits", "Stellar", "Banks", "Messaging", "G2P", "Worker", "Tests & benchmarks"] as const;
export type ConfigGroup = (typeof CONFIG_GROUPS)[number];

type Entry<S extends z.ZodType = z.ZodType> = {
  group: ConfigGroup;
  schema: S;
  meaning: string;
  /** What the docs show as default when the schema has none of its own (a derived value). */
  shownDefault?: string;
};

function v<S extends z.ZodType>(group: ConfigGroup, schema: S, meaning: string, shownDefault?: string): Entry<S> {
  return { group, schema, meaning, shownDefault };
}

// --- Rules shared by many variables ---------------------------------------------------------

/** A whole number ≥ 1 (an empty value counts as unset and takes the default). */
const positiveInt = () => z.coerce.number({ error: "must be a positive whole number" }).int("must be a positive whole number").min(1, "must be a positive whole number");

/** A whole number within bounds, with the wording server/env.ts always used. */
const wholeNumber = (min: number, max?: number) => {
  let s = z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(min, min === 0 ? "must be 0 or more" : `must be at least ${min}`);
  if (max !== undefined) s = s.max(max, `must be at most ${max}`);
  return s;
};

const port = () => wholeNumber(1, 65_535);

const postgresUrl = () => z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL");

const absoluteUrl = () => z.url({ error: "must be an absolute URL such as http://localhost:3000" });

/** on/off switches: on, off, 1, 0, true, false, yes, no (any case). */
const onOff = (fallback: boolean) =>
  z
    .string()
    .trim()
    .regex(/^(on|off|1|0|true|false|yes|no)$/i, "must be on or off (also 1/0, true/false, yes/no)")
    .transform((s) => /^(on|1|true|yes)$/i.test(s))
    .default(fallback);

/** ENCRYPTION_KEY's decoding, shared with server/services/crypto/keys.ts. */
export function decodeEncryptionKey(raw: string): Buffer {
  return /^[0-9a-f]{64,}$/i.test(raw) ? Buffer.from(raw, "hex") : Buffer.from(raw, "base64");
}

// --- The declaration ------------------------------------------------------------------------

export const CONFIG_VARIABLES = {
  // Database
  DATABASE_URL: v(
    "Database",
    postgresUrl().optional(),
    "PostgreSQL connection URL. Unset: `npm start`, the worker and the CLI use (or join) the embedded PostgreSQL under DATA_DIR.",
    "embedded PostgreSQL",
  ),
  DATA_DIR: v(
    "Database",
    z.string().optional(),
    "Folder of the embedded PostgreSQL, the local ledger and the generated secrets (relative to the working directory).",
    "`.data` in the repository",
  ),
  EMBEDDED_PG_PORT: v("Database", port().default(54_329), "Port of the embedded PostgreSQL when DATABASE_URL is unset."),

  // Web
  NODE_ENV: v(
    "Web",
    z.enum(["development", "production", "test"], { error: "must be one of development, production, test" }).default("development"),
    "Set by the launcher (`production`, or `development` with `npm run dev`); production refuses plain-http outbound URLs.",
  ),
  PORT: v("Web", port().default(3000), "Port the web server listens on."),
  APP_URL: v(
    "Web",
    absoluteUrl().optional(),
    "Public base URL of the app (links in messages, same-origin checks, SEP home domain, Secure cookies when https).",
    "`http://localhost:$PORT`",
  ),
  NEXT_DIST_DIR: v("Web", z.string().default(".next"), "Folder of the Next.js build (tests build into their own)."),
  TRUSTED_PROXY_HOPS: v(
    "Web",
    wholeNumber(0, 10).default(0),
    "How many reverse proxies in front of the app append to X-Forwarded-For (0: use the socket address and ignore a client-sent X-Forwarded-For).",
  ),
  LOG_LEVEL: v(
    "Web",
    z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], { error: "must be one of fatal, error, warn, info, debug, trace, silent" }).default("info"),
    "Level of the structured JSON logs (the proxy logs one line per request unless warn, error or silent).",
  ),
  LOG_SERVICE: v("Web", z.string().default("web"), "`service` field of every log line (the worker sets `worker`)."),

  // Auth & security
  AUTH_SECRET: v(
    "Auth & security",
    z.string().min(32, "must be at least 32 characters long").optional(),
    "Signs session cookies (32+ random characters). Required by the web server; `npm start` generates one under DATA_DIR.",
    "generated",
  ),
  NEXTAUTH_URL: v("Auth & security", absoluteUrl().optional(), "Base URL next-auth uses; the launcher sets it to APP_URL.", "APP_URL"),
  ENCRYPTION_KEY: v(
    "Auth & security",
    z
      .string()
      .refine((s) => decodeEncryptionKey(s).length >= 32, "must hold at least 32 bytes (base64 or hex)")
      .optional(),
    "Root key (32+ random bytes, base64 or hex) of the keyed hashes, encrypted Stellar and connection secrets, and the SEP-10, G2P signing, G2P encryption and G2P OAuth token keys derived from it. Losing it loses them; changing it changes the G2P public keys senders hold. `npm start` generates one under DATA_DIR.",
    "generated",
  ),
  PASSWORD_HASH_COST: v("Auth & security", wholeNumber(4, 15).default(12), "bcrypt cost of password hashes."),
  LOGIN_MAX_FAILURES: v("Auth & security", wholeNumber(1).default(5), "Failed sign-ins per (email, address) before a wait."),
  LOGIN_WINDOW_SECONDS: v("Auth & security", wholeNumber(1).default(60), "Window of LOGIN_MAX_FAILURES."),
  LOGIN_IP_MAX_FAILURES: v("Auth & security", wholeNumber(1).default(50), "Failed sign-ins per address (any email) before a wait."),
  LOGIN_IP_WINDOW_SECONDS: v("Auth & security", wholeNumber(1).default(600), "Window of LOGIN_IP_MAX_FAILURES."),
  LOGIN_ACCOUNT_DELAY_AFTER: v(
    "Auth & security",
    wholeNumber(1).default(10),
    "Failures of one account (from any address) after which each attempt is slowed, doubling up to the max; accounts are never locked.",
  ),
  LOGIN_ACCOUNT_WINDOW_SECONDS: v("Auth & security", wholeNumber(1).default(900), "Window of LOGIN_ACCOUNT_DELAY_AFTER."),
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: v("Auth & security", wholeNumber(0, 60).default(30), "Longest per-account wait (1, 2, 4 … seconds, capped here)."),
  MFA_MAX_FAILURES: v("Auth & security", positiveInt().default(5), "Wrong second-step codes per account before a wait."),
  MFA_WINDOW_SECONDS: v("Auth & security", positiveInt().default(300), "Window of MFA_MAX_FAILURES."),
  REGISTRATION_TOKEN_DAYS: v("Auth & security", positiveInt().default(30), "Days a receiver registration link stays valid."),
  OUTBOUND_ALLOW_HOSTS: v(
    "Auth & security",
    z
      .string()
      .superRefine((s, ctx) => {
        try {
          parseAllowHosts(s);
        } catch (error) {
          ctx.addIssue({
            code: "custom",
            message: `must be comma-separated host or host:port entries (${(error as Error).message.replace(/^OUTBOUND_ALLOW_HOSTS: /, "")})`,
          });
        }
      })
      .default(""),
    "Hosts (`host` or `host:port`, comma-separated) outbound calls may reach although private or loopback, or over http in production (e.g. a G2P sender on this machine).",
  ),

  // Limits
  CSV_MAX_BYTES: v("Limits", positiveInt().default(20 * 1024 * 1024), "Largest instructions CSV file in bytes (uploads and the proxy follow it)."),
  CSV_MAX_ROWS: v("Limits", positiveInt().default(100_000), "Most data rows in an instructions CSV."),
  CSV_MAX_ERRORS: v("Limits", positiveInt().default(100), "Most error entries returned for a CSV (the total is always counted)."),
  BANK_FILE_MAX_BYTES: v(
    "Limits",
    positiveInt().default(100 * 1024 * 1024),
    "Largest bank file (pain.002, camt.053/.054, MT940) an import accepts, in bytes (upload routes, REST and the proxy follow it; a 100,000-entry camt.053 is about 60–90 MB).",
  ),

  // Stellar
  STELLAR_NETWORK: v(
    "Stellar",
    z.enum(["local", "testnet", "pubnet"], { error: "must be one of local, testnet, pubnet" }).default("local"),
    "Stellar network: `local` (the embedded ledger), `testnet` or `pubnet`.",
  ),
  HORIZON_URL: v(
    "Stellar",
    absoluteUrl().optional(),
    "Horizon server; when set the launcher starts no local ledger.",
    "per network (local: `http://127.0.0.1:$LEDGER_PORT`)",
  ),
  LEDGER_PORT: v("Stellar", port().default(8000), "Port of the local Stellar ledger the launcher starts."),
  EXAMPLE_BANK: v(
    "Banks",
    z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
    "`npm start` starts the project's example bank (docs/example-bank.md) and gives the demo organization a bank connection and a routing rule for bank accounts; `off` skips both.",
  ),
  EXAMPLE_BANK_PORT: v("Banks", port().default(8400), "Port of the example bank the launcher starts."),
  STELLAR_NETWORK_PASSPHRASE: v("Stellar", z.string().optional(), "Passphrase of the local network, for its ledger and the app.", "`Standalone Network ; February 2017`"),
  CHANNEL_ACCOUNTS: v("Stellar", positiveInt().default(4), "Channel accounts per organization (parallel transactions)."),
  STELLAR_BASE_FEE: v("Stellar", positiveInt().default(100), "Fee bid per operation, in stroops."),
  STELLAR_TX_TIMEOUT_SECONDS: v("Stellar", positiveInt().default(60), "A transaction is valid until now + this."),
  STELLAR_TX_LEDGER_WINDOW: v("Stellar", positiveInt().default(12), "A transaction is valid for this many ledgers after the latest."),
  STELLAR_HTTP_TIMEOUT_MS: v("Stellar", positiveInt().default(15_000), "Timeout of Horizon GET requests, in milliseconds."),
  DEMO_DISTRIBUTION_BALANCE: v(
    "Stellar",
    z
      .string()
      .refine((s) => parseAmount(s).ok, "must be a positive amount such as 1000000 or 12.50")
      .default("1000000"),
    "Balance per asset reported before the payment engine is configured (demo only).",
  ),
  SEP10_HOME_DOMAIN: v("Stellar", z.string().optional(), "SEP-10 home domain wallets authenticate against.", "APP_URL's host"),
  SEP_ORG_NAME: v("Stellar", z.string().optional(), "Organization name shown to wallets in stellar.toml.", "the single organization's name"),

  // Messaging
  MESSAGE_TRANSPORT: v(
    "Messaging",
    z.enum(["outbox", "auto"], { error: 'must be "outbox" or unset' }).default("auto"),
    "`outbox` keeps every message in the Outbox; `auto` sends e-mail when SMTP_URL is set and SMS when SMS_API_URL is set.",
  ),
  SMTP_URL: v(
    "Messaging",
    z
      .string()
      .regex(/^smtps?:\/\//, "must look like smtp://user:pass@host:port")
      .optional(),
    "SMTP server for e-mail (`smtp://user:pass@host:port` or `smtps://`).",
  ),
  SMTP_FROM: v("Messaging", z.string().default("no-reply@localhost"), "Sender address of e-mail."),
  SMS_API_URL: v(
    "Messaging",
    absoluteUrl().optional(),
    "Twilio-compatible SMS API (`POST …/2010-04-01/Accounts/{sid}/Messages.json`; needs SMS_ACCOUNT_SID, SMS_AUTH_TOKEN, SMS_FROM).",
  ),
  SMS_ACCOUNT_SID: v("Messaging", z.string().optional(), "Account of the SMS API."),
  SMS_AUTH_TOKEN: v("Messaging", z.string().optional(), "Token of the SMS API."),
  SMS_FROM: v("Messaging", z.string().optional(), "Sender number of SMS."),
  INVITATION_SCHEDULER_SECONDS: v("Messaging", wholeNumber(0).default(10), "How often the worker sends due receiver invitations (0 turns it off)."),

  // G2P
  G2P_MESSAGE_TS_WINDOW_SECONDS: v("G2P", positiveInt().default(300), "How far a G2P message_ts may be from our clock, in seconds."),
  G2P_CALLBACK_TIMEOUT_MS: v("G2P", positiveInt().default(10_000), "Timeout of one callback POST, in milliseconds."),
  G2P_CALLBACK_MAX_ATTEMPTS: v("G2P", positiveInt().default(12), "Attempts per callback before it is marked FAILED."),
  G2P_CALLBACK_BACKOFF_MS: v("G2P", positiveInt().default(1_000), "First retry delay of a callback (doubles each time)."),
  G2P_CALLBACK_BACKOFF_MAX_MS: v("G2P", positiveInt().default(300_000), "Longest retry delay of a callback."),
  G2P_CALLBACK_CONCURRENCY: v("G2P", positiveInt().default(8), "Callback POSTs in flight at once."),
  G2P_CALLBACKS: v("G2P", onOff(true), "Worker loop that delivers signed callbacks."),
  G2P_STATUS_REPORTS: v("G2P", onOff(true), "Worker loop that reports item status changes."),
  G2P_ENVELOPE_SCHEDULER: v("G2P", onOff(true), "Worker loop that starts due envelopes."),
  G2P_CALLBACK_IDLE_MS: v("G2P", positiveInt().default(500), "Pause of the callback loop when nothing is due."),
  G2P_CALLBACK_BATCH: v("G2P", positiveInt().default(50), "Callbacks claimed per round."),
  G2P_REPORT_EVERY_MS: v("G2P", positiveInt().default(1_000), "Period of the status-report loop."),
  G2P_ENVELOPE_EVERY_MS: v("G2P", positiveInt().default(5_000), "Period of the envelope loop."),
  G2P_OAUTH_TOKEN_TTL_SECONDS: v(
    "G2P",
    positiveInt().max(3600).default(300),
    "Lifetime of a G2P access token from POST /oauth2/client/token, in seconds (at most 3600).",
  ),

  // Worker
  WORKER_CONCURRENCY: v("Worker", positiveInt().optional(), "Submission lanes of the payment worker.", "CHANNEL_ACCOUNTS"),
  WORKER_MAX_OPS: v("Worker", wholeNumber(1, 100).optional(), "Payment operations per transaction (at most 100).", "`100`"),
  WORKER_LEASE_MS: v(
    "Worker",
    positiveInt().optional(),
    "How long a claimed batch stays reserved for its worker; renewed every third of it while the worker works on it, so a crashed worker's batch is taken over soon after.",
    "`3000`",
  ),
  WORKER_IDLE_MS: v("Worker", positiveInt().optional(), "First pause of a lane when nothing is due; doubles while idle.", "`50`"),
  WORKER_BUNDLE: v(
    "Worker",
    onOff(true),
    "`npm run worker` runs a prebuilt bundle of scripts/worker.ts (rebuilt when sources change; read by scripts/worker-launch.mjs); `0` runs the sources through tsx.",
  ),
  WORKER_IDLE_MAX_MS: v("Worker", positiveInt().optional(), "Longest pause of an idle lane (bounds how late new work is claimed).", "`1000`"),
  WORKER_ORG_IDS: v("Worker", z.string().optional(), "Comma-separated organization ids the worker serves.", "all"),
  WORKER_SETUP: v("Worker", onOff(true), "Set up Stellar accounts (distribution, channels) at start; `0` skips."),
  WORKER_STOP_GRACE_MS: v("Worker", positiveInt().default(10_000), "How long a stopping worker waits for in-flight steps."),
  CONNECTION_HEALTH_INTERVAL_MS: v(
    "Worker",
    wholeNumber(0).default(60_000),
    "How often the worker checks the health of every enabled payment connection, in milliseconds (0 turns it off).",
  ),
  DISPATCHER: v(
    "Worker",
    z.enum(["on", "off"], { error: "must be on or off" }).default("on"),
    'The dispatcher paying bank connections (docs/rails.md "Dispatcher"): `off` leaves bank payments to other workers.',
  ),
  DISPATCH_BATCH_SIZE: v(
    "Worker",
    positiveInt().max(10_000, "must be at most 10000").default(500),
    "Most payments in one bank batch (one pain.001 or one initiate_payment call).",
  ),
  DISPATCH_LEASE_MS: v(
    "Worker",
    positiveInt().default(60_000),
    "How long a worker owns a bank batch it is shipping; after it, another worker asks the bank what arrived and sends only the rest.",
  ),
  DISPATCH_POLL_MS: v(
    "Worker",
    positiveInt().default(30_000),
    "How often a shipped bank batch's pending payments are looked up at the bank (a refused payment never reaches a statement).",
  ),
  DISPATCH_RETRY_MS: v("Worker", positiveInt().default(30_000), "Delay before a bank batch is tried again after short funds or an unanswered call."),

  // Tests & benchmarks
  TEST_DATABASE_URL: v("Tests & benchmarks", postgresUrl().optional(), "External PostgreSQL for `npm test` instead of an embedded one.", "embedded"),
  BENCH_DATABASE_URL: v("Tests & benchmarks", postgresUrl().optional(), "External PostgreSQL for the benchmarks instead of a throw-away one.", "throw-away embedded"),
  BENCH_PAYMENTS: v("Tests & benchmarks", positiveInt().default(10_000), "Payments per `npm run bench:payments` scenario."),
  BANK_IMPORT_TIMING: v("Tests & benchmarks", onOff(false), "Print each step's time of a bank file import on stderr (`bench:bank`'s reconciliation)."),
  INTAKE_TIMING: v("Tests & benchmarks", onOff(false), "Print each step's time of a payment intake (CSV import, G2P `/disburse`) on stderr (`bench:csv`)."),
  BENCH_MAX_OPS: v("Tests & benchmarks", wholeNumber(1, 100).default(99), "Operations per transaction in the payments benchmark."),
  BENCH_SINGLE_SECONDS: v("Tests & benchmarks", positiveInt().default(30), "Duration of the single-payment part of the payments benchmark."),
  BENCH_SCENARIOS: v(
    "Tests & benchmarks",
    z
      .string()
      .regex(/^\s*(uncapped|capped)\s*(,\s*(uncapped|capped)\s*)*$/, "must be a comma-separated list of uncapped, capped")
      .default("uncapped,capped"),
    "Scenarios of the payments benchmark.",
  ),
  BENCH_CHANNELS_UNCAPPED: v("Tests & benchmarks", positiveInt().default(20), "Channel accounts in the uncapped payments scenario."),
  BENCH_CHANNELS_CAPPED: v("Tests & benchmarks", positiveInt().default(12), "Channel accounts in the capped payments scenario."),
  BENCH_WORKERS: v("Tests & benchmarks", z.string().default("1"), "Worker process counts the payments benchmark runs (comma-separated, e.g. `1,2,4`)."),
  BENCH_RUNS: v("Tests & benchmarks", positiveInt().default(1), "Runs per worker count in the payments benchmark (min and median are printed)."),
  BENCH_MODES: v(
    "Tests & benchmarks",
    z.string().default("batched,single"),
    "Payments benchmark modes: `batched` and/or `single` (one payment per transaction, SDP's way).",
  ),
  BENCH_CLAIM_SIZES: v("Tests & benchmarks", z.string().default("1000,1000000"), "READY backlogs at which `npm run bench:payments -- claim` EXPLAINs the claim queries."),
} satisfies Record<string, Entry>;

export type ConfigName = keyof typeof CONFIG_VARIABLES;
type Shape = { [K in ConfigName]: (typeof CONFIG_VARIABLES)[K]["schema"] };

export const CONFIG_NAMES = Object.keys(CONFIG_VARIABLES) as ConfigName[];

const configSchema = z.object(Object.fromEntries(CONFIG_NAMES.map((name) => [name, CONFIG_VARIABLES[name].schema])) as Shape);

export type Config = z.infer<typeof configSchema>;

/** Rules across variables, checked once each variable is right on its own. */
function crossProblems(config: Config): string[] {
  const problems: string[] = [];
  if (config.MESSAGE_TRANSPORT === "auto" && config.SMS_API_URL) {
    const missing = (["SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN", "SMS_FROM"] as const).filter((n) => !config[n]?.trim());
    if (missing.length) problems.push(`SMS_API_URL is set but ${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing`);
  }
  return problems;
}

/** What "is required" says for the variables a process needs (scripts/start.ts sets all three). */
const REQUIRED_HINTS: Partial<Record<ConfigName, string>> = {
  DATABASE_URL: "a postgres:// URL; `npm start` sets it for the embedded database",
  AUTH_SECRET: "32+ random characters; `npm start` generates one under .data/",
  ENCRYPTION_KEY: "32+ random bytes as base64 or hex; `npm start` generates one under .data/",
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export type ConfigSource = Record<string, string | undefined>;

/**
 * Parse an environment. Throws one ConfigError listing every wrong variable with its rule
 * ("CSV_MAX_ROWS must be a positive whole number"). Empty strings count as unset, as a blank line
 * in a .env file means "not given". `require` names variables this process cannot run without.
 */
export function parseConfig(source: ConfigSource, options: { require?: readonly ConfigName[] } = {}): Config {
  const cleaned: Record<string, string> = {};
  for (const name of CONFIG_NAMES) {
    const value = source[name];
    if (value !== undefined && value !== "") cleaned[name] = value;
  }
  const problems: string[] = [];
  for (const name of options.require ?? []) {
    if (cleaned[name] === undefined) problems.push(`${name} is required${REQUIRED_HINTS[name] ? ` (${REQUIRED_HINTS[name]})` : ""}`);
  }
  const result = configSchema.safeParse(cleaned);
  if (!result.success) {
    for (const issue of result.error.issues) {
      const name = String(issue.path[0] ?? "(root)");
      // A required variable that is missing is reported once, as missing.
      if (cleaned[name] === undefined && options.require?.includes(name as ConfigName)) continue;
      problems.push(`${name} ${issue.message}`);
    }
  } else {
    problems.push(...crossProblems(result.data));
  }
  if (problems.length) throw new ConfigError(problems);
  return result.data!;
}

/** The default a variable takes when unset, as the docs show it; null when it has none. */
export function shownDefault(name: ConfigName): string | null {
  const entry: Entry = CONFIG_VARIABLES[name];
  if (entry.shownDefault) return entry.shownDefault;
  const parsed = entry.schema.safeParse(undefined);
  if (!parsed.success || parsed.data === undefined) return null;
  if (typeof parsed.data === "boolean") return parsed.data ? "on" : "off";
  return parsed.data === "" ? "(empty)" : `\`${String(parsed.data)}\``;
}
