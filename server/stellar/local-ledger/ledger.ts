/**
 * The local ledger: a transaction queue and ledgers that close on a timer.
 *
 * - Submission validates against the current state (as for the next ledger) and queues the transaction.
 *   One pending transaction per source account: a different transaction from a source that already has
 *   one pending is refused (`source_busy`). Resubmitting a queued transaction is a duplicate; resubmitting
 *   an applied one returns its stored result.
 * - Each close takes the queue (at most `maxOpsPerLedger` operations, ranked by fee per operation when
 *   over capacity; 0 = no cap), validates each transaction again against the state as it stands, applies
 *   the valid ones in arrival order, drops the invalid ones, persists, and only then answers the waiters.
 * - Every applied transaction is stored by hash (and by inner hash for a fee bump).
 */
import { createHash } from "node:crypto";
import { Account, Keypair, Networks, Operation, TransactionBuilder, TimeoutInfinite } from "@stellar/stellar-sdk";
import { applyEnvelope, type ApplyContext } from "./apply";
import { OP, TX } from "./codes";
import { MalformedEnvelopeError, accountIdFromBytes, accountIdOfMuxed, networkIdOf, parseEnvelope, type ParsedEnvelope } from "./envelope";
import { HistoryIndex } from "./history";
import { LedgerPersistence, type LedgerHeader, type TxRecord } from "./persistence";
import { encodeTransactionResult, isSuccessful, resultCodes, type TxOutcome } from "./results";
import { AccountStore, BASE_FEE, BASE_RESERVE, STROOPS_PER_XLM, newAccount, type AccountState } from "./state";
import { isExpired, operationSourceId, validateEnvelope } from "./validate";

export const ROOT_BALANCE = 100_000_000_000n * STROOPS_PER_XLM;
export const FRIENDBOT_AMOUNT = 10_000n * STROOPS_PER_XLM;
const FRIENDBOT_ACCOUNT_BALANCE = 10_000n * STROOPS_PER_XLM;

export interface LocalLedgerOptions {
  dataDir: string;
  /** Milliseconds between ledger closes (default 1000). 0: no timer, call {@link LocalLedger.closeLedger}. */
  closeIntervalMs?: number;
  /** Operations per ledger (default 1000, like mainnet); 0 = uncapped. */
  maxOpsPerLedger?: number;
  networkPassphrase?: string;
}

export type Settlement =
  | { kind: "applied"; record: TxRecord }
  | { kind: "dropped"; hash: string; outcome: TxOutcome; resultXdr: string; envelopeXdr: string }
  | { kind: "timeout"; hash: string }
  | { kind: "unknown"; hash: string };

export type SubmitResult =
  | { status: "malformed"; message: string }
  /** Already in a closed ledger: its stored result. */
  | { status: "applied"; hash: string; record: TxRecord }
  /** The same transaction is already queued. */
  | { status: "duplicate"; hash: string }
  | { status: "accepted"; hash: string }
  /** Invalid now: not queued, nothing charged. */
  | { status: "rejected"; hash: string; outcome: TxOutcome; resultXdr: string; envelopeXdr: string }
  /** Another transaction of the same source account is queued. */
  | { status: "source_busy"; hash: string; pendingHash: string; outcome: TxOutcome; resultXdr: string; envelopeXdr: string };

interface PendingTx {
  env: ParsedEnvelope;
  order: number;
  waiters: Array<(s: Settlement) => void>;
}

