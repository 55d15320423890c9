import { CONFIG_NAMES, parseConfig, type Config, type ConfigSource } from "./schema";

export { ConfigError, parseConfig, type Config, type ConfigName, type ConfigSource } from "./schema";

let cached: { key: string; value: Config } | undefined;

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
  if (cached && process.env.NEXT_RUNTIME === "nodejs" && process.env.NODE_ENV === "production") return cached.value;
  const key = CONFIG_NAMES.map((name) => process.env[name] ?? "").join("\u0000");
  if (cached?.key !== key) cached = { key, value: parseConfig(process.env) };
  return cached.value;
}

/** Forget the cached configuration (tests that replace process.env wholesale). */
export function resetConfigForTests(): void {
  cached = undefined;
}

/** The configuration of an explicit source (tests, the launcher's child environment), else this process's. */
export function configFrom(source?: ConfigSource): Config {
  return source ? parseConfig(source) : config();
}
