/**
 * Helpers for the local ledger tests: a real ledger on a free port in a temporary directory, spoken to
 * over HTTP with the SDK's Horizon.Server; transactions built with TransactionBuilder/Operation/Asset.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  Account,
  Asset,
  BadResponseError,
  FeeBumpTransaction,
  Horizon,
  Keypair,
  Networks,
  Operation,
  Transaction,
  TransactionBuilder,
  TransactionFailedError,
  xdr,
} from "@stellar/stellar-sdk";
import { startLocalLedger, type LocalLedgerHandle, type StartLocalLedgerOptions } from "@/server/stellar/local-ledger";
import { waitFor } from "../support/wait";

export const PASSPHRASE = Networks.STANDALONE;
export const XLM = 10_000_000n;

export interface TestLedger {
  handle: LocalLedgerHandle;
  server: Horizon.Server;
  dataDir: string;
  /** Stop the ledger (keeping its data directory). */
  close(): Promise<void>;
  /** Stop the ledger and delete its data directory. */
  destroy(): Promise<void>;
}

export async function startTestLedger(opts: Partial<StartLocalLedgerOptions> = {}): Promise<TestLedger> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(tmpdir(), "local-ledger-test-"));
  const handle = await startLocalLedger({ closeIntervalMs: 100, ...opts, dataDir });
  const server = new Horizon.Server(handle.url, { allowHttp: true });
  return {
    handle,
    server,
    dataDir,
    close: () => handle.close(),
    destroy: async () => {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

type Tuple<N extends number, T, R extends T[] = []> = R["length"] extends N ? R : Tuple<N, T, [...R, T]>;

/** `n` new accounts funded by friendbot (10,000 XLM each). */
export async function fundedAccounts<N extends number>(server: Horizon.Server, n: N): Promise<Tuple<N, Keypair>> {
  const kps = Array.from({ length: n }, () => Keypair.random());
  await Promise.all(kps.map((kp) => server.friendbot(kp.publicKey()).call()));
  return kps as Tuple<N, Keypair>;
}

export interface BuildOptions {
  /** Fee per operation in stroops (default 100). */
  fee?: number;
  timebounds?: { minTime: number | string; maxTime: number | string };
  ledgerbounds?: { minLedger: number; maxLedger: number };
  networkPassphrase?: string;
  /** Sign with these instead of the source's key. */
  signers?: Keypair[];
}

/** A transaction from `source` (its current sequence number loaded over HTTP) with `ops`, signed. */
export async function buildTx(server: Horizon.Server, source: Keypair, ops: xdr.Operation[], opts: BuildOptions = {}): Promise<Transaction> {
  const account = await server.loadAccount(source.publicKey());
  return buildTxFrom(account, source, ops, opts);
}

export function buildTxFrom(account: Account | Horizon.AccountResponse, source: Keypair, ops: xdr.Operation[], opts: BuildOptions = {}): Transaction {
  const builder = new TransactionBuilder(account, {
    fee: String(opts.fee ?? 100),
    networkPassphrase: opts.networkPassphrase ?? PASSPHRASE,
    ...(opts.timebounds ? { timebounds: opts.timebounds } : {}),
    ...(opts.ledgerbounds ? { ledgerbounds: opts.ledgerbounds } : {}),
  });
  for (const op of ops) builder.addOperation(op);
  if (!opts.timebounds) builder.setTimeout(60);
  const tx = builder.build();
  tx.sign(...(opts.signers ?? [source]));
  return tx;
}

export interface Failure {
  status: number;
  codes: { transaction: string; operations?: string[]; inner_transaction?: { transaction: string; operations?: string[] } };
  resultXdr: string;
  result: xdr.TransactionResult;
  data: Record<string, unknown>;
}

/** Submit a transaction that must fail with a TransactionFailedError; its result codes and XDR. */
export async function submitFailing(server: Horizon.Server, tx: Transaction | FeeBumpTransaction): Promise<Failure> {
  try {
    await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
  } catch (e) {
    if (!(e instanceof TransactionFailedError)) throw e;
    const data = e.response.data as { extras: { result_codes: Failure["codes"]; result_xdr: string } };
    return {
      status: e.response.status ?? 0,
      codes: data.extras.result_codes,
      resultXdr: data.extras.result_xdr,
      result: xdr.TransactionResult.fromXdr(data.extras.result_xdr, "base64"),
      data: data as unknown as Record<string, unknown>,
    };
  }
  throw new Error("the transaction was expected to fail");
}

/** Submit and return the HTTP error of a non-TransactionFailed failure (504, 429, 500, ...). */
export async function submitBadResponse(server: Horizon.Server, tx: Transaction | FeeBumpTransaction): Promise<{ status: number; data: Record<string, unknown> }> {
  try {
    await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
  } catch (e) {
    if (e instanceof BadResponseError && !(e instanceof TransactionFailedError)) {
      return { status: e.response.status ?? 0, data: e.response.data as unknown as Record<string, unknown> };
    }
    throw e;
  }
  throw new Error("the submission was expected to get an HTTP error");
}

/** Balance in stroops ("native" or CODE:ISSUER); null when there is no such balance line. */
export async function balance(server: Horizon.Server, accountId: string, asset: Asset = Asset.native()): Promise<bigint | null> {
  const a = await server.loadAccount(accountId);
  for (const b of a.balances) {
    if (asset.isNative() ? b.asset_type === "native" : "asset_code" in b && b.asset_code === asset.getCode() && b.asset_issuer === asset.getIssuer()) {
      return toStroops(b.balance);
    }
  }
  return null;
}

export function toStroops(amount: string): bigint {
  const [whole, frac = ""] = amount.split(".");
  return BigInt(whole!) * XLM + BigInt(frac.padEnd(7, "0"));
}

export async function sequence(server: Horizon.Server, accountId: string): Promise<bigint> {
  return BigInt((await server.loadAccount(accountId)).sequence);
}

/** Poll GET /transactions/{hash} until found (or `timeoutMs`). */
export async function waitForTransaction(server: Horizon.Server, hash: string, timeoutMs = 60_000): Promise<Horizon.ServerApi.TransactionRecord> {
  let last: unknown;
  return waitFor(
    async () => {
      try {
        return await server.transactions().transaction(hash).call();
      } catch (e) {
        last = e;
        return null;
      }
    },
    { timeoutMs, intervalMs: 50, message: `transaction ${hash}`, details: () => String(last) },
  );
}

export async function latestLedger(server: Horizon.Server): Promise<number> {
  const page = await server.ledgers().order("desc").limit(1).call();
  return page.records[0]!.sequence;
}

export { Account, Asset, FeeBumpTransaction, Keypair, Operation, Transaction, TransactionBuilder, xdr };
