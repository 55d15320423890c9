/**
 * Applying a valid transaction to the ledger, as stellar-core does:
 *  - the fee (min(bid, ledger base fee × operations)) and the sequence number are consumed first and
 *    stay consumed whatever the operations do;
 *  - the operations run in order, each in its own overlay on top of the transaction's; once one fails
 *    the later ones are still evaluated (for their result codes) but nothing more is committed, and the
 *    whole transaction's changes are dropped: `tx_failed`, all or nothing;
 *  - sponsorships begun in the transaction must be ended in it (`tx_bad_sponsorship`).
 * Operations: create_account, payment, change_trust, set_options, allow_trust, set_trust_line_flags,
 * manage_data, bump_sequence, begin/end_sponsoring_future_reserves.
 */
import {
  ALLOW_TRUST,
  BEGIN_SPONSORING,
  BUMP_SEQUENCE,
  CHANGE_TRUST,
  CREATE_ACCOUNT,
  END_SPONSORING,
  MANAGE_DATA,
  OP,
  OPR,
  PAYMENT,
  SET_OPTIONS,
  SET_TRUST_LINE_FLAGS,
  TX,
  isOpSuccess,
  opInner,
  opOuter,
  opSuccess,
  type OpResult,
} from "./codes";
import { accountIdFromBytes, accountIdOfMuxed, signerKeyToString, type OperationBodyWire, type ParsedEnvelope } from "./envelope";
import type { TxOutcome } from "./results";
import {
  AUTH_CLAWBACK_ENABLED,
  AUTH_IMMUTABLE,
  AUTH_REQUIRED,
  AUTH_REVOCABLE,
  BASE_RESERVE,
  INT64_MAX,
  MAX_SIGNERS,
  MAX_SUBENTRIES,
  TL_AUTHORIZED,
  TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES,
  TL_CLAWBACK_ENABLED,
  AccountOverlay,
  assetKey,
  availableNative,
  isAuthorized,
  minBalance,
  newAccount,
  type AccountState,
  type AccountWriter,
} from "./state";
import { assetCodeOf, assetOf, operationSourceId } from "./validate";

export interface ApplyContext {
  ledgerSeq: number;
  closeTime: bigint;
  /** The ledger's base fee per operation: 100 stroops, or the surge price when over capacity. */
  baseFee: bigint;
}

interface OpEnv {
  layer: AccountOverlay;
  ctx: ApplyContext;
  /** sponsored account → sponsor, for sponsorships begun in this transaction and not yet ended. */
  sponsorships: Map<string, string>;
  /** sponsor → number of accounts it is sponsoring in this transaction. */
  sponsoring: Map<string, number>;
}

type Reserve = { ok: true; sponsor?: string } | { ok: false; result: "low_reserve" | "too_many_subentries" };

/**
 * Account for `count` new reserve-carrying entries of `owner` (trustline, signer, data entry): the
 * active sponsor pays when there is one, else the owner; each side must stay above its minimum balance.
 */
function reserveEntries(env: OpEnv, owner: AccountState, count: number): Reserve {
  if (owner.subentries + count > MAX_SUBENTRIES) return { ok: false, result: "too_many_subentries" };
  owner.subentries += count;
  const sponsorId = env.sponsorships.get(owner.id);
  if (sponsorId) {
    const sponsor = env.layer.load(sponsorId);
    if (!sponsor) return { ok: false, result: "low_reserve" };
    sponsor.numSponsoring += count;
    owner.numSponsored += count;
    return sponsor.balance < minBalance(sponsor) ? { ok: false, result: "low_reserve" } : { ok: true, sponsor: sponsorId };
  }
  return owner.balance < minBalance(owner) ? { ok: false, result: "low_reserve" } : { ok: true };
}

function releaseEntry(env: OpEnv, owner: AccountState, sponsorId: string | undefined): void {
  owner.subentries -= 1;
  if (sponsorId) {
    const sponsor = env.layer.load(sponsorId);
    if (sponsor) sponsor.numSponsoring -= 1;
    owner.numSponsored -= 1;
  }
}