const toid = (ledger: number, order: number, op: number): bigint => (BigInt(ledger) << 32n) | (BigInt(order) << 12n) | BigInt(op);
const isoSeconds = (unix: number): string => new Date(unix * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Accounts a transaction touches: sources, fee account and destinations. */
function involvedAccounts(env: ParsedEnvelope): string[] {
  const set = new Set<string>([env.tx.sourceId]);
  if (env.feeBump) set.add(env.feeBump.feeSourceId);
  for (const op of env.tx.operations) {
    set.add(operationSourceId(env.tx, op));
    const b = op.body;
    if (b.type === OP.PAYMENT) set.add(accountIdOfMuxed(b.paymentOp.destination));
    else if (b.type === OP.CREATE_ACCOUNT) set.add(accountIdFromBytes(b.createAccountOp.destination.ed25519));
    else if (b.type === OP.BEGIN_SPONSORING_FUTURE_RESERVES) set.add(accountIdFromBytes(b.beginSponsoringFutureReservesOp.sponsoredId.ed25519));
    else if (b.type === OP.SET_TRUST_LINE_FLAGS) set.add(accountIdFromBytes(b.setTrustLineFlagsOp.trustor.ed25519));
    else if (b.type === OP.ALLOW_TRUST) set.add(accountIdFromBytes(b.allowTrustOp.trustor.ed25519));
  }
  return [...set];
}

function memoFields(env: ParsedEnvelope): Pick<TxRecord, "memoType" | "memo" | "memoBytes"> {
  const m = env.tx.memo;
  switch (m.type) {
    case 1: {
      const bytes = Buffer.from(m.text.bytes);
      return { memoType: "text", memo: bytes.toString("utf8"), memoBytes: bytes.toString("base64") };
    }
    case 2:
      return { memoType: "id", memo: m.id.toString() };
    case 3:
      return { memoType: "hash", memo: Buffer.from(m.hash).toString("base64") };
    case 4:
      return { memoType: "return", memo: Buffer.from(m.retHash).toString("base64") };
    default:
      return { memoType: "none" };
  }
}

const sigs64 = (sigs: { signature: Uint8Array }[]): string[] => sigs.map((s) => Buffer.from(s.signature).toString("base64"));

export class LocalLedger {
  readonly networkPassphrase: string;
  readonly networkId: Uint8Array;
  /** The network's master account (stellar-core's root): `Keypair.master(passphrase)`. */
  readonly rootKeypair: Keypair;
  /** Pays friendbot's transaction fees; the XLM itself comes from the root account. */
  readonly friendbotKeypair: Keypair;
  readonly accounts = new AccountStore();
  readonly closeIntervalMs: number;
  maxOpsPerLedger: number;

  ledgerSeq = 1;
  closeTime = nowSeconds();
  feePool = 0n;
  totalCoins = ROOT_BALANCE + FRIENDBOT_ACCOUNT_BALANCE;
  readonly headers: LedgerHeader[] = [];
  lastBaseFee = BASE_FEE;
  lastCapacityUsage = 0;

  private readonly txs = new Map<string, TxRecord>();
  /** Transactions, operations, payments and effects by paging token, per account (history.ts). */
  readonly history: HistoryIndex;
  private readonly closeListeners = new Set<(header: LedgerHeader) => void>();
  private readonly pending: PendingTx[] = [];
  private readonly pendingByHash = new Map<string, PendingTx>();
  private readonly pendingBySource = new Map<string, PendingTx>();
  private nextOrder = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly persistence: LedgerPersistence;
  private readonly friendbotQueue: Array<{ address: string; resolve: (s: Settlement) => void }> = [];
  private friendbotBusy = false;
  /** Fee rates (stroops per operation) of the transactions in recent ledgers, for /fee_stats. */
  private recentFeeRates: number[] = [];
  private recentMaxFeeRates: number[] = [];

  private constructor(opts: LocalLedgerOptions) {
    this.networkPassphrase = opts.networkPassphrase ?? Networks.STANDALONE;
    this.networkId = networkIdOf(this.networkPassphrase);
    this.rootKeypair = Keypair.master(this.networkPassphrase);
    this.friendbotKeypair = Keypair.fromRawEd25519Seed(createHash("sha256").update(`local-ledger friendbot|${this.networkPassphrase}`).digest());
    this.closeIntervalMs = opts.closeIntervalMs ?? 1000;
    this.maxOpsPerLedger = opts.maxOpsPerLedger ?? 1000;
    this.persistence = new LedgerPersistence(opts.dataDir);
    this.history = new HistoryIndex(this.networkId);
  }

  /** Open the ledger in `dataDir` (creating the genesis ledger the first time) and start closing ledgers. */
  static open(opts: LocalLedgerOptions): LocalLedger {
    const ledger = new LocalLedger(opts);
    ledger.load();
    ledger.start();
    return ledger;
  }

  private load(): void {
    const stored = this.persistence.load();
    if (!stored) {
      this.genesis();
      return;
    }
    if (stored.networkPassphrase !== this.networkPassphrase) {
      throw new Error(
        `the ledger in ${this.persistence.dataDir} is for "${stored.networkPassphrase}", not "${this.networkPassphrase}" (STELLAR_NETWORK_PASSPHRASE): use the passphrase it was created with, or another data folder`,
      );
    }
    for (const a of stored.accounts) this.accounts.put(a);
    this.accounts.takeChanged();
    this.ledgerSeq = stored.ledgerSeq;
    this.closeTime = stored.closeTime;
    this.feePool = BigInt(stored.feePool);
    this.headers.push(...stored.headers);
    for (const t of stored.txs) this.indexTx(t);
  }

  private genesis(): void {
    this.ledgerSeq = 1;
    this.closeTime = nowSeconds();
    const root = newAccount(this.rootKeypair.publicKey(), ROOT_BALANCE, 1, BigInt(this.closeTime));
    root.seqNum = 0n; // stellar-core's genesis account starts at sequence 0
    this.accounts.put(root);
    this.accounts.put(newAccount(this.friendbotKeypair.publicKey(), FRIENDBOT_ACCOUNT_BALANCE, 1, BigInt(this.closeTime)));
    const header = this.makeHeader(1, "0".repeat(64), this.closeTime, [], 0, 0, BASE_FEE);
    this.headers.push(header);
    this.persistence.saveClose({
      networkPassphrase: this.networkPassphrase,
      ledgerSeq: 1,
      closeTime: this.closeTime,
      feePool: "0",
      accounts: { all: this.accounts.values(), changed: this.accounts.takeChanged() },
      txs: [],
      headers: this.headers,
    });
  }

  private start(): void {
    if (this.closeIntervalMs <= 0) return;
    const tick = () => {
      if (this.stopped) return;
      const started = Date.now();
      try {
        this.closeLedger();
      } catch (e) {
        console.error("local ledger: closing a ledger failed", e);
      }
      this.timer = setTimeout(tick, Math.max(0, this.closeIntervalMs - (Date.now() - started)));
    };
    this.timer = setTimeout(tick, this.closeIntervalMs);
  }

  /** Stop closing ledgers; anyone still waiting is told "timeout". */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const p of this.pending) for (const w of p.waiters.splice(0)) w({ kind: "timeout", hash: p.env.hashHex });
  }

  // ---------------------------------------------------------------- queries

  getAccount(id: string): AccountState | undefined {
    return this.accounts.get(id);
  }

  getTransaction(hash: string): TxRecord | undefined {
    return this.txs.get(hash.toLowerCase());
  }

  isPending(hash: string): boolean {
    return this.pendingByHash.has(hash.toLowerCase());
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  /** Applied transactions, oldest first (or those touching `accountId`). */
  transactions(accountId?: string): TxRecord[] {
    const list = accountId ? (this.history.txsByAccount.get(accountId) ?? []) : this.history.txs;
    return list.map((t) => t.rec);
  }

  /** How many close listeners are subscribed (one per open event stream). */
  get closeListenerCount(): number {
    return this.closeListeners.size;
  }

  /** Call `fn` after each ledger close (once it is on disk); returns the unsubscribe function. */
  onClose(fn: (header: LedgerHeader) => void): () => void {
    this.closeListeners.add(fn);
    return () => this.closeListeners.delete(fn);
  }

  latestHeader(): LedgerHeader {
    return this.headers[this.headers.length - 1]!;
  }

  feeRates(): { charged: number[]; max: number[] } {
    return { charged: this.recentFeeRates, max: this.recentMaxFeeRates };
  }

  // ---------------------------------------------------------------- submission

  /** Validate and queue a base64 TransactionEnvelope. */
  submit(envelopeXdr: string): SubmitResult {
    let env: ParsedEnvelope;
    try {
      env = parseEnvelope(envelopeXdr, this.networkId);
    } catch (e) {
      if (e instanceof MalformedEnvelopeError) return { status: "malformed", message: e.message };
      throw e;
    }
    const hash = env.hashHex;
    const applied = this.txs.get(hash);
    if (applied) return { status: "applied", hash, record: applied };
    if (this.pendingByHash.has(hash)) return { status: "duplicate", hash };

    const validity = validateEnvelope(env, { accounts: this.accounts, ledgerSeq: this.ledgerSeq + 1, closeTime: BigInt(Math.max(nowSeconds(), this.closeTime)) });
    if (!validity.ok) {
      return { status: "rejected", hash, outcome: validity.outcome, resultXdr: encodeTransactionResult(validity.outcome), envelopeXdr: env.envelopeXdr };
    }
    const busy = this.pendingBySource.get(env.tx.sourceId);
    if (busy) {
      const outcome: TxOutcome = { code: TX.BAD_SEQ, feeCharged: env.feeBid };
      return { status: "source_busy", hash, pendingHash: busy.env.hashHex, outcome, resultXdr: encodeTransactionResult(outcome), envelopeXdr: env.envelopeXdr };
    }
    const p: PendingTx = { env, order: this.nextOrder++, waiters: [] };
    this.pending.push(p);
    this.pendingByHash.set(hash, p);
    this.pendingBySource.set(env.tx.sourceId, p);
    return { status: "accepted", hash };
  }

  /** Wait until the transaction is applied or dropped (or `timeoutMs` passes). */
  waitFor(hash: string, timeoutMs: number): Promise<Settlement> {
    const h = hash.toLowerCase();
    const record = this.txs.get(h);
    if (record) return Promise.resolve({ kind: "applied", record });
    const p = this.pendingByHash.get(h);
    if (!p) return Promise.resolve({ kind: "unknown", hash: h });
    return new Promise((resolve) => {
      let done = false;
      const waiter = (s: Settlement) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve(s);
      };
      const timer = setTimeout(() => {
        const i = p.waiters.indexOf(waiter);
        if (i >= 0) p.waiters.splice(i, 1);
        waiter({ kind: "timeout", hash: h });
      }, timeoutMs);
      p.waiters.push(waiter);
    });
  }

  // ---------------------------------------------------------------- closing

  private removePending(p: PendingTx): void {
    this.pendingByHash.delete(p.env.hashHex);
    if (this.pendingBySource.get(p.env.tx.sourceId) === p) this.pendingBySource.delete(p.env.tx.sourceId);
  }

  /** Which queued transactions go into the next ledger, and the ledger's base fee. */
  private selectTransactions(): { selected: PendingTx[]; baseFee: bigint } {
    const cap = this.maxOpsPerLedger;
    let total = 0;
    for (const p of this.pending) total += p.env.numOps;
    if (cap <= 0 || total <= cap) return { selected: [...this.pending], baseFee: BASE_FEE };
    // Surge: highest fee per operation first (ties: arrival order), as many as fit.
    const ranked = [...this.pending].sort((a, b) => {
      const lhs = b.env.feeBid * BigInt(a.env.numOps);
      const rhs = a.env.feeBid * BigInt(b.env.numOps);
      return lhs > rhs ? 1 : lhs < rhs ? -1 : a.order - b.order;
    });
    const selected: PendingTx[] = [];
    let ops = 0;
    let lowestRate: bigint | null = null;
    for (const p of ranked) {
      // A transaction larger than the whole cap still gets a ledger of its own rather than starving.
      if (ops + p.env.numOps > cap && selected.length > 0) continue;
      selected.push(p);
      ops += p.env.numOps;
      const rate = p.env.feeBid / BigInt(p.env.numOps);
      if (lowestRate === null || rate < lowestRate) lowestRate = rate;
    }
    selected.sort((a, b) => a.order - b.order);
    const baseFee = lowestRate !== null && lowestRate > BASE_FEE ? lowestRate : BASE_FEE;
    return { selected, baseFee };
  }

  private makeHeader(
    seq: number,
    prevHash: string,
    closeTime: number,
    txHashes: string[],
    ok: number,
    failed: number,
    baseFee: bigint,
    ops = 0,
    txSetOps = 0,
  ): LedgerHeader {
    const hash = createHash("sha256")
      .update(`${this.networkPassphrase}|${seq}|${prevHash}|${closeTime}|${txHashes.join(",")}`)
      .digest("hex");
    return {
      sequence: seq,
      hash,
      prevHash,
      closeTime,
      closedAt: isoSeconds(closeTime),
      successfulTransactionCount: ok,
      failedTransactionCount: failed,
      operationCount: ops,
      txSetOperationCount: txSetOps,
      baseFee: Number(baseFee),
      baseReserve: Number(BASE_RESERVE),
      totalCoins: this.totalCoins.toString(),
      feePool: this.feePool.toString(),
      maxTxSetSize: this.maxOpsPerLedger > 0 ? this.maxOpsPerLedger : 100_000,
    };
  }

  private indexTx(t: TxRecord, env?: ParsedEnvelope): void {
    this.txs.set(t.hash, t);
    if (t.innerHash) this.txs.set(t.innerHash, t);
    this.history.add(t, env);
  }

  private recordFor(env: ParsedEnvelope, outcome: TxOutcome, ledger: number, order: number, closeTime: number): TxRecord {
    const tx = env.tx;
    const fb = env.feeBump;
    const record: TxRecord = {
      hash: env.hashHex,
      ...(fb ? { innerHash: tx.hashHex } : {}),
      ledger,
      applicationOrder: order,
      pagingToken: toid(ledger, order, 0).toString(),
      createdAt: isoSeconds(closeTime),
      envelopeXdr: env.envelopeXdr,
      resultXdr: encodeTransactionResult(outcome),
      feeCharged: outcome.feeCharged.toString(),
      maxFee: env.feeBid.toString(),
      successful: isSuccessful(outcome),
      resultCodes: resultCodes(outcome),
      sourceAccount: tx.sourceId,
      ...(tx.sourceMuxed ? { sourceAccountMuxed: tx.sourceMuxed } : {}),
      sourceAccountSequence: tx.seqNum.toString(),
      feeAccount: fb ? fb.feeSourceId : tx.sourceId,
      ...(fb?.feeSourceMuxed ? { feeAccountMuxed: fb.feeSourceMuxed } : {}),
      operationCount: tx.operations.length,
      operationIds: tx.operations.map((_, i) => toid(ledger, order, i + 1).toString()),
      ...memoFields(env),
      signatures: sigs64(fb ? fb.signatures : tx.signatures),
      ...(fb ? { innerSignatures: sigs64(tx.signatures), innerMaxFee: tx.fee.toString() } : {}),
      ...(tx.timeBounds ? { timeBounds: { minTime: tx.timeBounds.minTime.toString(), maxTime: tx.timeBounds.maxTime.toString() } } : {}),
      ...(tx.ledgerBounds ? { ledgerBounds: { ...tx.ledgerBounds } } : {}),
      accounts: involvedAccounts(env),
    };
    return record;
  }

  /** Close the next ledger now. Returns its header. */
  closeLedger(): LedgerHeader {
    const seq = this.ledgerSeq + 1;
    const closeTime = Math.max(nowSeconds(), this.closeTime);
    const closeTimeBig = BigInt(closeTime);

    // Queued transactions whose bounds already exclude this ledger can never apply: drop them.
    const dropped: Array<{ p: PendingTx; outcome: TxOutcome }> = [];
    for (let i = this.pending.length - 1; i >= 0; i--) {
      const p = this.pending[i]!;
      if (isExpired(p.env, seq, closeTimeBig)) {
        this.pending.splice(i, 1);
        this.removePending(p);
        const outcome: TxOutcome = p.env.feeBump
          ? { code: TX.FEE_BUMP_INNER_FAILED, feeCharged: p.env.feeBid, inner: { hash: p.env.tx.hash, code: TX.TOO_LATE, feeCharged: 0n } }
          : { code: TX.TOO_LATE, feeCharged: p.env.feeBid };
        dropped.push({ p, outcome });
      }
    }

    const { selected, baseFee } = this.selectTransactions();
    const chosen = new Set(selected);
    for (let i = this.pending.length - 1; i >= 0; i--) if (chosen.has(this.pending[i]!)) this.pending.splice(i, 1);
    for (const p of selected) this.removePending(p);

    const ctx: ApplyContext = { ledgerSeq: seq, closeTime: closeTimeBig, baseFee };
    const applied: Array<{ p: PendingTx; record: TxRecord }> = [];
    let ok = 0;
    let failed = 0;
    let ops = 0;
    let txSetOps = 0;
    const feeRates: number[] = [];
    const maxRates: number[] = [];
    for (const p of selected) {
      const validity = validateEnvelope(p.env, { accounts: this.accounts, ledgerSeq: seq, closeTime: closeTimeBig });
      if (!validity.ok) {
        dropped.push({ p, outcome: validity.outcome });
        continue;
      }
      const outcome = applyEnvelope(p.env, this.accounts, ctx);
      this.feePool += outcome.feeCharged;
      const record = this.recordFor(p.env, outcome, seq, applied.length + 1, closeTime);
      applied.push({ p, record });
      txSetOps += p.env.numOps;
      if (record.successful) {
        ok++;
        ops += p.env.tx.operations.length;
      } else failed++;
      feeRates.push(Number(outcome.feeCharged) / p.env.numOps);
      maxRates.push(Number(p.env.feeBid) / p.env.numOps);
    }

    const prev = this.latestHeader();
    this.ledgerSeq = seq;
    this.closeTime = closeTime;
    const header = this.makeHeader(
      seq,
      prev.hash,
      closeTime,
      applied.map((a) => a.record.hash),
      ok,
      failed,
      baseFee,
      ops,
      txSetOps,
    );
    this.headers.push(header);
    if (this.headers.length > 1000) this.headers.splice(0, this.headers.length - 1000);
    this.lastBaseFee = baseFee;
    this.lastCapacityUsage = this.maxOpsPerLedger > 0 ? txSetOps / this.maxOpsPerLedger : 0;
    if (feeRates.length > 0) {
      this.recentFeeRates = [...this.recentFeeRates, ...feeRates].slice(-5000);
      this.recentMaxFeeRates = [...this.recentMaxFeeRates, ...maxRates].slice(-5000);
    }

    const records = applied.map((a) => a.record);
    for (const a of applied) this.indexTx(a.record, a.p.env);
    const changed = this.accounts.takeChanged();
    this.persistence.saveClose({
      networkPassphrase: this.networkPassphrase,
      ledgerSeq: seq,
      closeTime,
      feePool: this.feePool.toString(),
      accounts: changed.size > 0 ? { all: this.accounts.values(), changed } : null,
      txs: records,
      headers: this.headers,
    });

    // Only now, with the ledger on disk, tell the submitters.
    for (const { p, record } of applied) for (const w of p.waiters.splice(0)) w({ kind: "applied", record });
    for (const { p, outcome } of dropped) {
      const s: Settlement = { kind: "dropped", hash: p.env.hashHex, outcome, resultXdr: encodeTransactionResult(outcome), envelopeXdr: p.env.envelopeXdr };
      for (const w of p.waiters.splice(0)) w(s);
    }
    for (const fn of this.closeListeners) {
      try {
        fn(header);
      } catch (e) {
        console.error("local ledger: a close listener failed", e);
      }
    }
    return header;
  }

  // ---------------------------------------------------------------- friendbot

  /**
   * Fund `address` with 10,000 XLM from the root account. Requests are batched (up to 100 accounts per
   * transaction, sourced by friendbot's own account so the root's sequence number stays free for others).
   */
  friendbot(address: string, timeoutMs = 60_000): Promise<Settlement> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ kind: "timeout", hash: "" }), timeoutMs);
      this.friendbotQueue.push({
        address,
        resolve: (s) => {
          clearTimeout(timer);
          resolve(s);
        },
      });
      void this.pumpFriendbot();
    });
  }

  private async pumpFriendbot(): Promise<void> {
    if (this.friendbotBusy) return;
    this.friendbotBusy = true;
    try {
      while (this.friendbotQueue.length > 0 && !this.stopped) {
        // New accounts go together; an address already funded (or twice in the queue) goes alone,
        // so its op_already_exists cannot fail the others.
        const batch: typeof this.friendbotQueue = [];
        const seen = new Set<string>();
        for (let i = 0; i < this.friendbotQueue.length && batch.length < 100;) {
          const req = this.friendbotQueue[i]!;
          const fresh = !this.accounts.get(req.address) && !seen.has(req.address);
          if (fresh || batch.length === 0) {
            batch.push(req);
            seen.add(req.address);
            this.friendbotQueue.splice(i, 1);
            if (!fresh) break;
          } else i++;
        }
        const settlement = await this.fundBatch(batch.map((b) => b.address));
        for (const b of batch) b.resolve(settlement);
      }
    } finally {
      this.friendbotBusy = false;
    }
  }

  private async fundBatch(addresses: string[]): Promise<Settlement> {
    const bot = this.accounts.get(this.friendbotKeypair.publicKey())!;
    const builder = new TransactionBuilder(new Account(bot.id, bot.seqNum.toString()), {
      fee: String(100 * addresses.length),
      networkPassphrase: this.networkPassphrase,
    }).setTimeout(TimeoutInfinite);
    const amount = (FRIENDBOT_AMOUNT / STROOPS_PER_XLM).toString();
    for (const destination of addresses) {
      builder.addOperation(Operation.createAccount({ destination, startingBalance: amount, source: this.rootKeypair.publicKey() }));
    }
    const tx = builder.build();
    tx.sign(this.friendbotKeypair, this.rootKeypair);
    const r = this.submit(tx.toEnvelope().toXdr("base64"));
    switch (r.status) {
      case "accepted":
      case "duplicate":
        return this.waitFor(r.hash, 60_000);
      case "applied":
        return { kind: "applied", record: r.record };
      case "rejected":
      case "source_busy":
        return { kind: "dropped", hash: r.hash, outcome: r.outcome, resultXdr: r.resultXdr, envelopeXdr: r.envelopeXdr };
      default:
        throw new Error(`friendbot built a malformed transaction: ${r.message}`);
    }
  }
}
