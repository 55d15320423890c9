/**
 * The example bank's state on disk: one `state.json` in its data directory, written whole after
 * every change and before the answer is sent (temporary file, fsync, rename: a crash leaves either
 * the old or the new file, never half of one). Amounts are bigints in memory and
 * `{"$bigint":"…"}` in the file, so nothing passes through a float.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { emptyState, type Account, type ApiBatch, type BankState, type Entry, type FundBlock, type Pain001Message, type Payment, type Statement } from "./state";

type StateFile = {
  version: 1;
  api_key?: string;
  accounts: Account[];
  blocks: FundBlock[];
  payments: Payment[];
  entries: Entry[];
  messages: Pain001Message[];
  batches: ApiBatch[];
  statements: Statement[];
  counters: BankState["counters"];
};

const replacer = (_key: string, value: unknown) => (typeof value === "bigint" ? { $bigint: value.toString() } : value);
const reviver = (_key: string, value: unknown) =>
  value !== null && typeof value === "object" && "$bigint" in value && typeof (value as { $bigint: unknown }).$bigint === "string"
    ? BigInt((value as { $bigint: string }).$bigint)
    : value;

export class BankPersistence {
  readonly file: string;

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, "state.json");
  }

  load(): BankState {
    if (!existsSync(this.file)) return emptyState();
    const raw = JSON.parse(readFileSync(this.file, "utf8"), reviver) as StateFile;
    if (raw.version !== 1) throw new Error(`${this.file}: unsupported state version ${String(raw.version)}`);
    const state = emptyState();
    if (raw.api_key) state.api_key = raw.api_key;
    for (const a of raw.accounts) state.accounts.set(a.account_number, a);
    for (const b of raw.blocks) state.blocks.set(b.block_reference_no, b);
    for (const p of raw.payments) state.payments.set(p.payment_reference_number, p);
    state.entries = raw.entries;
    for (const m of raw.messages) state.messages.set(m.msg_id, m);
    for (const b of raw.batches) state.batches.set(b.batch_id, b);
    for (const s of raw.statements) state.statements.set(s.id, s);
    state.counters = { ...state.counters, ...raw.counters };
    return state;
  }

  save(state: BankState): void {
    const file: StateFile = {
      version: 1,
      ...(state.api_key ? { api_key: state.api_key } : {}),
      accounts: [...state.accounts.values()],
      blocks: [...state.blocks.values()],
      payments: [...state.payments.values()],
      entries: state.entries,
      messages: [...state.messages.values()],
      batches: [...state.batches.values()],
      statements: [...state.statements.values()],
      counters: state.counters,
    };
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(file, replacer), { flush: true });
    renameSync(tmp, this.file);
  }
}