function createAccount(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 0 }>): OpResult {
  const t = OP.CREATE_ACCOUNT;
  const { destination, startingBalance } = op.createAccountOp;
  const destId = accountIdFromBytes(destination.ed25519);
  if (env.layer.get(destId)) return opInner(t, CREATE_ACCOUNT.ALREADY_EXIST);

  const created = newAccount(destId, startingBalance, env.ctx.ledgerSeq, env.ctx.closeTime);
  const sponsorId = env.sponsorships.get(destId);
  if (sponsorId) {
    // The sponsor carries the new account's two base reserves: the account may start with 0 XLM.
    const sponsor = env.layer.load(sponsorId);
    if (!sponsor) return opInner(t, CREATE_ACCOUNT.LOW_RESERVE);
    sponsor.numSponsoring += 2;
    if (sponsor.balance < minBalance(sponsor)) return opInner(t, CREATE_ACCOUNT.LOW_RESERVE);
    created.sponsor = sponsorId;
    created.numSponsored = 2;
  } else if (startingBalance < 2n * BASE_RESERVE) {
    return opInner(t, CREATE_ACCOUNT.LOW_RESERVE);
  }

  const source = env.layer.load(sourceId)!;
  if (availableNative(source) < startingBalance) return opInner(t, CREATE_ACCOUNT.UNDERFUNDED);
  source.balance -= startingBalance;
  env.layer.put(created);
  return opSuccess(t);
}

function payment(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 1 }>): OpResult {
  const t = OP.PAYMENT;
  const { destination, amount } = op.paymentOp;
  const asset = assetOf(op.paymentOp.asset);
  if (!asset) return opInner(t, PAYMENT.MALFORMED);
  const destId = accountIdOfMuxed(destination);

  // Sending XLM to oneself changes nothing.
  if (asset.native && destId === sourceId) return opSuccess(t);

  // Paying an asset back to its issuer skips the destination lookup (it always works).
  const toIssuer = !asset.native && asset.issuer === destId;
  if (!toIssuer && !env.layer.get(destId)) return opInner(t, PAYMENT.NO_DESTINATION);

  // Credit the destination first (stellar-core's order), then debit the source.
  if (asset.native) {
    const dest = env.layer.load(destId)!;
    if (dest.balance > INT64_MAX - amount) return opInner(t, PAYMENT.LINE_FULL);
    dest.balance += amount;
  } else if (!toIssuer) {
    const dest = env.layer.load(destId)!;
    const line = dest.trustlines.get(assetKey(asset.code, asset.issuer));
    if (!line) return opInner(t, PAYMENT.NO_TRUST);
    if (!isAuthorized(line)) return opInner(t, PAYMENT.NOT_AUTHORIZED);
    if (line.balance > line.limit - amount) return opInner(t, PAYMENT.LINE_FULL);
    line.balance += amount;
    line.lastModifiedLedger = env.ctx.ledgerSeq;
  }

  if (asset.native) {
    const source = env.layer.load(sourceId)!;
    if (amount > availableNative(source)) return opInner(t, PAYMENT.UNDERFUNDED);
    source.balance -= amount;
  } else if (asset.issuer !== sourceId) {
    // The issuer mints its own asset: it needs no trustline.
    const source = env.layer.load(sourceId)!;
    const line = source.trustlines.get(assetKey(asset.code, asset.issuer));
    if (!line) return opInner(t, PAYMENT.SRC_NO_TRUST);
    if (!isAuthorized(line)) return opInner(t, PAYMENT.SRC_NOT_AUTHORIZED);
    if (line.balance < amount) return opInner(t, PAYMENT.UNDERFUNDED);
    line.balance -= amount;
    line.lastModifiedLedger = env.ctx.ledgerSeq;
  }
  return opSuccess(t);
}

function changeTrust(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 6 }>): OpResult {
  const t = OP.CHANGE_TRUST;
  const { line: lineAsset, limit } = op.changeTrustOp;
  if (lineAsset.type === 3) return opOuter(OPR.NOT_SUPPORTED);
  const asset = assetOf(lineAsset);
  if (!asset || asset.native) return opInner(t, CHANGE_TRUST.MALFORMED);
  const key = assetKey(asset.code, asset.issuer);
  const source = env.layer.load(sourceId)!;
  const existing = source.trustlines.get(key);

  if (existing) {
    if (limit < existing.balance) return opInner(t, CHANGE_TRUST.INVALID_LIMIT);
    if (limit === 0n) {
      source.trustlines.delete(key);
      releaseEntry(env, source, existing.sponsor);
      return opSuccess(t);
    }
    existing.limit = limit;
    existing.lastModifiedLedger = env.ctx.ledgerSeq;
    return opSuccess(t);
  }

  if (limit === 0n) return opInner(t, CHANGE_TRUST.INVALID_LIMIT);
  const issuer = env.layer.get(asset.issuer);
  if (!issuer) return opInner(t, CHANGE_TRUST.NO_ISSUER);
  const reserve = reserveEntries(env, source, 1);
  if (!reserve.ok) return reserve.result === "low_reserve" ? opInner(t, CHANGE_TRUST.LOW_RESERVE) : opOuter(OPR.TOO_MANY_SUBENTRIES);
  let flags = (issuer.flags & AUTH_REQUIRED) === 0 ? TL_AUTHORIZED : 0;
  if (issuer.flags & AUTH_CLAWBACK_ENABLED) flags |= TL_CLAWBACK_ENABLED;
  source.trustlines.set(key, {
    assetType: asset.type as "credit_alphanum4" | "credit_alphanum12",
    code: asset.code,
    issuer: asset.issuer,
    balance: 0n,
    limit,
    flags,
    sponsor: reserve.sponsor,
    lastModifiedLedger: env.ctx.ledgerSeq,
  });
  return opSuccess(t);
}

