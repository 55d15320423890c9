/**
 * The instructions upload limit, end to end (docs/security.md, "Limits"): CSV_MAX_BYTES bounds the
 * file (default 20 MB, the same number validateInstructionsCsv uses), the multipart body may add
 * a little framing on top, and Next.js' proxy must copy at least that much of a body (its own
 * default is 10 MiB, which cut larger uploads short). Pure: next.config.ts imports it.
 */
import { configFrom, type ConfigSource } from "../config";

export const DEFAULT_CSV_MAX_BYTES = 20 * 1024 * 1024;
/** Multipart framing (boundaries, part headers, a long file name) allowed on top of the file. */
export const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
/** How much more the proxy copies than the route accepts, so a cut-short copy is still "too large". */
const PROXY_MARGIN_BYTES = 1024 * 1024;

/** CSV_MAX_BYTES as csvLimitsFromEnv reads it (a positive whole number; server/config/schema.ts). */
export function csvMaxBytes(env?: ConfigSource): number {
  return configFrom(env).CSV_MAX_BYTES;
}

/** BANK_FILE_MAX_BYTES: the largest bank file an import accepts (server/services/bank-files/import-bank-file.ts). */
export function bankFileMaxBytes(env?: ConfigSource): number {
  return configFrom(env).BANK_FILE_MAX_BYTES;
}

/** The largest multipart body the upload routes read. */
export function uploadBodyLimit(env?: ConfigSource): number {
  return csvMaxBytes(env) + MULTIPART_OVERHEAD_BYTES;
}

/** Next.js' `experimental.proxyClientMaxBodySize`: above the routes' limits (CSV and bank files), never below Next's 10 MiB default. */
export function proxyBodyLimit(env?: ConfigSource): number {
  return Math.max(10 * 1024 * 1024, uploadBodyLimit(env) + PROXY_MARGIN_BYTES, bankFileMaxBytes(env) + MULTIPART_OVERHEAD_BYTES + PROXY_MARGIN_BYTES);
}

/** "20 MB", "25.3 MB", "512 KB", "900 bytes" (1 MB = 1,048,576 bytes, as the CSV errors count). */
export function formatSize(bytes: number): string {
  const mb = 1024 * 1024;
  if (bytes >= mb) return bytes % mb === 0 ? `${bytes / mb} MB` : `${(bytes / mb).toFixed(1).replace(/\.0$/, "")} MB`;
  if (bytes >= 1024) return bytes % 1024 === 0 ? `${bytes / 1024} KB` : `${(bytes / 1024).toFixed(1).replace(/\.0$/, "")} KB`;
  return `${bytes} bytes`;
}

/** The 413 sentence: "The file is 25.3 MB; the limit is 20 MB." (`atLeast` when the upload was cut off while streaming). */
export function tooLargeMessage(size: number, limit: number, atLeast = false): string {
  let shown = formatSize(size);
  // Never print a size that reads as equal to the limit.
  if (shown === formatSize(limit)) shown = `${atLeast ? "more than" : "just over"} ${shown}`;
  else if (atLeast) shown = `more than ${shown}`;
  return `The file is ${shown}; the limit is ${formatSize(limit)}.`;
}
