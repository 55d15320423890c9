import { z } from "zod";

/**
 * Environment of the web server and the worker, validated once at start-up.
 * The launcher (scripts/start.ts) fills DATABASE_URL and AUTH_SECRET for the embedded defaults,
 * so a plain `npm start` needs nothing set.
 */
const envSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  DATABASE_URL: z
    .string({ error: "is required (a postgres:// URL; `npm start` sets it for the embedded database)" })
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL"),
  AUTH_SECRET: z
    .string({ error: "is required (32+ random characters; `npm start` generates one under .data/)" })
    .min(32, "must be at least 32 characters long"),
  ENCRYPTION_KEY: z
    .string({ error: "is required (32+ random bytes as base64 or hex; `npm start` generates one under .data/)" })
    .refine(
      (v) => (/^[0-9a-f]{64,}$/i.test(v) ? Buffer.from(v, "hex") : Buffer.from(v, "base64")).length >= 32,
      "must hold at least 32 bytes (base64 or hex)",
    ),
  APP_URL: z.url({ error: "must be an absolute URL such as http://localhost:3000" }).default("http://localhost:3000"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  PASSWORD_HASH_COST: z.coerce
    .number({ error: "must be a whole number" })
    .int("must be a whole number")
    .min(4, "must be at least 4")
    .max(15, "must be at most 15")
    .default(12),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1, "must be at least 1").default(5),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1, "must be at least 1").default(60),
  // Sign-in throttling beyond (email, address): docs/security.md, "Sign-in throttling".
  LOGIN_IP_MAX_FAILURES: z.coerce.number().int().min(1, "must be at least 1").default(50),
  LOGIN_IP_WINDOW_SECONDS: z.coerce.number().int().min(1, "must be at least 1").default(600),
  LOGIN_ACCOUNT_DELAY_AFTER: z.coerce.number().int().min(1, "must be at least 1").default(10),
  LOGIN_ACCOUNT_WINDOW_SECONDS: z.coerce.number().int().min(1, "must be at least 1").default(900),
  LOGIN_ACCOUNT_MAX_DELAY_SECONDS: z.coerce.number().int().min(0, "must be 0 or more").max(60, "must be at most 60").default(30),
  /** How many reverse proxies in front of the app append to X-Forwarded-For (0: use the socket address). */
  TRUSTED_PROXY_HOPS: z.coerce.number({ error: "must be a whole number" }).int("must be a whole number").min(0, "must be 0 or more").max(10, "must be at most 10").default(0),
  STELLAR_NETWORK: z.enum(["local", "testnet", "pubnet"], { error: "must be one of local, testnet, pubnet" }).default("local"),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Parse an environment; throws EnvError listing every variable that is wrong and why. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  // Empty strings count as unset, as a blank line in a .env file means "not given".
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const result = envSchema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((i) => `${i.path.join(".") || "(root)"} ${i.message}`));
  }
  return result.data;
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