function setOptions(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 5 }>): OpResult {
  const t = OP.SET_OPTIONS;
  const so = op.setOptionsOp;
  const source = env.layer.load(sourceId)!;

  if (so.inflationDest && !env.layer.get(accountIdFromBytes(so.inflationDest.ed25519))) return opInner(t, SET_OPTIONS.INVALID_INFLATION);
  if (so.clearFlags !== null) {
    if (source.flags & AUTH_IMMUTABLE && so.clearFlags & 0xf) return opInner(t, SET_OPTIONS.CANT_CHANGE);
    source.flags &= ~so.clearFlags;
  }
  if (so.setFlags !== null) {
    if (source.flags & AUTH_IMMUTABLE && so.setFlags & 0xf) return opInner(t, SET_OPTIONS.CANT_CHANGE);
    source.flags |= so.setFlags;
  }
  if (source.flags & AUTH_CLAWBACK_ENABLED && !(source.flags & AUTH_REVOCABLE)) return opInner(t, SET_OPTIONS.AUTH_REVOCABLE_REQUIRED);
  if (so.homeDomain !== null) source.homeDomain = String(so.homeDomain);
  if (so.masterWeight !== null) source.thresholds.master = so.masterWeight;
  if (so.lowThreshold !== null) source.thresholds.low = so.lowThreshold;
  if (so.medThreshold !== null) source.thresholds.med = so.medThreshold;
  if (so.highThreshold !== null) source.thresholds.high = so.highThreshold;

  if (so.signer) {
    const key = signerKeyToString(so.signer.key);
    const weight = so.signer.weight;
    const i = source.signers.findIndex((s) => s.key === key);
    if (i >= 0) {
      if (weight === 0) {
        const [removed] = source.signers.splice(i, 1);
        releaseEntry(env, source, removed!.sponsor);
      } else {
        source.signers[i]!.weight = weight;
      }
    } else if (weight > 0) {
      if (source.signers.length >= MAX_SIGNERS) return opInner(t, SET_OPTIONS.TOO_MANY_SIGNERS);
      const reserve = reserveEntries(env, source, 1);
      if (!reserve.ok) return reserve.result === "low_reserve" ? opInner(t, SET_OPTIONS.LOW_RESERVE) : opOuter(OPR.TOO_MANY_SUBENTRIES);
      source.signers.push({ key, weight, ...(reserve.sponsor ? { sponsor: reserve.sponsor } : {}) });
      source.signers.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
  }
  return opSuccess(t);
}

/** Authorization change on a trustline; `revoking` needs AUTH_REVOCABLE on the issuer. */
function setAuthorization(
  env: OpEnv,
  issuer: AccountState,
  trustorId: string,
  code: string,
  set: number,
  clear: number,
  t: number,
  codes: { noTrust: number; cantRevoke: number; invalidState?: number },
): OpResult {
  const trustor = env.layer.load(trustorId);
  const line = trustor?.trustlines.get(assetKey(code, issuer.id));
  if (!trustor || !line) return opInner(t, codes.noTrust);
  const before = line.flags;
  const after = (before & ~clear) | set;
  const authMask = TL_AUTHORIZED | TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES;
  const revoking = (before & TL_AUTHORIZED && !(after & TL_AUTHORIZED)) || (before & authMask && !(after & authMask));
  if (revoking && !(issuer.flags & AUTH_REVOCABLE)) return opInner(t, codes.cantRevoke);
  if ((after & authMask) === authMask && codes.invalidState !== undefined) return opInner(t, codes.invalidState);
  line.flags = after;
  line.lastModifiedLedger = env.ctx.ledgerSeq;
  return opSuccess(t);
}

function setTrustLineFlags(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 21 }>): OpResult {
  const t = OP.SET_TRUST_LINE_FLAGS;
  const f = op.setTrustLineFlagsOp;
  const asset = assetOf(f.asset);
  if (!asset || asset.native) return opInner(t, SET_TRUST_LINE_FLAGS.MALFORMED);
  const issuer = env.layer.get(sourceId)!;
  return setAuthorization(env, issuer, accountIdFromBytes(f.trustor.ed25519), asset.code, f.setFlags, f.clearFlags, t, {
    noTrust: SET_TRUST_LINE_FLAGS.NO_TRUST_LINE,
    cantRevoke: SET_TRUST_LINE_FLAGS.CANT_REVOKE,
    invalidState: SET_TRUST_LINE_FLAGS.INVALID_STATE,
  });
}

