import { Readable, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Sql } from "postgres";
import type { DbOrTx } from "@/db/client";

/**
 * PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary
 * Format"), written by hand for the bank-file import (docs/bank-files.md, "Reconciliation performance"):
 * the file's bytes and its entries reach the server without hex or JSON text to build here and parse
 * there. Only these column types are written: int4, bool, text, uuid (16 bytes) and jsonb (version byte and text). Each COPY goes
 * into a transaction-local staging table without constraints, so it cannot fail after its last piece
 * (postgres.js never settles a COPY whose error arrives then; server/services/disbursements/import-instructions.ts).
 */

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
/** Pieces handed to the driver (each is copied once into a CopyData message). */
const PIECE_BYTES = 1024 * 1024;

/** `{ jsonb }`: JSON text for a jsonb column (binary format: version 1, then the text). */
export type CopyValue = string | number | boolean | null | { uuid: string } | { jsonb: string };

/** The header every binary COPY starts with: signature, flags 0, no extension. */
function header(): Buffer {
  const b = Buffer.alloc(SIGNATURE.length + 8);
  SIGNATURE.copy(b, 0);
  return b;
}

const TRAILER = Buffer.from([0xff, 0xff]);

/** Builds binary COPY rows into ~1 MB buffers. Integers are int4, booleans bool, strings text (UTF-8). */
export class BinaryCopyWriter {
  private buf = Buffer.allocUnsafe(PIECE_BYTES);
  private at = 0;
  private readonly done: Buffer[] = [];

  constructor() {
    this.raw(header());
  }

  private ensure(bytes: number) {
    if (this.at + bytes <= this.buf.length) return;
    if (this.at > 0) this.done.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(PIECE_BYTES, bytes));
    this.at = 0;
  }

  private raw(b: Buffer) {
    this.ensure(b.length);
    b.copy(this.buf, this.at);
    this.at += b.length;
  }

  row(values: readonly CopyValue[]) {
    this.ensure(2);
    this.buf.writeInt16BE(values.length, this.at);
    this.at += 2;
    for (const v of values) {
      if (v === null) {
        this.ensure(4);
        this.buf.writeInt32BE(-1, this.at);
        this.at += 4;
      } else if (typeof v === "number") {
        this.ensure(8);
        this.buf.writeInt32BE(4, this.at);
        this.buf.writeInt32BE(v, this.at + 4);
        this.at += 8;
      } else if (typeof v === "boolean") {
        this.ensure(5);
        this.buf.writeInt32BE(1, this.at);
        this.buf[this.at + 4] = v ? 1 : 0;
        this.at += 5;
      } else if (typeof v === "string") {
        // At most 3 bytes of UTF-8 per UTF-16 unit; the exact length is patched in after writing.
        this.ensure(4 + v.length * 3);
        const written = this.buf.write(v, this.at + 4, "utf8");
        this.buf.writeInt32BE(written, this.at);
        this.at += 4 + written;
      } else if ("jsonb" in v) {
        this.ensure(5 + v.jsonb.length * 3);
        this.buf[this.at + 4] = 1;
        const written = this.buf.write(v.jsonb, this.at + 5, "utf8");
        this.buf.writeInt32BE(written + 1, this.at);
        this.at += 5 + written;
      } else {
        this.ensure(20);
        this.buf.writeInt32BE(16, this.at);
        const hex = v.uuid.replace(/-/g, "");
        if (!/^[0-9a-f]{32}$/i.test(hex)) throw new Error(`not a uuid: ${JSON.stringify(v.uuid)}`);
        this.buf.write(hex, this.at + 4, "hex");
        this.at += 20;
      }
    }
  }

  /** Pieces ready to send (taken out of the writer). */
  drain(): Buffer[] {
    return this.done.splice(0);
  }

  /** The last pieces, with the trailer. */
  finish(): Buffer[] {
    this.raw(TRAILER);
    this.done.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.alloc(0);
    this.at = 0;
    return this.drain();
  }
}

function clientOf(tx: DbOrTx): Sql {
  const client = (tx._.session as unknown as { client?: Sql }).client;
  if (typeof client?.unsafe !== "function") throw new Error("bank file import needs the postgres.js driver (COPY FROM STDIN)");
  return client;
}

/**
 * Run a query and hand its rows to `onRows` `batch` at a time (a server-side cursor): a query of
 * 100,000 rows never holds them all as objects at once. `params` are $1, $2, … in `text`.
 */
export async function eachRowBatch<T>(tx: DbOrTx, text: string, params: readonly (string | null)[], batch: number, onRows: (rows: readonly T[]) => void) {
  await clientOf(tx)
    .unsafe(text, params as (string | null)[])
    .cursor(batch, (rows) => {
      onRows(rows as unknown as readonly T[]);
    });
}

/** COPY `pieces` (a binary COPY stream, header to trailer) into `target` (e.g. `staging (a, b)`). */
export async function copyBinary(tx: DbOrTx, target: string, pieces: Iterable<Buffer>) {
  const copy = await clientOf(tx).unsafe(`copy ${target} from stdin with (format binary)`).writable();
  await pipeline(Readable.from(pieces, { objectMode: false }), copy as Writable);
}

/** One bytea value (a whole file) as a binary COPY stream, in 1 MB pieces that are views of `content` (no copy here). */
/** One uuid column, a row per id. */
export function* uuidCopyPieces(ids: Iterable<string>): Generator<Buffer> {
  const w = new BinaryCopyWriter();
  for (const id of ids) {
    w.row([{ uuid: id }]);
    yield* w.drain();
  }
  yield* w.finish();
}

export function* byteaCopyPieces(content: Buffer): Generator<Buffer> {
  const lead = Buffer.alloc(header().length + 2 + 4);
  header().copy(lead, 0);
  lead.writeInt16BE(1, header().length);
  lead.writeInt32BE(content.length, header().length + 2);
  yield lead;
  for (let at = 0; at < content.length; at += PIECE_BYTES) yield content.subarray(at, at + PIECE_BYTES);
  yield TRAILER;
}
