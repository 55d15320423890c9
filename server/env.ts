import { ConfigError, parseConfig, type Config } from "@/server/config/schema";

/**
 * Environment of the web server, validated once at start-up against the one declaration of every
 * variable (server/config/schema.ts; read values through `config()` from server/config). The web
 * server cannot run without DATABASE_URL, AUTH_SECRET and ENCRYPTION_KEY; the launcher
 * (scripts/start.ts) fills them for the embedded defaults, so a plain `npm start` needs nothing set.
 */
export type Env = Config & { DATABASE_URL: string; AUTH_SECRET: string; ENCRYPTION_KEY: string; APP_URL: string };

export { ConfigError as EnvError };

/** Parse an environment; throws EnvError listing every variable that is wrong and why. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const parsed = parseConfig(source, { require: ["DATABASE_URL", "AUTH_SECRET", "ENCRYPTION_KEY"] });
  return { ...parsed, APP_URL: parsed.APP_URL ?? "http://localhost:3000" } as Env;
}

let cached: Env | undefined;

export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