function allowTrust(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 7 }>): OpResult {
  const t = OP.ALLOW_TRUST;
  const at = op.allowTrustOp;
  const code = assetCodeOf(at.asset.type === 1 ? at.asset.assetCode4 : at.asset.assetCode12);
  if (code === null) return opInner(t, ALLOW_TRUST.MALFORMED);
  const issuer = env.layer.get(sourceId)!;
  const set = at.authorize === 1 ? TL_AUTHORIZED : at.authorize === 2 ? TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES : 0;
  const clear = (TL_AUTHORIZED | TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES) & ~set;
  return setAuthorization(env, issuer, accountIdFromBytes(at.trustor.ed25519), code, set, clear, t, {
    noTrust: ALLOW_TRUST.NO_TRUST_LINE,
    cantRevoke: ALLOW_TRUST.CANT_REVOKE,
  });
}

function manageData(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 10 }>): OpResult {
  const t = OP.MANAGE_DATA;
  const name = String(op.manageDataOp.dataName);
  const value = op.manageDataOp.dataValue;
  const source = env.layer.load(sourceId)!;
  const existing = source.data.get(name);
  if (value === null) {
    if (!existing) return opInner(t, MANAGE_DATA.NAME_NOT_FOUND);
    source.data.delete(name);
    releaseEntry(env, source, existing.sponsor);
    return opSuccess(t);
  }
  const encoded = Buffer.from(value).toString("base64");
  if (existing) {
    source.data.set(name, { ...existing, value: encoded });
    return opSuccess(t);
  }
  const reserve = reserveEntries(env, source, 1);
  if (!reserve.ok) return reserve.result === "low_reserve" ? opInner(t, MANAGE_DATA.LOW_RESERVE) : opOuter(OPR.TOO_MANY_SUBENTRIES);
  source.data.set(name, { value: encoded, ...(reserve.sponsor ? { sponsor: reserve.sponsor } : {}) });
  return opSuccess(t);
}

function bumpSequence(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 11 }>): OpResult {
  const t = OP.BUMP_SEQUENCE;
  const bumpTo = op.bumpSequenceOp.bumpTo;
  if (bumpTo < 0n) return opInner(t, BUMP_SEQUENCE.BAD_SEQ);
  const source = env.layer.load(sourceId)!;
  if (bumpTo > source.seqNum) {
    source.seqNum = bumpTo;
    source.seqLedger = env.ctx.ledgerSeq;
    source.seqTime = env.ctx.closeTime;
  }
  return opSuccess(t);
}

function beginSponsoring(env: OpEnv, sourceId: string, op: Extract<OperationBodyWire, { type: 16 }>): OpResult {
  const t = OP.BEGIN_SPONSORING_FUTURE_RESERVES;
  const sponsoredId = accountIdFromBytes(op.beginSponsoringFutureReservesOp.sponsoredId.ed25519);
  if (sponsoredId === sourceId) return opInner(t, BEGIN_SPONSORING.MALFORMED);
  if (env.sponsorships.has(sponsoredId)) return opInner(t, BEGIN_SPONSORING.ALREADY_SPONSORED);
  // No chains: the sponsor may not itself be sponsored, nor the sponsored account be sponsoring.
  if (env.sponsorships.has(sourceId) || env.sponsoring.has(sponsoredId)) return opInner(t, BEGIN_SPONSORING.RECURSIVE);
  env.sponsorships.set(sponsoredId, sourceId);
  env.sponsoring.set(sourceId, (env.sponsoring.get(sourceId) ?? 0) + 1);
  return opSuccess(t);
}

