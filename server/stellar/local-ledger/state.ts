/**
 * Ledger entries of the local ledger: accounts with their trustlines, signers and data entries.
 * Amounts are int64 stroops as bigint. Operations change accounts through an {@link AccountOverlay},
 * so a failed operation (or transaction) is rolled back by dropping its overlay.
 */
import { AccountIndex } from "./account-index";

export const STROOPS_PER_XLM = 10_000_000n;
/** Base reserve: 0.5 XLM per entry (stellar-core's mainnet setting). */
export const BASE_RESERVE = 5_000_000n;
/** Minimum fee per operation, in stroops. */
export const BASE_FEE = 100n;
export const MAX_SIGNERS = 20;
export const MAX_SUBENTRIES = 1000;
export const INT64_MAX = 9_223_372_036_854_775_807n;

/** AccountFlags (XDR). */
export const AUTH_REQUIRED = 0x1;
export const AUTH_REVOCABLE = 0x2;
export const AUTH_IMMUTABLE = 0x4;
export const AUTH_CLAWBACK_ENABLED = 0x8;
export const ALL_ACCOUNT_FLAGS = 0xf;

/** TrustLineFlags (XDR). */
export const TL_AUTHORIZED = 0x1;
export const TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES = 0x2;
export const TL_CLAWBACK_ENABLED = 0x4;

export interface Thresholds {
  master: number;
  low: number;
  med: number;
  high: number;
}

export interface AccountSigner {
  /** StrKey of the signer: G... (ed25519), T... (pre-auth tx), X... (hash-x), P... (signed payload). */
  key: string;
  weight: number;
  sponsor?: string;
}

export interface Trustline {
  assetType: "credit_alphanum4" | "credit_alphanum12";
  code: string;
  issuer: string;
  balance: bigint;
  limit: bigint;
  /** TrustLineFlags bitmask. */
  flags: number;
  sponsor?: string;
  lastModifiedLedger: number;
}

export interface DataEntry {
  /** base64 of the value bytes, as Horizon shows it. */
  value: string;
  sponsor?: string;
}

export interface AccountState {
  id: string;
  balance: bigint;
  seqNum: bigint;
  seqLedger: number;
  seqTime: bigint;
  thresholds: Thresholds;
  signers: AccountSigner[];
  /** AccountFlags bitmask. */
  flags: number;
  homeDomain: string;
  /** Trustlines + signers + data entries. */
  subentries: number;
  numSponsoring: number;
  numSponsored: number;
  /** The account that sponsors this account's own base reserve, if any. */
  sponsor?: string;
  trustlines: Map<string, Trustline>;
  data: Map<string, DataEntry>;
  lastModifiedLedger: number;
  lastModifiedTime: bigint;
}

export const assetKey = (code: string, issuer: string): string => `${code}:${issuer}`;

/** (2 + subentries + sponsoring − sponsored) × base reserve. */
export function minBalance(a: AccountState): bigint {
  return BigInt(2 + a.subentries + a.numSponsoring - a.numSponsored) * BASE_RESERVE;
}

/** Native balance above the minimum balance (selling liabilities are always 0: there is no DEX here). */
export function availableNative(a: AccountState): bigint {
  return a.balance - minBalance(a);
}

export function isAuthorized(t: Trustline): boolean {
  return (t.flags & TL_AUTHORIZED) !== 0;
}

export function newAccount(id: string, balance: bigint, ledgerSeq: number, closeTime: bigint): AccountState {
  return {
    id,
    balance,
    // stellar-core: a new account's sequence number is the creating ledger's number << 32.
    seqNum: BigInt(ledgerSeq) << 32n,
    seqLedger: 0,
    seqTime: 0n,
    thresholds: { master: 1, low: 0, med: 0, high: 0 },
    signers: [],
    flags: 0,
    homeDomain: "",
    subentries: 0,
    numSponsoring: 0,
    numSponsored: 0,
    trustlines: new Map(),
    data: new Map(),
    lastModifiedLedger: ledgerSeq,
    lastModifiedTime: closeTime,
  };
}

export function cloneAccount(a: AccountState): AccountState {
  const trustlines = new Map<string, Trustline>();
  for (const [k, t] of a.trustlines) trustlines.set(k, { ...t });
  return {
    ...a,
    thresholds: { ...a.thresholds },
    signers: a.signers.map((s) => ({ ...s })),
    trustlines,
    data: new Map(a.data),
  };
}

export interface AccountReader {
  /** The current entry; callers must not mutate it (use {@link AccountOverlay.load} for that). */
  get(id: string): AccountState | undefined;
}

export interface AccountWriter extends AccountReader {
  put(account: AccountState): void;
}

/** The committed accounts of the ledger. */
export class AccountStore implements AccountWriter {
  private readonly accounts = new Map<string, AccountState>();
  /** Signer / asset / sponsor indexes and asset stats, updated on every put (account-index.ts). */
  readonly index = new AccountIndex();
  /** Ids of the accounts changed since the last {@link takeChanged} (for persistence). */
  private changed = new Set<string>();

  get(id: string): AccountState | undefined {
    return this.accounts.get(id);
  }

  put(account: AccountState): void {
    // Committed entries are never mutated in place (overlays clone them), so the old one is the "before".
    this.index.replace(this.accounts.get(account.id), account);
    this.accounts.set(account.id, account);
    this.changed.add(account.id);
  }

  get size(): number {
    return this.accounts.size;
  }

  values(): IterableIterator<AccountState> {
    return this.accounts.values();
  }

  takeChanged(): Set<string> {
    const c = this.changed;
    this.changed = new Set();
    return c;
  }
}

/**
 * Copy-on-write layer over a parent: `load` clones an entry on first write access, `commit` pushes the
 * changed entries to the parent, dropping the overlay discards them. Overlays nest (transaction → operation).
 */
export class AccountOverlay implements AccountWriter {
  private readonly changes = new Map<string, AccountState>();

  constructor(private readonly parent: AccountWriter) {}

  get(id: string): AccountState | undefined {
    return this.changes.get(id) ?? this.parent.get(id);
  }

  /** A mutable copy of the account, or undefined when it does not exist. */
  load(id: string): AccountState | undefined {
    const own = this.changes.get(id);
    if (own) return own;
    const base = this.parent.get(id);
    if (!base) return undefined;
    const copy = cloneAccount(base);
    this.changes.set(id, copy);
    return copy;
  }

  put(account: AccountState): void {
    this.changes.set(account.id, account);
  }

  commit(): void {
    for (const a of this.changes.values()) this.parent.put(a);
    this.changes.clear();
  }

  touched(): IterableIterator<AccountState> {
    return this.changes.values();
  }
}

/** Stroops as Horizon's 7-decimal amount string ("12.3400000"). */
export function formatAmount(stroops: bigint): string {
  const negative = stroops < 0n;
  const abs = negative ? -stroops : stroops;
  const whole = abs / STROOPS_PER_XLM;
  const frac = (abs % STROOPS_PER_XLM).toString().padStart(7, "0");
  return `${negative ? "-" : ""}${whole}.${frac}`;
}

/** Horizon's 7-decimal amount string to stroops ("12.34" → 123400000n). Throws on anything else. */
export function parseAmount(amount: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,7}))?$/.exec(amount.trim());
  if (!m) throw new Error(`not an amount: ${amount}`);
  return BigInt(m[1]!) * STROOPS_PER_XLM + BigInt((m[2] ?? "").padEnd(7, "0"));
}
