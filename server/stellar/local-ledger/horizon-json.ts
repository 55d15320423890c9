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
import type { AssetStats } from "./account-index";
import { accountIdFromBytes, accountIdOfMuxed, muxedAddressOf, signerKeyToString, type MuxedAccountWire, type ParsedEnvelope } from "./envelope";
import { EFFECT, EFFECT_NAMES, effectAccount, effectPagingToken, type EffectEntry } from "./history";
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

export function rootJson(base: string, ledger: LocalLedger): Json {
  const h = ledger.latestHeader();
  return {
    _links: {
      account: link(`${base}/accounts/{account_id}`, true),
      accounts: link(`${base}/accounts{?signer,sponsor,asset,liquidity_pool,cursor,limit,order}`, true),
      account_transactions: link(`${base}/accounts/{account_id}/transactions{?cursor,limit,order}`, true),
      assets: link(`${base}/assets{?asset_code,asset_issuer,cursor,limit,order}`, true),
      claimable_balances: link(`${base}/claimable_balances{?asset,sponsor,claimant,cursor,limit,order}`, true),
      effects: link(`${base}/effects{?cursor,limit,order}`, true),
      fee_stats: link(`${base}/fee_stats`),
      friendbot: link(`${base}/friendbot{?addr}`, true),
      ledger: link(`${base}/ledgers/{sequence}`, true),
      ledgers: link(`${base}/ledgers{?cursor,limit,order}`, true),
      offers: link(`${base}/offers`),
      operation: link(`${base}/operations/{id}`, true),
      operations: link(`${base}/operations{?cursor,limit,order,include_failed}`, true),
      payments: link(`${base}/payments{?cursor,limit,order,include_failed}`, true),
      self: link(`${base}/`),
      trades: link(`${base}/trades`),
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

const ACCOUNT_FLAG_NAMES: Array<[number, string]> = [
  [AUTH_REQUIRED, "auth_required"],
  [AUTH_REVOCABLE, "auth_revocable"],
  [AUTH_IMMUTABLE, "auth_immutable"],
  [AUTH_CLAWBACK_ENABLED, "auth_clawback_enabled"],
];
// Horizon's own spelling of the second one ("liabilites").
const TRUSTLINE_FLAG_NAMES: Array<[number, string]> = [
  [1, "authorized"],
  [2, "authorized_to_maintain_liabilites"],
  [4, "clawback_enabled"],
];
const flagList = (mask: number | null, names: Array<[number, string]>): Json => {
  if (!mask) return {};
  const set = names.filter(([bit]) => (mask & bit) !== 0);
  return set.length ? { ints: set.map(([bit]) => bit), strings: set.map(([, n]) => n) } : {};
};

const assetFields = (a: AssetRef | null): Json => (!a || a.native ? { asset_type: "native" } : { asset_type: a.type, asset_code: a.code, asset_issuer: a.issuer });

const muxedFields = (prefix: string, m: MuxedAccountWire): Json => {
  const muxed = muxedAddressOf(m);
  return muxed && m.type !== 0 ? { [`${prefix}_muxed`]: muxed, [`${prefix}_muxed_id`]: m.med25519.id.toString() } : {};
};

/** The account that began sponsoring `sponsored` earlier in the transaction, if any. */
function sponsorIn(env: ParsedEnvelope, before: number, sponsored: string): string | undefined {
  let sponsor: string | undefined;
  for (let j = 0; j < before; j++) {
    const op = env.tx.operations[j]!;
    const src = op.sourceId ?? env.tx.sourceId;
    if (op.body.type === OP.BEGIN_SPONSORING_FUTURE_RESERVES && accountIdFromBytes(op.body.beginSponsoringFutureReservesOp.sponsoredId.ed25519) === sponsored)
      sponsor = src;
    if (op.body.type === OP.END_SPONSORING_FUTURE_RESERVES && src === sponsored) sponsor = undefined;
  }
  return sponsor;
}

/** One operation resource (GET /operations/{id}, and every operations/payments page). */
export function operationJson(base: string, t: TxRecord, env: ParsedEnvelope, i: number, join = false): Json {
  const op = env.tx.operations[i]!;
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
    ...(join ? { transaction: transactionJson(base, t) } : {}),
  };
  switch (b.type) {
    case OP.PAYMENT:
      Object.assign(rec, assetFields(assetOf(b.paymentOp.asset)), {
        from: source,
        to: accountIdOfMuxed(b.paymentOp.destination),
        ...muxedFields("to", b.paymentOp.destination),
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
        const a = assetOf(b.changeTrustOp.line);
        Object.assign(rec, assetFields(a), { limit: formatAmount(b.changeTrustOp.limit), ...(a && !a.native ? { trustee: a.issuer } : {}), trustor: source });
      }
      break;
    case OP.SET_OPTIONS: {
      const so = b.setOptionsOp;
      const setF = flagList(so.setFlags, ACCOUNT_FLAG_NAMES);
      const clearF = flagList(so.clearFlags, ACCOUNT_FLAG_NAMES);
      Object.assign(rec, {
        ...(so.homeDomain !== null ? { home_domain: String(so.homeDomain) } : {}),
        ...(so.inflationDest ? { inflation_dest: accountIdFromBytes(so.inflationDest.ed25519) } : {}),
        ...(so.masterWeight !== null ? { master_key_weight: so.masterWeight } : {}),
        ...(so.signer ? { signer_key: signerKeyToString(so.signer.key), signer_weight: so.signer.weight } : {}),
        ...(setF.ints ? { set_flags: setF.ints, set_flags_s: setF.strings } : {}),
        ...(clearF.ints ? { clear_flags: clearF.ints, clear_flags_s: clearF.strings } : {}),
        ...(so.lowThreshold !== null ? { low_threshold: so.lowThreshold } : {}),
        ...(so.medThreshold !== null ? { med_threshold: so.medThreshold } : {}),
        ...(so.highThreshold !== null ? { high_threshold: so.highThreshold } : {}),
      });
      break;
    }
    case OP.ALLOW_TRUST: {
      const at = b.allowTrustOp;
      const code = Buffer.from(at.asset.type === 1 ? at.asset.assetCode4 : at.asset.assetCode12)
        .toString("latin1")
        .replace(/\0+$/, "");
      Object.assign(rec, {
        asset_type: at.asset.type === 1 ? "credit_alphanum4" : "credit_alphanum12",
        asset_code: code,
        asset_issuer: source,
        trustee: source,
        trustor: accountIdFromBytes(at.trustor.ed25519),
        authorize: at.authorize === 1,
        authorize_to_maintain_liabilities: at.authorize === 2,
      });
      break;
    }
    case OP.SET_TRUST_LINE_FLAGS: {
      const f = b.setTrustLineFlagsOp;
      const setF = flagList(f.setFlags, TRUSTLINE_FLAG_NAMES);
      const clearF = flagList(f.clearFlags, TRUSTLINE_FLAG_NAMES);
      Object.assign(rec, assetFields(assetOf(f.asset)), {
        trustor: accountIdFromBytes(f.trustor.ed25519),
        ...(setF.ints ? { set_flags: setF.ints, set_flags_s: setF.strings } : {}),
        ...(clearF.ints ? { clear_flags: clearF.ints, clear_flags_s: clearF.strings } : {}),
      });
      break;
    }
    case OP.MANAGE_DATA:
      Object.assign(rec, {
        name: String(b.manageDataOp.dataName),
        value: b.manageDataOp.dataValue === null ? "" : Buffer.from(b.manageDataOp.dataValue).toString("base64"),
      });
      break;
    case OP.BEGIN_SPONSORING_FUTURE_RESERVES:
      rec.sponsored_id = accountIdFromBytes(b.beginSponsoringFutureReservesOp.sponsoredId.ed25519);
      break;
    case OP.END_SPONSORING_FUTURE_RESERVES: {
      const sponsor = sponsorIn(env, i, source);
      if (sponsor) rec.begin_sponsor = sponsor;
      break;
    }
    case OP.BUMP_SEQUENCE:
      rec.bump_to = b.bumpSequenceOp.bumpTo.toString();
      break;
    default:
      break;
  }
  return rec;
}

/** Operation resources of an applied transaction. */
export function operationsJson(base: string, t: TxRecord, env: ParsedEnvelope): Json[] {
  return env.tx.operations.map((_, i) => operationJson(base, t, env, i));
}

/** One effect resource: Horizon's common fields and the details of its type. */
export function effectJson(base: string, e: EffectEntry, env: ParsedEnvelope): Json {
  const t = e.op.tx.rec;
  const opId = e.op.id.toString();
  const pt = effectPagingToken(e);
  const op = env.tx.operations[e.op.i]!;
  const source = op.sourceId ?? env.tx.sourceId;
  const b = op.body;
  const account = effectAccount(e, env);
  const rec: Json = {
    _links: {
      operation: link(`${base}/operations/${opId}`),
      succeeds: link(`${base}/effects?order=desc&cursor=${pt}`),
      precedes: link(`${base}/effects?order=asc&cursor=${pt}`),
    },
    id: `${opId.padStart(19, "0")}-${String(e.n).padStart(10, "0")}`,
    paging_token: pt,
    account,
    type: EFFECT_NAMES[e.kind] ?? String(e.kind),
    type_i: e.kind,
    created_at: t.createdAt,
  };
  const sponsor = () => sponsorIn(env, e.op.i, source) ?? sponsorIn(env, e.op.i, account);
  switch (e.kind) {
    case EFFECT.ACCOUNT_CREATED:
      if (b.type === OP.CREATE_ACCOUNT) rec.starting_balance = formatAmount(b.createAccountOp.startingBalance);
      break;
    case EFFECT.ACCOUNT_CREDITED:
    case EFFECT.ACCOUNT_DEBITED:
      if (b.type === OP.PAYMENT) Object.assign(rec, assetFields(assetOf(b.paymentOp.asset)), { amount: formatAmount(b.paymentOp.amount) });
      else if (b.type === OP.CREATE_ACCOUNT) Object.assign(rec, { asset_type: "native", amount: formatAmount(b.createAccountOp.startingBalance) });
      break;
    case EFFECT.SIGNER_CREATED:
    case EFFECT.SIGNER_UPDATED:
    case EFFECT.SIGNER_REMOVED:
      if (b.type === OP.CREATE_ACCOUNT) Object.assign(rec, { weight: 1, public_key: account, key: "" });
      else if (b.type === OP.SET_OPTIONS) {
        const so = b.setOptionsOp;
        // history.ts emits the master key's signer effect (when its weight changes) before the signer's.
        const isMaster = so.masterWeight !== null && e.n === masterEffectOrder(so);
        if (isMaster || !so.signer) Object.assign(rec, { weight: so.masterWeight ?? 0, public_key: source, key: "" });
        else Object.assign(rec, { weight: so.signer.weight, public_key: signerKeyToString(so.signer.key), key: "" });
      }
      break;
    case EFFECT.ACCOUNT_HOME_DOMAIN_UPDATED:
      if (b.type === OP.SET_OPTIONS) rec.home_domain = String(b.setOptionsOp.homeDomain ?? "");
      break;
    case EFFECT.ACCOUNT_THRESHOLDS_UPDATED:
      if (b.type === OP.SET_OPTIONS) {
        const so = b.setOptionsOp;
        Object.assign(rec, {
          ...(so.lowThreshold !== null ? { low_threshold: so.lowThreshold } : {}),
          ...(so.medThreshold !== null ? { med_threshold: so.medThreshold } : {}),
          ...(so.highThreshold !== null ? { high_threshold: so.highThreshold } : {}),
        });
      }
      break;
    case EFFECT.ACCOUNT_FLAGS_UPDATED:
      if (b.type === OP.SET_OPTIONS) {
        const { setFlags, clearFlags } = b.setOptionsOp;
        for (const [bit, name] of [
          [AUTH_REQUIRED, "auth_required_flag"],
          [AUTH_REVOCABLE, "auth_revokable_flag"],
        ] as const) {
          if (setFlags !== null && setFlags & bit) rec[name] = true;
          else if (clearFlags !== null && clearFlags & bit) rec[name] = false;
        }
      }
      break;
    case EFFECT.ACCOUNT_INFLATION_DESTINATION_UPDATED:
      break;
    case EFFECT.TRUSTLINE_CREATED:
    case EFFECT.TRUSTLINE_UPDATED:
    case EFFECT.TRUSTLINE_REMOVED:
      if (b.type === OP.CHANGE_TRUST && b.changeTrustOp.line.type !== 3)
        Object.assign(rec, assetFields(assetOf(b.changeTrustOp.line)), { limit: formatAmount(b.changeTrustOp.limit) });
      break;
    case EFFECT.TRUSTLINE_FLAGS_UPDATED: {
      let trustor = "";
      let asset: Json = {};
      let set = 0;
      let clear = 0;
      if (b.type === OP.SET_TRUST_LINE_FLAGS) {
        trustor = accountIdFromBytes(b.setTrustLineFlagsOp.trustor.ed25519);
        asset = assetFields(assetOf(b.setTrustLineFlagsOp.asset));
        set = b.setTrustLineFlagsOp.setFlags;
        clear = b.setTrustLineFlagsOp.clearFlags;
      } else if (b.type === OP.ALLOW_TRUST) {
        const j = operationJson(base, t, env, e.op.i);
        trustor = String(j.trustor);
        asset = { asset_type: j.asset_type, asset_code: j.asset_code, asset_issuer: j.asset_issuer };
        set = b.allowTrustOp.authorize;
        clear = 3 & ~set;
      }
      Object.assign(rec, asset, { trustor });
      for (const [bit, name] of [
        [1, "authorized_flag"],
        [2, "authorized_to_maintain_liabilites_flag"],
        [4, "clawback_enabled_flag"],
      ] as const) {
        if (set & bit) rec[name] = true;
        else if (clear & bit) rec[name] = false;
      }
      break;
    }
    case EFFECT.DATA_CREATED:
    case EFFECT.DATA_UPDATED:
    case EFFECT.DATA_REMOVED:
      if (b.type === OP.MANAGE_DATA) {
        rec.name = String(b.manageDataOp.dataName);
        if (e.kind !== EFFECT.DATA_REMOVED && b.manageDataOp.dataValue !== null) rec.value = Buffer.from(b.manageDataOp.dataValue).toString("base64");
      }
      break;
    case EFFECT.SEQUENCE_BUMPED:
      if (b.type === OP.BUMP_SEQUENCE) rec.new_seq = b.bumpSequenceOp.bumpTo.toString();
      break;
    case EFFECT.ACCOUNT_SPONSORSHIP_CREATED:
      rec.sponsor = sponsor() ?? "";
      break;
    case EFFECT.TRUSTLINE_SPONSORSHIP_CREATED:
      if (b.type === OP.CHANGE_TRUST && b.changeTrustOp.line.type !== 3) {
        const a = assetOf(b.changeTrustOp.line);
        Object.assign(rec, { asset_type: a?.type ?? "", ...(a && !a.native ? { asset: `${a.code}:${a.issuer}` } : {}), sponsor: sponsor() ?? "" });
      }
      break;
    case EFFECT.DATA_SPONSORSHIP_CREATED:
      if (b.type === OP.MANAGE_DATA) Object.assign(rec, { data_name: String(b.manageDataOp.dataName), sponsor: sponsor() ?? "" });
      break;
    case EFFECT.SIGNER_SPONSORSHIP_CREATED:
      if (b.type === OP.SET_OPTIONS && b.setOptionsOp.signer) Object.assign(rec, { signer: signerKeyToString(b.setOptionsOp.signer.key), sponsor: sponsor() ?? "" });
      break;
    default:
      break;
  }
  return rec;
}

/** The order (1-based) of the master-key signer effect of a set_options operation, as history.ts emits them. */
function masterEffectOrder(so: {
  homeDomain: unknown;
  lowThreshold: unknown;
  medThreshold: unknown;
  highThreshold: unknown;
  setFlags: unknown;
  clearFlags: unknown;
  inflationDest: unknown;
}): number {
  let n = 0;
  if (so.homeDomain !== null) n++;
  if (so.lowThreshold !== null || so.medThreshold !== null || so.highThreshold !== null) n++;
  if (so.setFlags !== null || so.clearFlags !== null) n++;
  if (so.inflationDest) n++;
  return n + 1;
}

/** Horizon's asset stat resource (GET /assets). */
export function assetStatJson(s: AssetStats, issuer: AccountState | undefined): Json {
  const flags = issuer?.flags ?? 0;
  return {
    _links: { toml: link(issuer?.homeDomain ? `https://${issuer.homeDomain}/.well-known/stellar.toml` : "") },
    asset_type: s.type,
    asset_code: s.code,
    asset_issuer: s.issuer,
    paging_token: assetPagingToken(s),
    num_claimable_balances: 0,
    num_liquidity_pools: 0,
    num_contracts: 0,
    accounts: { authorized: s.accounts.authorized, authorized_to_maintain_liabilities: s.accounts.maintain, unauthorized: s.accounts.unauthorized },
    claimable_balances_amount: "0.0000000",
    liquidity_pools_amount: "0.0000000",
    contracts_amount: "0.0000000",
    balances: {
      authorized: formatAmount(s.balances.authorized),
      authorized_to_maintain_liabilities: formatAmount(s.balances.maintain),
      unauthorized: formatAmount(s.balances.unauthorized),
    },
    flags: {
      auth_required: (flags & AUTH_REQUIRED) !== 0,
      auth_revocable: (flags & AUTH_REVOCABLE) !== 0,
      auth_immutable: (flags & AUTH_IMMUTABLE) !== 0,
      auth_clawback_enabled: (flags & AUTH_CLAWBACK_ENABLED) !== 0,
    },
  };
}

export const assetPagingToken = (s: Pick<AssetStats, "code" | "issuer" | "type">): string => `${s.code}_${s.issuer}_${s.type}`;

/** Horizon's /health answer. */
export const healthJson = (): Json => ({ database_connected: true, core_up: true, core_synced: true });

export const notAcceptable = () =>
  problem(
    406,
    "not_acceptable",
    "An acceptable response content-type could not be provided for this request",
    "The Accept header of this request names no type this endpoint serves.",
  );

/** A Horizon endpoint this ledger does not model: Horizon's 404 problem, saying why. */
export const notModelled = (what: string) =>
  problem(404, "not_found", "Resource Missing", `The local ledger does not model ${what}: this endpoint is not served (see server/stellar/local-ledger/README.md).`);

export const invalidField = (field: string, reason: string) =>
  problem(400, "bad_request", "Bad Request", "The request you sent was invalid in some way.", { invalid_field: field, reason });
