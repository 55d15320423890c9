import { CONFIG_NAMES, parseConfig, type Config, type ConfigSource } from "./schema";

export { ConfigError, parseConfig, type Config, type ConfigName, type ConfigSource } from "./schema";

let cached: { key: string; value: Config } | undefined;
/** Set by keepConfigForProcess: the first parse is kept for the life of the process. */
let kept = false;

/**
 * The configuration of this process, typed and validated (server/config/schema.ts). Parsed once
 * and cached; parsed again only when a declared variable changed since, so the launcher's and the
 * worker's own defaults (set before their first read) and tests that set or stub variables at run
 * time take effect. A wrong value throws ConfigError naming the variable and its rule.
 */
export function config(): Config {
  // A production Next.js server never changes its environment once running, and this check reads
  // every declared variable from process.env (about 0.1 ms a call, several calls per request):
  // there the first parse is kept (docs/performance.md, "Health"). Next.js inlines both values.
  if (cached && (kept || (process.env.NEXT_RUNTIME === "nodejs" && process.env.NODE_ENV === "production"))) return cached.value;
  const key = CONFIG_NAMES.map((name) => process.env[name] ?? "").join("\u0000");
  if (cached?.key !== key) cached = { key, value: parseConfig(process.env) };
  return cached.value;
}

/**
 * Keep the configuration parsed now for the rest of the process: for the production web server
 * (server/http/web-server.ts), whose own environment never changes once it runs. Its fast paths run
 * outside Next.js's bundles, where NEXT_RUNTIME is not set, so without this every config() call
 * there re-read every declared variable (about 0.1 ms a call; docs/performance/pages.md).
 */
export function keepConfigForProcess(): Config {
  const value = config();
  kept = true;
  return value;
}

/** Forget the cached configuration (tests that replace process.env wholesale). */
export function resetConfigForTests(): void {
  cached = undefined;
  kept = false;
}

/** The configuration of an explicit source (tests, the launcher's child environment), else this process's. */
export function configFrom(source?: ConfigSource): Config {
  return source ? parseConfig(source) : config();
}
