import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from "./embedded-postgres";
import { config } from "../../server/config";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
const dataDir = config().DATA_DIR;
export const DATA_DIR = dataDir ? path.resolve(dataDir) : path.join(ROOT, ".data");

/** AUTH_SECRET from the environment, else one generated once and kept under .data/. */
export function ensureAuthSecret(): string {
  const given = config().AUTH_SECRET;
  if (given) return given;
  mkdirSync(DATA_DIR, { recursive: true });
  const file = path.join(DATA_DIR, "auth-secret");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

/** ENCRYPTION_KEY from the environment, else one generated once and kept under .data/. Losing it loses encrypted secrets. */
export function ensureEncryptionKey(): string {
  const given = config().ENCRYPTION_KEY;
  if (given) return given;
  mkdirSync(DATA_DIR, { recursive: true });
  const file = path.join(DATA_DIR, "encryption-key");
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

/**
 * DATABASE_URL from the environment, else the embedded PostgreSQL under .data/ (started here,
 * or joined when the app already runs it).
 */
export async function ensureDatabase(log: (line: string) => void): Promise<{ url: string; embedded: EmbeddedPostgresHandle | null }> {
  const { DATABASE_URL, EMBEDDED_PG_PORT: port } = config();
  if (DATABASE_URL) return { url: DATABASE_URL, embedded: null };
  const handle = await startEmbeddedPostgres({ dir: DATA_DIR, port, database: "disbursements", log });
  return { url: handle.url, embedded: handle };
}
