import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as schema from "./schema";
import { config } from "../server/config";

export type Db = PostgresJsDatabase<typeof schema>;
/** A database handle or an open transaction: services accept either and join the caller's transaction. */
export type DbOrTx = Db | Parameters<Parameters<Db["transaction"]>[0]>[0];

export function createDb(url: string, options: { max?: number } = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    // Money columns are NUMERIC: keep them as exact strings (postgres.js does by default).
  });
  const db = drizzle(sql, { schema, casing: "snake_case" });
  return { db, sql };
}

const globalForDb = globalThis as unknown as { __db?: ReturnType<typeof createDb> };

/** The process-wide pool, created on first use from DATABASE_URL. */
export function getDb(): Db {
  if (!globalForDb.__db) {
    const url = config().DATABASE_URL;
    if (!url) throw new Error("DATABASE_URL is not set");
    globalForDb.__db = createDb(url);
  }
  return globalForDb.__db.db;
}

export async function closeDb() {
  await globalForDb.__db?.sql.end({ timeout: 5 });
  globalForDb.__db = undefined;
}
