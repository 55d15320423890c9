import { FeeBumpTransaction, Horizon, NotFoundError, Transaction } from "@stellar/stellar-sdk";
import { horizonServer } from "./network";
import { config } from "@/server/config";

/**
 * The Horizon calls the engine makes, through the SDK's `Horizon.Server`, with the answers reduced
 * to what the engine decides on. Every call is bounded in time.
 */

const GET_TIMEOUT_MS = config().STELLAR_HTTP_TIMEOUT_MS;

export function horizon(url: string): Horizon.Server {
  const server = horizonServer(url);
  // GETs have no timeout by default; submissions pass their own (60 s).
  const client = (server as unknown as { httpClient?: { defaults?: { timeout?: number } } }).httpClient;
  if (client?.defaults && !client.defaults.timeout) client.defaults.timeout = GET_TIMEOUT_MS;
  return server;
}

/** A transaction as Horizon stores it once it is in a ledger. */
export type LandedTransaction = {
  hash: string;
  ledger: number;
  successful: boolean;
  resultXdr: string;
  /** The transaction's TOID: ledger << 32 | application order << 12. */
  pagingToken: string | null;
};

function toLanded(record: Record<string, unknown>): LandedTransaction {
  // The SDK turns linked fields into functions and keeps the value in `<name>_attr`.
  const ledger = typeof record.ledger_attr === "number" ? record.ledger_attr : Number(record.ledger);
  return {
    hash: String(record.hash),
    ledger: Number.isFinite(ledger) ? ledger : 0,
    successful: record.successful === true,
    resultXdr: String(record.result_xdr ?? ""),
    pagingToken: typeof record.paging_token === "string" && /^\d+$/.test(record.paging_token) ? record.paging_token : null,
  };
}

/** `GET /transactions/{hash}`: the landed transaction, or null when Horizon does not know it (404). */
export async function findTransaction(url: string, hash: string): Promise<LandedTransaction | null> {
  try {
    const record = await horizon(url).transactions().transaction(hash).call();
    return toLanded(record as unknown as Record<string, unknown>);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/** The latest ledger Horizon has ingested. */
export async function latestLedger(url: string): Promise<{ sequence: number; closedAt: Date }> {
  const page = await horizon(url).ledgers().order("desc").limit(1).call();
  const record = page.records[0];
  if (!record) throw new Error("Horizon returned no ledger");
  return { sequence: Number(record.sequence), closedAt: new Date(record.closed_at) };
}

const ledgerCache = new Map<string, { at: number; value: Promise<{ sequence: number; closedAt: Date }> }>();

/** The latest ledger, shared for `maxAgeMs` (for building transactions, not for deciding expiry). */
export function recentLedger(url: string, maxAgeMs = 500) {
  const cached = ledgerCache.get(url);
  if (cached && Date.now() - cached.at < maxAgeMs) return cached.value;
  const value = latestLedger(url);
  ledgerCache.set(url, { at: Date.now(), value });
  value.catch(() => ledgerCache.delete(url));
  return value;
}

export type AccountState = {
  id: string;
  sequence: bigint;
  balances: Horizon.HorizonApi.BalanceLine[];
  subentryCount: number;
  numSponsoring: number;
  numSponsored: number;
  sponsor: string | null;
};

/** `GET /accounts/{id}`, or null when the account does not exist. */
export async function loadAccountState(url: string, id: string): Promise<AccountState | null> {
  try {
    const a = await horizon(url).loadAccount(id);
    return {
      id: a.accountId(),
      sequence: BigInt(a.sequenceNumber()),
      balances: a.balances,
      subentryCount: a.subentry_count,
      numSponsoring: a.num_sponsoring ?? 0,
      numSponsored: a.num_sponsored ?? 0,
      sponsor: a.sponsor ?? null,
    };
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/** Fund an account with friendbot (local network). */
export async function friendbot(url: string, address: string): Promise<void> {
  const res = await fetch(`${url}/friendbot?addr=${encodeURIComponent(address)}`, { signal: AbortSignal.timeout(GET_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`friendbot answered ${res.status} for ${address}`);
}

export type ResultCodes = { transaction?: string; operations?: string[]; inner_transaction?: { transaction?: string; operations?: string[] } };

export type SubmitOutcome =
  /** In a ledger (successful or `tx_failed`): the stored transaction. */
  | { kind: "landed"; landed: LandedTransaction }
  /** Horizon answered 400 with result codes: rejected, or applied with failed operations (`tx_failed`). */
  | { kind: "rejected"; codes: ResultCodes; resultXdr: string | null }
  /** No answer that settles it (504, 429, 5xx, network): look the hash up later. */
  | { kind: "unknown"; reason: string; status: number | null };

/** `POST /transactions` with the exact stored envelope. Never throws for HTTP or network trouble. */
export async function submitEnvelope(url: string, tx: Transaction | FeeBumpTransaction): Promise<SubmitOutcome> {
  try {
    const record = (await horizon(url).submitTransaction(tx, { skipMemoRequiredCheck: true })) as unknown as Record<string, unknown>;
    return { kind: "landed", landed: toLanded(record) };
  } catch (error) {
    const response = (error as { response?: { status?: number; data?: unknown } }).response;
    const status = typeof response?.status === "number" ? response.status : null;
    const data = (response?.data ?? null) as { extras?: { result_codes?: ResultCodes; result_xdr?: string } } | null;
    if (status === 400 && data?.extras?.result_codes) {
      return { kind: "rejected", codes: data.extras.result_codes, resultXdr: data.extras.result_xdr ?? null };
    }
    const reason = status !== null ? `HTTP ${status}` : `network: ${(error as Error)?.message ?? String(error)}`;
    return { kind: "unknown", reason, status };
  }
}
