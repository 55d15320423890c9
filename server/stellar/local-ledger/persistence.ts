/**
 * Durable state of the local ledger, in `dataDir`:
 *  - `accounts.json`: every account (bigints as strings) and the ledger number they reflect, plus the
 *    transactions of that ledger (`lastTxs`); written whole (tmp file + rename) after each ledger close
 *    that changed an account;
 *  - `transactions.ndjson`: the journal of applied transactions, one JSON line each, appended after
 *    `accounts.json` is in place. If the process dies between the two writes, the next start appends
 *    the missing `lastTxs`, so balances and the transaction history never disagree;
 *  - `ledger.json`: the last closed ledger and recent ledger headers, written (tmp + rename) each close.
 * Responses to submitters are sent only after these writes: an answered result survives a restart.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { AccountState, Trustline } from "./state";

export interface TxRecord {
  hash: string;
  /** Hash of the inner transaction of a fee bump. */
  innerHash?: string;
  ledger: number;
  /** 1-based position in its ledger. */
  applicationOrder: number;
  pagingToken: string;
  createdAt: string;
  envelopeXdr: string;
  resultXdr: string;
  feeCharged: string;
  maxFee: string;
  successful: boolean;
  resultCodes: { transaction: string; operations?: string[]; inner_transaction?: { transaction: string; operations?: string[] } };
  sourceAccount: string;
  sourceAccountMuxed?: string;
  sourceAccountSequence: string;
  feeAccount: string;
  feeAccountMuxed?: string;
  operationCount: number;
  /** Horizon operation ids (TOID: ledger << 32 | order << 12 | index + 1), decimal. */
  operationIds: string[];
  memoType: "none" | "text" | "id" | "hash" | "return";
  memo?: string;
  memoBytes?: string;
  signatures: string[];
  innerSignatures?: string[];
  innerMaxFee?: string;
  timeBounds?: { minTime: string; maxTime: string };
  ledgerBounds?: { minLedger: number; maxLedger: number };
  /** Every account the transaction touches (sources, fee account, destinations). */
  accounts: string[];
}

export interface LedgerHeader {
  sequence: number;
  hash: string;
  prevHash: string;
  closeTime: number;
  closedAt: string;
  successfulTransactionCount: number;
  failedTransactionCount: number;
  operationCount: number;
  txSetOperationCount: number;
  baseFee: number;
  baseReserve: number;
  totalCoins: string;
  feePool: string;
  maxTxSetSize: number;
}

export interface PersistedLedger {
  networkPassphrase: string;
  ledgerSeq: number;
  closeTime: number;
  feePool: string;
  accounts: AccountState[];
  headers: LedgerHeader[];
  txs: TxRecord[];
}

interface AccountJson {
  id: string;
  balance: string;
  seqNum: string;
  seqLedger: number;
  seqTime: string;
  thresholds: AccountState["thresholds"];
  signers: AccountState["signers"];
  flags: number;
  homeDomain: string;
  subentries: number;
  numSponsoring: number;
  numSponsored: number;
  sponsor?: string;
  trustlines: Array<Omit<Trustline, "balance" | "limit"> & { balance: string; limit: string }>;
  data: Array<[string, { value: string; sponsor?: string }]>;
  lastModifiedLedger: number;
  lastModifiedTime: string;
}

const VERSION = 1;
const KEEP_HEADERS = 20;

export function accountToJson(a: AccountState): AccountJson {
  return {
    id: a.id,
    balance: a.balance.toString(),
    seqNum: a.seqNum.toString(),
    seqLedger: a.seqLedger,
    seqTime: a.seqTime.toString(),
    thresholds: a.thresholds,
    signers: a.signers,
    flags: a.flags,
    homeDomain: a.homeDomain,
    subentries: a.subentries,
    numSponsoring: a.numSponsoring,
    numSponsored: a.numSponsored,
    ...(a.sponsor ? { sponsor: a.sponsor } : {}),
    trustlines: [...a.trustlines.values()].map((t) => ({ ...t, balance: t.balance.toString(), limit: t.limit.toString() })),
    data: [...a.data.entries()],
    lastModifiedLedger: a.lastModifiedLedger,
    lastModifiedTime: a.lastModifiedTime.toString(),
  };
}

export function accountFromJson(j: AccountJson): AccountState {
  const trustlines = new Map<string, Trustline>();
  for (const t of j.trustlines) trustlines.set(`${t.code}:${t.issuer}`, { ...t, balance: BigInt(t.balance), limit: BigInt(t.limit) });
  return {
    id: j.id,
    balance: BigInt(j.balance),
    seqNum: BigInt(j.seqNum),
    seqLedger: j.seqLedger,
    seqTime: BigInt(j.seqTime),
    thresholds: j.thresholds,
    signers: j.signers,
    flags: j.flags,
    homeDomain: j.homeDomain,
    subentries: j.subentries,
    numSponsoring: j.numSponsoring,
    numSponsored: j.numSponsored,
    ...(j.sponsor ? { sponsor: j.sponsor } : {}),
    trustlines,
    data: new Map(j.data),
    lastModifiedLedger: j.lastModifiedLedger,
    lastModifiedTime: BigInt(j.lastModifiedTime),
  };
}

