import { configFrom, type ConfigSource } from "@/server/config";
import type { CsvLimits } from "@/server/schemas/csv.schema";

/**
 * Limits from CSV_MAX_ROWS, CSV_MAX_BYTES and CSV_MAX_ERRORS (server/config/schema.ts refuses invalid
 * values). Read here and passed to the pure validation (server/domain/csv-instructions.ts), which
 * reads no configuration itself.
 */
export function csvLimitsFromEnv(env?: ConfigSource): CsvLimits {
  const c = configFrom(env);
  return { maxRows: c.CSV_MAX_ROWS, maxBytes: c.CSV_MAX_BYTES, maxErrors: c.CSV_MAX_ERRORS };
}
