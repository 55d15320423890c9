/**
 * A bank file import in its own process, for tests/integration/bank-crash.test.ts to SIGKILL in the
 * middle: the real service (importBankFile) on its own database connection, named by
 * IMPORT_APPLICATION_NAME so the test can watch the connection's statements in pg_stat_activity.
 *
 *   DATABASE_URL=… IMPORT_ORG_ID=… IMPORT_USER_ID=… IMPORT_FILE=… [IMPORT_CONNECTION_ID=…]
 *   IMPORT_APPLICATION_NAME=… node --import tsx tests/support/import-bank-file-child.ts
 *
 * Prints `ready <backend pid>` once the file is read and the connection is open, then
 * `done <result JSON>` when the import has committed.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { createDb } from "@/db/client";
import { importBankFile } from "@/server/services/bank-files/import-bank-file";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main() {
  const file = required("IMPORT_FILE");
  const content = readFileSync(file);
  // One connection: the application name set on it names every statement of the import.
  const { db, sql: client } = createDb(required("DATABASE_URL"), { max: 1 });
  try {
    await db.execute(sql`select set_config('application_name', ${required("IMPORT_APPLICATION_NAME")}, false)`);
    const [backend] = await db.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    process.stdout.write(`ready ${backend!.pid}\n`);
    const result = await importBankFile(
      { db, actor: { userId: required("IMPORT_USER_ID") }, org: { id: required("IMPORT_ORG_ID") }, role: "owner" },
      { fileName: path.basename(file), content, source: "API", connectionId: process.env.IMPORT_CONNECTION_ID || null },
    );
    process.stdout.write(`done ${JSON.stringify({ already_imported: result.already_imported, outcomes: result.outcomes, entries: result.file.entry_count })}\n`);
  } finally {
    await client.end({ timeout: 5 });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