function writeAtomic(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export class LedgerPersistence {
  readonly accountsFile: string;
  readonly journalFile: string;
  readonly ledgerFile: string;
  /** Serialised accounts, by id, so an unchanged account is not stringified again at every close. */
  private readonly accountJsonCache = new Map<string, string>();

  constructor(readonly dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.accountsFile = path.join(dataDir, "accounts.json");
    this.journalFile = path.join(dataDir, "transactions.ndjson");
    this.ledgerFile = path.join(dataDir, "ledger.json");
  }

  /** The stored ledger, or null for a fresh data directory. */
  load(): PersistedLedger | null {
    if (!existsSync(this.accountsFile)) return null;
    const snap = JSON.parse(readFileSync(this.accountsFile, "utf8")) as {
      version: number;
      networkPassphrase: string;
      ledgerSeq: number;
      closeTime: number;
      feePool: string;
      accounts: AccountJson[];
      lastTxs: TxRecord[];
    };
    if (snap.version !== VERSION) throw new Error(`${this.accountsFile}: unsupported version ${snap.version}`);

    const txs = this.readJournal();
    const known = new Set(txs.map((t) => t.hash));
    const missing = snap.lastTxs.filter((t) => !known.has(t.hash));
    if (missing.length > 0) {
      // The process stopped after writing accounts.json and before the journal: complete the journal.
      this.appendTransactions(missing);
      txs.push(...missing);
    }

    let ledgerSeq = snap.ledgerSeq;
    let closeTime = snap.closeTime;
    let feePool = snap.feePool;
    let headers: LedgerHeader[] = [];
    if (existsSync(this.ledgerFile)) {
      const l = JSON.parse(readFileSync(this.ledgerFile, "utf8")) as { ledgerSeq: number; closeTime: number; feePool: string; headers: LedgerHeader[] };
      headers = l.headers;
      if (l.ledgerSeq > ledgerSeq) {
        ledgerSeq = l.ledgerSeq;
        closeTime = l.closeTime;
        feePool = l.feePool;
      }
    }
    return {
      networkPassphrase: snap.networkPassphrase,
      ledgerSeq,
      closeTime,
      feePool,
      accounts: snap.accounts.map(accountFromJson),
      headers: headers.filter((h) => h.sequence <= ledgerSeq),
      txs,
    };
  }

  private readJournal(): TxRecord[] {
    if (!existsSync(this.journalFile)) return [];
    const text = readFileSync(this.journalFile, "utf8");
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline < text.length - 1) {
      // A torn last line (the process died mid-append): drop it so later appends start on a fresh line.
      truncateSync(this.journalFile, Buffer.byteLength(text.slice(0, lastNewline + 1)));
    }
    const out: TxRecord[] = [];
    for (const line of text.slice(0, lastNewline + 1).split("\n")) {
      if (!line) continue;
      try {
        out.push(JSON.parse(line) as TxRecord);
      } catch {
        // skip a damaged line
      }
    }
    return out;
  }

  private appendTransactions(txs: TxRecord[]): void {
    if (txs.length === 0) return;
    appendFileSync(this.journalFile, txs.map((t) => JSON.stringify(t)).join("\n") + "\n");
  }

  /**
   * Persist one closed ledger. `accounts` is given when some account changed in it: all accounts are
   * written, but only the changed ones are serialised again (the others' JSON is cached).
   */
  saveClose(p: {
    networkPassphrase: string;
    ledgerSeq: number;
    closeTime: number;
    feePool: string;
    accounts: { all: Iterable<AccountState>; changed: Set<string> } | null;
    txs: TxRecord[];
    headers: LedgerHeader[];
  }): void {
    if (p.accounts) {
      const parts: string[] = [];
      for (const a of p.accounts.all) {
        let json = this.accountJsonCache.get(a.id);
        if (json === undefined || p.accounts.changed.has(a.id)) {
          json = JSON.stringify(accountToJson(a));
          this.accountJsonCache.set(a.id, json);
        }
        parts.push(json);
      }
      const head = JSON.stringify({ version: VERSION, networkPassphrase: p.networkPassphrase, ledgerSeq: p.ledgerSeq, closeTime: p.closeTime, feePool: p.feePool });
      writeAtomic(this.accountsFile, `${head.slice(0, -1)},"lastTxs":${JSON.stringify(p.txs)},"accounts":[${parts.join(",")}]}`);
    }
    this.appendTransactions(p.txs);
    writeAtomic(
      this.ledgerFile,
      JSON.stringify({
        version: VERSION,
        networkPassphrase: p.networkPassphrase,
        ledgerSeq: p.ledgerSeq,
        closeTime: p.closeTime,
        feePool: p.feePool,
        headers: p.headers.slice(-KEEP_HEADERS),
      }),
    );
  }
}