function endSponsoring(env: OpEnv, sourceId: string): OpResult {
  const t = OP.END_SPONSORING_FUTURE_RESERVES;
  const sponsorId = env.sponsorships.get(sourceId);
  if (!sponsorId) return opInner(t, END_SPONSORING.NOT_SPONSORED);
  env.sponsorships.delete(sourceId);
  const n = (env.sponsoring.get(sponsorId) ?? 1) - 1;
  if (n <= 0) env.sponsoring.delete(sponsorId);
  else env.sponsoring.set(sponsorId, n);
  return opSuccess(t);
}

function applyOperation(env: OpEnv, sourceId: string, body: OperationBodyWire): OpResult {
  switch (body.type) {
    case 0:
      return createAccount(env, sourceId, body);
    case 1:
      return payment(env, sourceId, body);
    case 5:
      return setOptions(env, sourceId, body);
    case 6:
      return changeTrust(env, sourceId, body);
    case 7:
      return allowTrust(env, sourceId, body);
    case 10:
      return manageData(env, sourceId, body);
    case 11:
      return bumpSequence(env, sourceId, body);
    case 16:
      return beginSponsoring(env, sourceId, body);
    case 17:
      return endSponsoring(env, sourceId);
    case 21:
      return setTrustLineFlags(env, sourceId, body);
    default:
      return opOuter(OPR.NOT_SUPPORTED);
  }
}

function markModified(layer: AccountOverlay, ctx: ApplyContext): void {
  for (const a of layer.touched()) {
    a.lastModifiedLedger = ctx.ledgerSeq;
    a.lastModifiedTime = ctx.closeTime;
  }
}

/** The fee a transaction pays in a ledger with base fee `baseFee`: min(bid, baseFee × operations). */
export function feeToCharge(env: ParsedEnvelope, baseFee: bigint): bigint {
  const adjusted = baseFee * BigInt(Math.max(1, env.numOps));
  return env.feeBid < adjusted ? env.feeBid : adjusted;
}

/**
 * Apply a transaction that passed validation against `accounts` at this ledger.
 * Returns its result; `accounts` holds the changes (at least the fee and sequence number).
 */
export function applyEnvelope(env: ParsedEnvelope, accounts: AccountWriter, ctx: ApplyContext): TxOutcome {
  const tx = env.tx;

  // 1. Fee and sequence number: consumed whatever happens next.
  const feeLayer = new AccountOverlay(accounts);
  const feeAccount = feeLayer.load(env.feeBump ? env.feeBump.feeSourceId : tx.sourceId)!;
  let feeCharged = feeToCharge(env, ctx.baseFee);
  if (feeCharged > feeAccount.balance) feeCharged = feeAccount.balance;
  feeAccount.balance -= feeCharged;
  const source = feeLayer.load(tx.sourceId)!;
  source.seqNum = tx.seqNum;
  source.seqLedger = ctx.ledgerSeq;
  source.seqTime = ctx.closeTime;
  markModified(feeLayer, ctx);
  feeLayer.commit();

  // 2. Operations, all or nothing.
  const txLayer = new AccountOverlay(accounts);
  const env0: Omit<OpEnv, "layer"> = { ctx, sponsorships: new Map(), sponsoring: new Map() };
  const opResults: OpResult[] = [];
  let success = true;
  for (const op of tx.operations) {
    const opLayer = new AccountOverlay(txLayer);
    const sourceId = operationSourceId(tx, op);
    let r: OpResult;
    if (!opLayer.get(sourceId)) r = opOuter(OPR.NO_ACCOUNT);
    else r = applyOperation({ ...env0, layer: opLayer }, sourceId, op.body);
    opResults.push(r);
    if (!isOpSuccess(r)) success = false;
    else if (success) opLayer.commit();
  }

  let code: number = success ? TX.SUCCESS : TX.FAILED;
  if (success && env0.sponsorships.size > 0) code = TX.BAD_SPONSORSHIP;
  if (code === TX.SUCCESS) {
    markModified(txLayer, ctx);
    txLayer.commit();
  }

  const withOps = code === TX.SUCCESS || code === TX.FAILED ? opResults : undefined;
  if (env.feeBump) {
    return {
      code: code === TX.SUCCESS ? TX.FEE_BUMP_INNER_SUCCESS : TX.FEE_BUMP_INNER_FAILED,
      feeCharged,
      inner: { hash: tx.hash, code, feeCharged: 0n, opResults: withOps },
    };
  }
  return { code, feeCharged, opResults: withOps };
}
