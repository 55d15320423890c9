import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Sql } from "postgres";
import type { DbOrTx } from "@/db/client";

/** Rows per statement of chunked writes (one JSON parameter each). */
export const LOAD_CHUNK_ROWS = 5_000;
/** Rows per piece of a COPY stream into a staging table. */
export const COPY_CHUNK_ROWS = 2_000;

const HEX_DIGITS = Buffer.from("0123456789abcdef", "latin1");

/**
 * New ids for the receivers, receiver wallets and payments of one intake: version 7 UUIDs (RFC 9562: a
 * millisecond timestamp, then a counter, then random bits), increasing in row order. Ids that
 * increase make every index they enter (receivers' and receiver wallets' keys, the payments'
 * receiver and receiver wallet indexes, the foreign-key probes) append at its right edge instead
 * of touching a random page per row. Made in batches as flat strings: `crypto.randomUUID()`
 * returns a rope of ~20 pieces, about 500 bytes a string (200,000 of them held ~100 MB).
 */
export function uuidSource(batch = 4096): () => string {
  const now = Date.now();
  // 48-bit big-endian millisecond timestamp (2^32 splits it without losing precision).
  const stamp = [now / 2 ** 40, now / 2 ** 32, now / 2 ** 24, now / 2 ** 16, now / 2 ** 8, now].map((v) => Math.floor(v) & 0xff);
  let counter = randomBytes(3).readUIntBE(0, 3); // 26 bits (12 in rand_a, 14 atop rand_b), seeded below 2^24
  let ids: string[] = [];
  let next = 0;
  return () => {
    if (next === ids.length) {
      const raw = randomBytes(16 * batch);
      const text = Buffer.allocUnsafe(36 * batch);
      ids = new Array<string>(batch);
      for (let i = 0, t = 0; i < batch; i++, counter++) {
        const r = i * 16;
        for (let k = 0; k < 6; k++) raw[r + k] = stamp[k] ?? 0;
        raw[r + 6] = 0x70 | ((counter >>> 22) & 0x0f); // version 7
        raw[r + 7] = (counter >>> 14) & 0xff;
        raw[r + 8] = 0x80 | ((counter >>> 8) & 0x3f); // RFC variant
        raw[r + 9] = counter & 0xff;
        const start = t;
        for (let j = 0; j < 16; j++) {
          if (j === 4 || j === 6 || j === 8 || j === 10) text[t++] = 0x2d;
          const byte = raw[r + j] ?? 0;
          text[t++] = HEX_DIGITS[byte >> 4] ?? 0;
          text[t++] = HEX_DIGITS[byte & 15] ?? 0;
        }
        ids[i] = text.toString("latin1", start, t);
      }
      next = 0;
    }
    return ids[next++] as string;
  };
}

/**
 * Run `count` statements on the transaction's connection with up to `depth` in flight
 * (postgres.js pipelines them), so PostgreSQL works on one chunk while the next is serialized.
 * Stops issuing after the first failure and rethrows it.
 */
export async function pipelined(count: number, make: (i: number) => PromiseLike<unknown>, depth = 3) {
  const inflight: Promise<void>[] = [];
  const failures: unknown[] = [];
  for (let i = 0; i < count && failures.length === 0; i++) {
    inflight.push(
      Promise.resolve(make(i)).then(
        () => undefined,
        (error: unknown) => {
          failures.push(error);
        },
      ),
    );
    if (inflight.length >= depth) await inflight.shift();
  }
  await Promise.all(inflight);
  if (failures.length > 0) throw failures[0];
}

/**
 * Write `items` in chunks: each chunk is one statement reading a JSON array of records (built per
 * chunk, so only a few chunks are in memory at a time). Every item must be written.
 */
export async function writeChunks<T>(items: readonly T[], toRecord: (item: T) => unknown, statement: (json: string) => PromiseLike<{ count: number }>) {
  let written = 0;
  await pipelined(Math.ceil(items.length / LOAD_CHUNK_ROWS), async (i) => {
    const chunk = items.slice(i * LOAD_CHUNK_ROWS, (i + 1) * LOAD_CHUNK_ROWS).map(toRecord);
    const result = await statement(JSON.stringify(chunk));
    written += result.count;
  });
  if (written !== items.length) throw new Error(`intake wrote ${written} rows for ${items.length}`);
}

/**
 * `= any($1::text[])` over many values in one array parameter (values must not be null). Run
 * under `plan_cache_mode = force_custom_plan` (see lookUp) the array is a constant when planned,
 * so even a plan that filters rows instead of probing an index (likely right after a bulk insert,
 * before statistics catch up) tests each row with a hash instead of a linear scan. A generic plan
 * (postgres.js prepares statements; PostgreSQL goes generic after 5 runs), `any(array(select ...))`
 * or `in (select json_array_elements_text(...))` lose that and turned 100,000 rows into minutes.
 */
export const anyText = (values: string[]) => sql`any(${sql.param(values)}::text[])`;
export const anyUuid = (values: string[]) => sql`any(${sql.param(values)}::uuid[])`;

/**
 * Run the bulk lookups with custom plans only: the setting must not stay on for the writes, where
 * it would make PostgreSQL re-plan the foreign-key check of every inserted row.
 */
export async function lookUp<T>(tx: DbOrTx, fn: () => Promise<T>): Promise<T> {
  const [previous] = await tx.execute<{ mode: string }>(sql`select current_setting('plan_cache_mode') as mode, set_config('plan_cache_mode', 'force_custom_plan', true)`);
  const result = await fn();
  await tx.execute(sql`select set_config('plan_cache_mode', ${previous?.mode ?? "auto"}, true)`);
  return result;
}

/**
 * The postgres.js connection under a drizzle transaction: COPY has no drizzle API. (Only a COPY that
 * cannot fail goes through it: postgres.js never settles a COPY whose error arrives after the last
 * row was sent, such as a foreign-key check at the end of the statement.)
 */
export function rawSql(tx: DbOrTx): Sql {
  const client = (tx._.session as unknown as { client?: Sql }).client;
  if (typeof client?.unsafe !== "function") throw new Error("intake needs the postgres.js driver (COPY FROM STDIN)");
  return client;
}

const COPY_ESCAPES: Record<string, string> = { "\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r" };
/** A value in COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
export function copyText(value: string | null | undefined): string {
  if (value === null || value === undefined) return "\\N";
  return /[\\\t\n\r]/.test(value) ? value.replace(/[\\\t\n\r]/g, (c) => COPY_ESCAPES[c] ?? c) : value;
}
