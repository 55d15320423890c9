/**
 * Horizon's resource shapes, as `@stellar/stellar-sdk`'s Horizon.Server reads them
 * (lib/horizon/horizon_api.d.ts, server_api.d.ts).
 *
 * What the SDK actually depends on:
 *  - an account's `sequence` is a string (AccountResponse → `new Account(account_id, sequence)`);
 *  - every `_links` key becomes a function on the parsed record and a present value with the same name
 *    moves to `<name>_attr`: accounts carry `data: {}` and a `data` link so `data_attr` exists (the SDK's
 *    SEP-29 memo check reads `data_attr["config.memo_required"]`);
 *  - submission success is the transaction resource with `result_xdr`, decoded as a TransactionResult;
 *  - failures are problem documents, and a 400 with `extras.result_codes` becomes TransactionFailedError;
 *  - the `Date` response header feeds `fetchTimebounds`.
 */
import { OP, OP_TYPE_NAMES } from "./codes";
import { accountIdFromBytes, accountIdOfMuxed, type ParsedEnvelope } from "./envelope";
import type { LocalLedger } from "./ledger";
import { assetOf, type AssetRef } from "./validate";
import type { LedgerHeader, TxRecord } from "./persistence";
import {
  formatAmount,
  isAuthorized,
  TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES,
  TL_CLAWBACK_ENABLED,
  AUTH_CLAWBACK_ENABLED,
  AUTH_IMMUTABLE,
  AUTH_REQUIRED,
  AUTH_REVOCABLE,
  type AccountState,
} from "./state";

export const HORIZON_VERSION = "local-ledger-1.0.0";
const ERRORS = "https://stellar.org/horizon-errors";

type Json = Record<string, unknown>;

const link = (href: string, templated = false) => (templated ? { href, templated: true } : { href });

export function problem(status: number, type: string, title: string, detail: string, extras?: Json): Json {
  return { type: `${ERRORS}/${type}`, title, status, detail, ...(extras ? { extras } : {}) };
}

export const notFound = () =>
  problem(
    404,
    "not_found",
    "Resource Missing",
    "The resource at the url requested was not found.  This usually occurs for one of two reasons:  The url requested is not valid, or no data in our database could be found with the parameters provided.",
  );

export function transactionFailed(p: { envelopeXdr: string; resultXdr: string; resultCodes: TxRecord["resultCodes"]; hash: string }): Json {
  return problem(
    400,
    "transaction_failed",
    "Transaction Failed",
    "The transaction failed when submitted to the stellar network. The `extras.result_codes` field on this response contains further details.  Descriptions of each code can be found at: https://developers.stellar.org/docs/data/horizon/api-reference/errors/result-codes/transactions",
    { envelope_xdr: p.envelopeXdr, result_xdr: p.resultXdr, result_codes: p.resultCodes, hash: p.hash },
  );
}

export function transactionMalformed(envelopeXdr: string, detail: string): Json {
  return problem(400, "transaction_malformed", "Transaction Malformed", `Horizon could not decode the transaction envelope in this request. ${detail}`, {
    envelope_xdr: envelopeXdr,
  });
}

export function submissionTimeout(hash: string, envelopeXdr?: string): Json {
  return problem(
    504,
    "timeout",
    "Timeout",
    "Your request timed out before completing.  Please try your request again. If you are submitting a transaction make sure you are sending exactly the same transaction (with the same sequence number).",
    { hash, ...(envelopeXdr ? { envelope_xdr: envelopeXdr } : {}) },
  );
}

