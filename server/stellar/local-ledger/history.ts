/**
 * The ledger's history as Horizon serves it: transactions, operations, payments and effects, globally,
 * per account, per ledger and per transaction.
 *
 * Built incrementally: each applied transaction is indexed once, when its ledger closes (or when the
 * journal is replayed at start), into arrays sorted by paging token; per-account arrays hold references
 * to the same small entries. A request is then a binary search plus at most `limit` records rendered
 * (paging.ts), never a scan of the whole history. Entries are references (transaction record, operation
 * index, effect number and kind): the JSON of an operation or effect is rendered from the envelope on
 * demand, through a small cache of decoded envelopes.
 *
 * Effects follow Horizon's effect types for the operations this ledger applies. Whether a trustline,
 * signer or data entry was created or updated is decided by the entries the history has seen so far
 * (replayed in order from the journal at start, so the answer is the same after a restart).
 */
import { OP } from "./codes";
import { accountIdFromBytes, accountIdOfMuxed, parseEnvelope, signerKeyToString, type ParsedEnvelope } from "./envelope";
import { EFFECT_SPAN } from "./paging";
import type { TxRecord } from "./persistence";
import { assetOf } from "./validate";

export interface TxEntry {
  rec: TxRecord;
  /** The paging token as a number (TOID of ledger and application order). */
  id: bigint;
}

export interface OpEntry {
  tx: TxEntry;
  /** Index in the transaction's operations. */
  i: number;
  /** Horizon's operation id (TOID). */
  id: bigint;
  type: number;
}

export interface EffectEntry {
  op: OpEntry;
  /** 1-based order within the operation. */
  n: number;
  /** Horizon's effect type number (`type_i`). The effect's account follows from it: {@link effectAccount}. */
  kind: number;
}

/** Horizon effect types (protocols/horizon/effects in stellar/go) used here. */
export const EFFECT = {
  ACCOUNT_CREATED: 0,
  ACCOUNT_CREDITED: 2,
  ACCOUNT_DEBITED: 3,
  ACCOUNT_THRESHOLDS_UPDATED: 4,
  ACCOUNT_HOME_DOMAIN_UPDATED: 5,
  ACCOUNT_FLAGS_UPDATED: 6,
  ACCOUNT_INFLATION_DESTINATION_UPDATED: 7,
  SIGNER_CREATED: 10,
  SIGNER_REMOVED: 11,
  SIGNER_UPDATED: 12,
  TRUSTLINE_CREATED: 20,
  TRUSTLINE_REMOVED: 21,
  TRUSTLINE_UPDATED: 22,
  TRUSTLINE_FLAGS_UPDATED: 26,
  DATA_CREATED: 40,
  DATA_REMOVED: 41,
  DATA_UPDATED: 42,
  SEQUENCE_BUMPED: 43,
  ACCOUNT_SPONSORSHIP_CREATED: 60,
  TRUSTLINE_SPONSORSHIP_CREATED: 63,
  DATA_SPONSORSHIP_CREATED: 66,
  SIGNER_SPONSORSHIP_CREATED: 72,
} as const;

export const EFFECT_NAMES: Record<number, string> = {
  0: "account_created",
  2: "account_credited",
  3: "account_debited",
  4: "account_thresholds_updated",
  5: "account_home_domain_updated",
  6: "account_flags_updated",
  7: "account_inflation_destination_updated",
  10: "signer_created",
  11: "signer_removed",
  12: "signer_updated",
  20: "trustline_created",
  21: "trustline_removed",
  22: "trustline_updated",
  26: "trustline_flags_updated",
  40: "data_created",
  41: "data_removed",
  42: "data_updated",
  43: "sequence_bumped",
  60: "account_sponsorship_created",
  63: "trustline_sponsorship_created",
  66: "data_sponsorship_created",
  72: "signer_sponsorship_created",
};

/** Operation types Horizon lists under /payments. */
const PAYMENT_TYPES: ReadonlySet<number> = new Set([0 /* create_account */, 1 /* payment */, 2, 13 /* path payments */, 8 /* account_merge */]);

