import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import postgres from "postgres";
import type { TestProject } from "vitest/node";
import { applyMigrations } from "../../db/migrate";
import { freePort, startEmbeddedPostgres, type EmbeddedPostgresHandle } from "../../scripts/lib/embedded-postgres";

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated database every integration test file shares (isolate data with unique orgs/emails). */
    databaseUrl: string;
    /** A database on the same server from which tests may CREATE/DROP their own throw-away databases. */
    adminDatabaseUrl: string;
  }
}

/** The same server and credentials as `url`, another database. */
export function databaseUrlFor(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

export function uniqueDatabaseName(prefix = "sdp_test"): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`create database ${quoteIdent(name)}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
  return databaseUrlFor(adminUrl, name);
}

export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    try {
      // FORCE (PostgreSQL 13+) ends sessions a test may have leaked.
      await sql.unsafe(`drop database if exists ${quoteIdent(name)} with (force)`);
    } catch {
      await sql.unsafe(`drop database if exists ${quoteIdent(name)}`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * One PostgreSQL server for the integration run: the one TEST_DATABASE_URL points at, else a
 * throw-away embedded cluster in a fresh temporary folder. A fresh, uniquely named database is
 * created and migrated; tests reach it through `inject("databaseUrl")`.
 */
export default async function setup(project: TestProject) {
  let embedded: EmbeddedPostgresHandle | null = null;
  let tempDir: string | null = null;
  let adminUrl: string;

  const external = process.env.TEST_DATABASE_URL;
  if (external) {
    adminUrl = external;
  } else {
    tempDir = mkdtempSync(path.join(os.tmpdir(), "sdp-test-pg-"));
    // As root, PostgreSQL runs as a separate `postgres` user: the package chowns the cluster folder
    // (<tempDir>/pg), but that user must also be able to traverse the 0700 folder mkdtemp made.
    if (process.getuid?.() === 0) chmodSync(tempDir, 0o755);
    const log: string[] = [];
    try {
      embedded = await startEmbeddedPostgres({
        dir: tempDir,
        port: await freePort(),
        database: "postgres",
        fast: true,
        log: (line) => log.push(line),
      });
    } catch (error) {
      rmSync(tempDir, { recursive: true, force: true });
      throw new Error(`Could not start embedded PostgreSQL: ${(error as Error)?.message ?? error}\n${log.slice(-20).join("\n")}`);
    }
    adminUrl = embedded.url;
  }

  const database = uniqueDatabaseName();
  let url: string;
  try {
    url = await createDatabase(adminUrl, database);
    await applyMigrations(url);
  } catch (error) {
    await embedded?.stop();
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    throw error;
  }

  project.provide("databaseUrl", url);
  project.provide("adminDatabaseUrl", adminUrl);

  return async function teardown() {
    try {
      await dropDatabase(adminUrl, database);
    } finally {
      await embedded?.stop();
      if (tempDir) rmSync(tempDir, { recursive: true, force: true });
    }
  };
}