export function accountJson(base: string, a: AccountState): Json {
  const self = `${base}/accounts/${a.id}`;
  const balances: Json[] = [];
  for (const t of a.trustlines.values()) {
    balances.push({
      balance: formatAmount(t.balance),
      limit: formatAmount(t.limit),
      buying_liabilities: "0.0000000",
      selling_liabilities: "0.0000000",
      last_modified_ledger: t.lastModifiedLedger,
      is_authorized: isAuthorized(t),
      is_authorized_to_maintain_liabilities: isAuthorized(t) || (t.flags & TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES) !== 0,
      is_clawback_enabled: (t.flags & TL_CLAWBACK_ENABLED) !== 0,
      asset_type: t.assetType,
      asset_code: t.code,
      asset_issuer: t.issuer,
      ...(t.sponsor ? { sponsor: t.sponsor } : {}),
    });
  }
  balances.push({ balance: formatAmount(a.balance), buying_liabilities: "0.0000000", selling_liabilities: "0.0000000", asset_type: "native" });
  const signers: Json[] = a.signers.map((s) => ({
    weight: s.weight,
    key: s.key,
    type: s.key.startsWith("G") ? "ed25519_public_key" : s.key.startsWith("T") ? "preauth_tx" : s.key.startsWith("X") ? "sha256_hash" : "ed25519_signed_payload",
    ...(s.sponsor ? { sponsor: s.sponsor } : {}),
  }));
  signers.push({ weight: a.thresholds.master, key: a.id, type: "ed25519_public_key" });
  const data: Record<string, string> = {};
  for (const [k, v] of a.data) data[k] = v.value;
  return {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions{?cursor,limit,order}`, true),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      payments: link(`${self}/payments{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
      offers: link(`${self}/offers{?cursor,limit,order}`, true),
      trades: link(`${self}/trades{?cursor,limit,order}`, true),
      data: link(`${self}/data/{key}`, true),
    },
    id: a.id,
    account_id: a.id,
    sequence: a.seqNum.toString(),
    sequence_ledger: a.seqLedger,
    sequence_time: a.seqTime.toString(),
    subentry_count: a.subentries,
    ...(a.homeDomain ? { home_domain: a.homeDomain } : {}),
    last_modified_ledger: a.lastModifiedLedger,
    last_modified_time: new Date(Number(a.lastModifiedTime) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    thresholds: { low_threshold: a.thresholds.low, med_threshold: a.thresholds.med, high_threshold: a.thresholds.high },
    flags: {
      auth_required: (a.flags & AUTH_REQUIRED) !== 0,
      auth_revocable: (a.flags & AUTH_REVOCABLE) !== 0,
      auth_immutable: (a.flags & AUTH_IMMUTABLE) !== 0,
      auth_clawback_enabled: (a.flags & AUTH_CLAWBACK_ENABLED) !== 0,
    },
    balances,
    signers,
    data,
    num_sponsoring: a.numSponsoring,
    num_sponsored: a.numSponsored,
    ...(a.sponsor ? { sponsor: a.sponsor } : {}),
    paging_token: a.id,
  };
}

const isoOfUnix = (s: string): string => new Date(Number(s) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");

export function transactionJson(base: string, t: TxRecord): Json {
  const self = `${base}/transactions/${t.hash}`;
  const preconditions: Json = {};
  if (t.timeBounds) preconditions.timebounds = { min_time: t.timeBounds.minTime, ...(t.timeBounds.maxTime !== "0" ? { max_time: t.timeBounds.maxTime } : {}) };
  if (t.ledgerBounds)
    preconditions.ledgerbounds = { min_ledger: t.ledgerBounds.minLedger, ...(t.ledgerBounds.maxLedger ? { max_ledger: t.ledgerBounds.maxLedger } : {}) };
  return {
    _links: {
      self: link(self),
      account: link(`${base}/accounts/${t.sourceAccount}`),
      ledger: link(`${base}/ledgers/${t.ledger}`),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
      precedes: link(`${base}/transactions?order=asc&cursor=${t.pagingToken}`),
      succeeds: link(`${base}/transactions?order=desc&cursor=${t.pagingToken}`),
      transaction: link(self),
    },
    id: t.hash,
    paging_token: t.pagingToken,
    successful: t.successful,
    hash: t.hash,
    ledger: t.ledger,
    created_at: t.createdAt,
    source_account: t.sourceAccount,
    ...(t.sourceAccountMuxed ? { account_muxed: t.sourceAccountMuxed } : {}),
    source_account_sequence: t.sourceAccountSequence,
    fee_account: t.feeAccount,
    ...(t.feeAccountMuxed ? { fee_account_muxed: t.feeAccountMuxed } : {}),
    fee_charged: t.feeCharged,
    max_fee: t.maxFee,
    operation_count: t.operationCount,
    envelope_xdr: t.envelopeXdr,
    result_xdr: t.resultXdr,
    // Ledger-entry changes are not tracked here; the SDK does not read these two.
    result_meta_xdr: "",
    fee_meta_xdr: "",
    memo_type: t.memoType,
    ...(t.memo !== undefined ? { memo: t.memo } : {}),
    ...(t.memoBytes !== undefined ? { memo_bytes: t.memoBytes } : {}),
    signatures: t.signatures,
    ...(t.timeBounds ? { valid_after: isoOfUnix(t.timeBounds.minTime) } : {}),
    ...(t.timeBounds && t.timeBounds.maxTime !== "0" ? { valid_before: isoOfUnix(t.timeBounds.maxTime) } : {}),
    ...(Object.keys(preconditions).length ? { preconditions } : {}),
    ...(t.innerHash
      ? {
          fee_bump_transaction: { hash: t.hash, signatures: t.signatures },
          inner_transaction: { hash: t.innerHash, signatures: t.innerSignatures ?? [], max_fee: t.innerMaxFee ?? "0" },
        }
      : {}),
    // Not in Horizon: the result codes and the operation ids (Horizon's TOIDs), handy for reconciliation.
    result_codes: t.resultCodes,
    operation_ids: t.operationIds,
  };
}

export function ledgerJson(base: string, h: LedgerHeader): Json {
  const self = `${base}/ledgers/${h.sequence}`;
  return {
    _links: {
      self: link(self),
      transactions: link(`${self}/transactions{?cursor,limit,order}`, true),
      operations: link(`${self}/operations{?cursor,limit,order}`, true),
      payments: link(`${self}/payments{?cursor,limit,order}`, true),
      effects: link(`${self}/effects{?cursor,limit,order}`, true),
    },
    id: h.hash,
    paging_token: (BigInt(h.sequence) << 32n).toString(),
    hash: h.hash,
    ...(h.sequence > 1 ? { prev_hash: h.prevHash } : {}),
    sequence: h.sequence,
    successful_transaction_count: h.successfulTransactionCount,
    failed_transaction_count: h.failedTransactionCount,
    operation_count: h.operationCount,
    tx_set_operation_count: h.txSetOperationCount,
    closed_at: h.closedAt,
    total_coins: formatAmount(BigInt(h.totalCoins)),
    fee_pool: formatAmount(BigInt(h.feePool)),
    base_fee_in_stroops: h.baseFee,
    base_reserve_in_stroops: h.baseReserve,
    max_tx_set_size: h.maxTxSetSize,
    protocol_version: 23,
    header_xdr: "",
  };
}

export function page(selfHref: string, records: Json[], nextHref: string, prevHref: string): Json {
  return { _links: { self: link(selfHref), next: link(nextHref), prev: link(prevHref) }, _embedded: { records } };
}

export function rootJson(base: string, ledger: LocalLedger): Json {
  const h = ledger.latestHeader();
  return {
    _links: {
      account: link(`${base}/accounts/{account_id}`, true),
      fee_stats: link(`${base}/fee_stats`),
      friendbot: link(`${base}/friendbot{?addr}`, true),
      ledger: link(`${base}/ledgers/{sequence}`, true),
      ledgers: link(`${base}/ledgers{?cursor,limit,order}`, true),
      self: link(`${base}/`),
      transaction: link(`${base}/transactions/{hash}`, true),
      transactions: link(`${base}/transactions{?cursor,limit,order}`, true),
    },
    horizon_version: HORIZON_VERSION,
    core_version: "local-ledger (stellar-core rules, in-process)",
    ingest_latest_ledger: h.sequence,
    history_latest_ledger: h.sequence,
    history_latest_ledger_closed_at: h.closedAt,
    history_elder_ledger: 1,
    core_latest_ledger: h.sequence,
    network_passphrase: ledger.networkPassphrase,
    current_protocol_version: 23,
    supported_protocol_version: 23,
    core_supported_protocol_version: 23,
  };
}

function distribution(values: number[], floor: number): Json {
  const sorted = values.length ? [...values].map((v) => Math.ceil(v)).sort((a, b) => a - b) : [floor];
  const pct = (p: number) => String(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]);
  const counts = new Map<number, number>();
  for (const v of sorted) counts.set(v, (counts.get(v) ?? 0) + 1);
  let mode = sorted[0]!;
  for (const [v, c] of counts) if (c > (counts.get(mode) ?? 0)) mode = v;
  return {
    max: String(sorted[sorted.length - 1]),
    min: String(sorted[0]),
    mode: String(mode),
    p10: pct(10),
    p20: pct(20),
    p30: pct(30),
    p40: pct(40),
    p50: pct(50),
    p60: pct(60),
    p70: pct(70),
    p80: pct(80),
    p90: pct(90),
    p95: pct(95),
    p99: pct(99),
  };
}

export function feeStatsJson(ledger: LocalLedger): Json {
  const { charged, max } = ledger.feeRates();
  return {
    last_ledger: String(ledger.ledgerSeq),
    last_ledger_base_fee: String(ledger.lastBaseFee),
    ledger_capacity_usage: ledger.lastCapacityUsage.toFixed(2),
    fee_charged: distribution(charged, 100),
    max_fee: distribution(max, 100),
  };
}

/** Operation resources of an applied transaction (GET /transactions/{hash}/operations). */
export function operationsJson(base: string, t: TxRecord, env: ParsedEnvelope): Json[] {
  return env.tx.operations.map((op, i) => {
    const id = t.operationIds[i]!;
    const source = op.sourceId ?? env.tx.sourceId;
    const b = op.body;
    const rec: Json = {
      _links: {
        self: link(`${base}/operations/${id}`),
        transaction: link(`${base}/transactions/${t.hash}`),
        effects: link(`${base}/operations/${id}/effects`),
        succeeds: link(`${base}/effects?order=desc&cursor=${id}`),
        precedes: link(`${base}/effects?order=asc&cursor=${id}`),
      },
      id,
      paging_token: id,
      transaction_successful: t.successful,
      source_account: source,
      type: OP_TYPE_NAMES[b.type] ?? String(b.type),
      type_i: b.type,
      created_at: t.createdAt,
      transaction_hash: t.hash,
    };
    const assetFields = (a: AssetRef | null): Json => (!a || a.native ? { asset_type: "native" } : { asset_type: a.type, asset_code: a.code, asset_issuer: a.issuer });
    switch (b.type) {
      case OP.PAYMENT:
        Object.assign(rec, assetFields(assetOf(b.paymentOp.asset)), {
          from: source,
          to: accountIdOfMuxed(b.paymentOp.destination),
          amount: formatAmount(b.paymentOp.amount),
        });
        break;
      case OP.CREATE_ACCOUNT:
        Object.assign(rec, {
          starting_balance: formatAmount(b.createAccountOp.startingBalance),
          funder: source,
          account: accountIdFromBytes(b.createAccountOp.destination.ed25519),
        });
        break;
      case OP.CHANGE_TRUST:
        if (b.changeTrustOp.line.type !== 3) {
          Object.assign(rec, assetFields(assetOf(b.changeTrustOp.line)), { limit: formatAmount(b.changeTrustOp.limit), trustor: source });
        }
        break;
      case OP.BEGIN_SPONSORING_FUTURE_RESERVES:
        rec.sponsored_id = accountIdFromBytes(b.beginSponsoringFutureReservesOp.sponsoredId.ed25519);
        break;
      case OP.BUMP_SEQUENCE:
        rec.bump_to = b.bumpSequenceOp.bumpTo.toString();
        break;
      default:
        break;
    }
    return rec;
  });
}
