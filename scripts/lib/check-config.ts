/**
 * Imported first by the launcher, the worker and the CLI: a wrong value in the environment stops
 * start-up with one message naming every wrong variable and its rule (server/config/schema.ts),
 * before anything reads it.
 */
import { ConfigError, parseConfig, type Config, type ConfigName } from "../../server/config/schema";

export function checkConfig(source: Record<string, string | undefined> = process.env, options: { require?: readonly ConfigName[] } = {}): Config {
  try {
    return parseConfig(source, options);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

checkConfig();