const ENVELOPE_CACHE = 64;

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export class HistoryIndex {
  readonly txs: TxEntry[] = [];
  readonly ops: OpEntry[] = [];
  readonly payments: OpEntry[] = [];
  readonly effects: EffectEntry[] = [];
  readonly txsByAccount = new Map<string, TxEntry[]>();
  readonly opsByAccount = new Map<string, OpEntry[]>();
  readonly paymentsByAccount = new Map<string, OpEntry[]>();
  readonly effectsByAccount = new Map<string, EffectEntry[]>();
  /** Live entries seen so far ("account|asset", "account|signer", "account|name"): created vs updated. */
  private readonly trustlines = new Set<string>();
  private readonly signers = new Set<string>();
  private readonly dataEntries = new Set<string>();
  private readonly envelopes = new Map<string, ParsedEnvelope>();

  constructor(private readonly networkId: Uint8Array) {}

  /** The decoded envelope of a stored transaction (small LRU: pages render a handful of transactions). */
  envelope(rec: TxRecord): ParsedEnvelope {
    const hit = this.envelopes.get(rec.hash);
    if (hit) {
      this.envelopes.delete(rec.hash);
      this.envelopes.set(rec.hash, hit);
      return hit;
    }
    const env = parseEnvelope(rec.envelopeXdr, this.networkId);
    this.remember(rec.hash, env);
    return env;
  }

  private remember(hash: string, env: ParsedEnvelope): void {
    this.envelopes.set(hash, env);
    if (this.envelopes.size > ENVELOPE_CACHE) this.envelopes.delete(this.envelopes.keys().next().value!);
  }

  /** Index one applied transaction (in application order). `env` saves decoding it again when at hand. */
  add(rec: TxRecord, env?: ParsedEnvelope): void {
    const e = env ?? parseEnvelope(rec.envelopeXdr, this.networkId);
    if (env) this.remember(rec.hash, env);
    const tx: TxEntry = { rec, id: BigInt(rec.pagingToken) };
    this.txs.push(tx);
    for (const a of rec.accounts) push(this.txsByAccount, a, tx);

    const txSource = e.tx.sourceId;
    /** sponsored account → sponsor, while a begin/end sponsoring pair is open in this transaction. */
    const sponsorships = new Map<string, string>();
    e.tx.operations.forEach((op, i) => {
      const b = op.body;
      const entry: OpEntry = { tx, i, id: tx.id + BigInt(i + 1), type: b.type };
      const source = op.sourceId ?? txSource;
      const participants = new Set<string>([source]);
      if (b.type === OP.PAYMENT) participants.add(accountIdOfMuxed(b.paymentOp.destination));
      else if (b.type === OP.CREATE_ACCOUNT) participants.add(accountIdFromBytes(b.createAccountOp.destination.ed25519));
      else if (b.type === OP.ALLOW_TRUST) participants.add(accountIdFromBytes(b.allowTrustOp.trustor.ed25519));
      else if (b.type === OP.SET_TRUST_LINE_FLAGS) participants.add(accountIdFromBytes(b.setTrustLineFlagsOp.trustor.ed25519));
      else if (b.type === OP.BEGIN_SPONSORING_FUTURE_RESERVES) participants.add(accountIdFromBytes(b.beginSponsoringFutureReservesOp.sponsoredId.ed25519));
      this.ops.push(entry);
      for (const a of participants) push(this.opsByAccount, a, entry);
      if (PAYMENT_TYPES.has(b.type)) {
        this.payments.push(entry);
        for (const a of participants) push(this.paymentsByAccount, a, entry);
      }
      if (!rec.successful) return;
      let n = 0;
      const effect = (account: string, kind: number) => {
        const eff: EffectEntry = { op: entry, n: ++n, kind };
        this.effects.push(eff);
        push(this.effectsByAccount, account, eff);
      };
      this.effectsOf(e, i, source, sponsorships, effect);
    });
  }

  /** Effects of the i-th operation of a successful transaction, in Horizon's order. */
  private effectsOf(e: ParsedEnvelope, i: number, source: string, sponsorships: Map<string, string>, effect: (account: string, kind: number) => void): void {
    const b = e.tx.operations[i]!.body;
    const sponsorOf = (id: string) => sponsorships.get(id);
    switch (b.type) {
      case OP.CREATE_ACCOUNT: {
        const dest = accountIdFromBytes(b.createAccountOp.destination.ed25519);
        effect(dest, EFFECT.ACCOUNT_CREATED);
        effect(source, EFFECT.ACCOUNT_DEBITED);
        effect(dest, EFFECT.SIGNER_CREATED);
        if (sponsorOf(dest)) effect(dest, EFFECT.ACCOUNT_SPONSORSHIP_CREATED);
        break;
      }
      case OP.PAYMENT:
        effect(accountIdOfMuxed(b.paymentOp.destination), EFFECT.ACCOUNT_CREDITED);
        effect(source, EFFECT.ACCOUNT_DEBITED);
        break;
      case OP.SET_OPTIONS: {
        const so = b.setOptionsOp;
        if (so.homeDomain !== null) effect(source, EFFECT.ACCOUNT_HOME_DOMAIN_UPDATED);
        if (so.lowThreshold !== null || so.medThreshold !== null || so.highThreshold !== null) effect(source, EFFECT.ACCOUNT_THRESHOLDS_UPDATED);
        if (so.setFlags !== null || so.clearFlags !== null) effect(source, EFFECT.ACCOUNT_FLAGS_UPDATED);
        if (so.inflationDest) effect(source, EFFECT.ACCOUNT_INFLATION_DESTINATION_UPDATED);
        if (so.masterWeight !== null) effect(source, so.masterWeight === 0 ? EFFECT.SIGNER_REMOVED : EFFECT.SIGNER_UPDATED);
        if (so.signer) {
          const key = `${source}|${signerKeyToString(so.signer.key)}`;
          if (so.signer.weight === 0) {
            if (this.signers.delete(key)) effect(source, EFFECT.SIGNER_REMOVED);
          } else if (this.signers.has(key)) {
            effect(source, EFFECT.SIGNER_UPDATED);
          } else {
            this.signers.add(key);
            effect(source, EFFECT.SIGNER_CREATED);
            if (sponsorOf(source)) effect(source, EFFECT.SIGNER_SPONSORSHIP_CREATED);
          }
        }
        break;
      }
      case OP.CHANGE_TRUST: {
        const asset = b.changeTrustOp.line.type === 3 ? null : assetOf(b.changeTrustOp.line);
        if (!asset || asset.native) break;
        const key = `${source}|${asset.code}:${asset.issuer}`;
        if (b.changeTrustOp.limit === 0n) {
          this.trustlines.delete(key);
          effect(source, EFFECT.TRUSTLINE_REMOVED);
        } else if (this.trustlines.has(key)) {
          effect(source, EFFECT.TRUSTLINE_UPDATED);
        } else {
          this.trustlines.add(key);
          effect(source, EFFECT.TRUSTLINE_CREATED);
          if (sponsorOf(source)) effect(source, EFFECT.TRUSTLINE_SPONSORSHIP_CREATED);
        }
        break;
      }
      case OP.ALLOW_TRUST:
      case OP.SET_TRUST_LINE_FLAGS:
        effect(source, EFFECT.TRUSTLINE_FLAGS_UPDATED);
        break;
      case OP.MANAGE_DATA: {
        const key = `${source}|${String(b.manageDataOp.dataName)}`;
        if (b.manageDataOp.dataValue === null) {
          this.dataEntries.delete(key);
          effect(source, EFFECT.DATA_REMOVED);
        } else if (this.dataEntries.has(key)) {
          effect(source, EFFECT.DATA_UPDATED);
        } else {
          this.dataEntries.add(key);
          effect(source, EFFECT.DATA_CREATED);
          if (sponsorOf(source)) effect(source, EFFECT.DATA_SPONSORSHIP_CREATED);
        }
        break;
      }
      case OP.BUMP_SEQUENCE:
        effect(source, EFFECT.SEQUENCE_BUMPED);
        break;
      case OP.BEGIN_SPONSORING_FUTURE_RESERVES:
        sponsorships.set(accountIdFromBytes(b.beginSponsoringFutureReservesOp.sponsoredId.ed25519), source);
        break;
      case OP.END_SPONSORING_FUTURE_RESERVES:
        sponsorships.delete(source);
        break;
      default:
        break;
    }
  }

  /** The transaction whose paging token is `id`, by binary search. */
  txById(id: bigint): TxEntry | undefined {
    let lo = 0;
    let hi = this.txs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const t = this.txs[mid]!;
      if (t.id === id) return t;
      if (t.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }

  opById(id: bigint): OpEntry | undefined {
    const tx = this.txById(id & ~0xfffn);
    const i = Number(id & 0xfffn) - 1;
    if (!tx || i < 0 || i >= tx.rec.operationCount) return undefined;
    let lo = 0;
    let hi = this.ops.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const o = this.ops[mid]!;
      if (o.id === id) return o;
      if (o.id < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/**
 * The account of an effect: the destination for what a payment credits and what create_account creates,
 * otherwise the operation's source (kept out of the entry: one string fewer per effect in memory).
 */
export function effectAccount(e: EffectEntry, env: ParsedEnvelope): string {
  const op = env.tx.operations[e.op.i]!;
  const b = op.body;
  if (b.type === OP.CREATE_ACCOUNT && e.kind !== EFFECT.ACCOUNT_DEBITED) return accountIdFromBytes(b.createAccountOp.destination.ed25519);
  if (b.type === OP.PAYMENT && e.kind === EFFECT.ACCOUNT_CREDITED) return accountIdOfMuxed(b.paymentOp.destination);
  return op.sourceId ?? env.tx.sourceId;
}

export const txKey = (t: TxEntry): bigint => t.id;
export const opKey = (o: OpEntry): bigint => o.id;
export const effectKey = (e: EffectEntry): bigint => e.op.id * EFFECT_SPAN + BigInt(e.n);
export const effectPagingToken = (e: EffectEntry): string => `${e.op.id}-${e.n}`;
