/**
 * Transaction validity, in stellar-core's order (TransactionFrame::checkValid / commonValid and
 * FeeBumpTransactionFrame::checkValid). Pure: it reads accounts and never changes them.
 *
 *  1. at least one operation (`tx_missing_operation`; more than 100 does not even decode)
 *  2. time bounds and ledger bounds (`tx_too_early`, `tx_too_late`; maxLedger is exclusive)
 *  3. fee ≥ 100 stroops × operations (`tx_insufficient_fee`)
 *  4. the source account exists (`tx_no_source_account`)
 *  5. sequence number = account's + 1, or within minSeqNum (`tx_bad_seq`); min seq age/gap
 *  6. signatures reach the source's low threshold (`tx_bad_auth`), extra signers present
 *  7. the fee is payable above the minimum balance (`tx_insufficient_balance`)
 *  8. each operation: its source's threshold (`op_bad_auth`) and its own well-formedness (`op_malformed`...)
 *     → `tx_failed` with that operation's code
 *  9. no signature left unused (`tx_bad_auth_extra`)
 *
 * A fee bump: outer fee ≥ 100 × (inner operations + 1) and its per-operation rate ≥ the inner one
 * (`tx_insufficient_fee`), fee account exists, signs, can pay, no unused outer signature; then the
 * inner transaction is checked without its fee (`tx_fee_bump_inner_failed` carrying the inner result).
 */
import {
  BEGIN_SPONSORING,
  BUMP_SEQUENCE,
  CHANGE_TRUST,
  CREATE_ACCOUNT,
  MANAGE_DATA,
  OP,
  OPR,
  PAYMENT,
  SET_OPTIONS,
  SET_TRUST_LINE_FLAGS,
  ALLOW_TRUST,
  TX,
  opInner,
  opOuter,
  opSuccess,
  type OpResult,
} from "./codes";
import { accountIdFromBytes, signerKeyToString, type OperationBodyWire, type ParsedEnvelope, type ParsedOperation, type ParsedTransaction } from "./envelope";
import type { TxOutcome } from "./results";
import { SignatureChecker, type WeightedSigner } from "./signatures";
import { ALL_ACCOUNT_FLAGS, BASE_FEE, TL_AUTHORIZED, TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES, availableNative, type AccountReader, type AccountState } from "./state";

export interface ValidationContext {
  accounts: AccountReader;
  /** Number of the ledger the transaction would be applied in (last closed + 1). */
  ledgerSeq: number;
  /** Close time (unix seconds) the time bounds are checked against. */
  closeTime: bigint;
  /** Minimum fee per operation (100 stroops). */
  baseFee?: bigint;
}

export type Validity = { ok: true } | { ok: false; outcome: TxOutcome };

export const SUPPORTED_OPERATIONS: ReadonlySet<number> = new Set(Object.values(OP));

export type ThresholdLevel = "low" | "med" | "high";

export function thresholdLevel(body: OperationBodyWire): ThresholdLevel {
  switch (body.type) {
    case OP.ALLOW_TRUST:
    case OP.BUMP_SEQUENCE:
    case OP.SET_TRUST_LINE_FLAGS:
      return "low";
    case OP.SET_OPTIONS: {
      const so = body.setOptionsOp;
      const high = so.masterWeight !== null || so.lowThreshold !== null || so.medThreshold !== null || so.highThreshold !== null || so.signer !== null;
      return high ? "high" : "med";
    }
    case 8 /* account_merge */:
      return "high";
    default:
      return "med";
  }
}

export function signersOf(a: AccountState): WeightedSigner[] {
  const list: WeightedSigner[] = [{ key: a.id, weight: a.thresholds.master }];
  for (const s of a.signers) list.push(s);
  return list;
}

export function neededWeight(a: AccountState, level: ThresholdLevel): number {
  return level === "low" ? a.thresholds.low : level === "med" ? a.thresholds.med : a.thresholds.high;
}

/** Asset code bytes as a string: 1–4 (or 5–12) alphanumeric characters, zero padded. */
export function assetCodeOf(bytes: Uint8Array): string | null {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  if (end === 0) return null;
  let code = "";
  for (let i = 0; i < end; i++) {
    const c = bytes[i]!;
    const alnum = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (!alnum) return null;
    code += String.fromCharCode(c);
  }
  if (bytes.length === 12 && code.length < 5) return null;
  return code;
}

export interface AssetRef {
  native: boolean;
  type: "native" | "credit_alphanum4" | "credit_alphanum12";
  code: string;
  issuer: string;
}

const NATIVE: AssetRef = { native: true, type: "native", code: "XLM", issuer: "" };

/** A payment/trust asset; null when the code is not valid. */
export function assetOf(a: {
  type: number;
  alphaNum4?: { assetCode: Uint8Array; issuer: { ed25519: Uint8Array } };
  alphaNum12?: { assetCode: Uint8Array; issuer: { ed25519: Uint8Array } };
}): AssetRef | null {
  if (a.type === 0) return NATIVE;
  const an = a.type === 1 ? a.alphaNum4 : a.type === 2 ? a.alphaNum12 : undefined;
  if (!an) return null;
  const code = assetCodeOf(an.assetCode);
  if (code === null) return null;
  return { native: false, type: a.type === 1 ? "credit_alphanum4" : "credit_alphanum12", code, issuer: accountIdFromBytes(an.issuer.ed25519) };
}

function validHomeDomain(s: string): boolean {
  if (s.length > 32) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

function validDataName(s: string): boolean {
  if (s.length < 1 || s.length > 64) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** stellar-core's OperationFrame::doCheckValid: the operation on its own, without the ledger. */
export function checkOperationWellFormed(op: ParsedOperation, sourceId: string): OpResult | null {
  const b = op.body;
  switch (b.type) {
    case OP.CREATE_ACCOUNT: {
      const dest = accountIdFromBytes(b.createAccountOp.destination.ed25519);
      if (b.createAccountOp.startingBalance < 0n || dest === sourceId) return opInner(b.type, CREATE_ACCOUNT.MALFORMED);
      return null;
    }
    case OP.PAYMENT: {
      if (b.paymentOp.amount <= 0n || !assetOf(b.paymentOp.asset)) return opInner(b.type, PAYMENT.MALFORMED);
      return null;
    }
    case OP.CHANGE_TRUST: {
      const ct = b.changeTrustOp;
      if (ct.line.type === 3) return opOuter(OPR.NOT_SUPPORTED); // liquidity pool shares
      const asset = assetOf(ct.line as Parameters<typeof assetOf>[0]);
      if (ct.limit < 0n || !asset || asset.native) return opInner(b.type, CHANGE_TRUST.MALFORMED);
      if (asset.issuer === sourceId) return opInner(b.type, CHANGE_TRUST.MALFORMED);
      return null;
    }
    case OP.SET_OPTIONS: {
      const so = b.setOptionsOp;
      const set = so.setFlags ?? 0;
      const clear = so.clearFlags ?? 0;
      if ((set & clear) !== 0) return opInner(b.type, SET_OPTIONS.BAD_FLAGS);
      if ((set | clear) & ~ALL_ACCOUNT_FLAGS) return opInner(b.type, SET_OPTIONS.UNKNOWN_FLAG);
      for (const w of [so.masterWeight, so.lowThreshold, so.medThreshold, so.highThreshold]) {
        if (w !== null && w > 255) return opInner(b.type, SET_OPTIONS.THRESHOLD_OUT_OF_RANGE);
      }
      if (so.signer) {
        const key = signerKeyToString(so.signer.key);
        if (key === sourceId || so.signer.weight > 255) return opInner(b.type, SET_OPTIONS.BAD_SIGNER);
      }
      if (so.homeDomain !== null && !validHomeDomain(String(so.homeDomain))) return opInner(b.type, SET_OPTIONS.INVALID_HOME_DOMAIN);
      return null;
    }
    case OP.ALLOW_TRUST: {
      const at = b.allowTrustOp;
      const code = assetCodeOf(at.asset.type === 1 ? at.asset.assetCode4 : at.asset.assetCode12);
      if (code === null || at.authorize > 2) return opInner(b.type, ALLOW_TRUST.MALFORMED);
      if (accountIdFromBytes(at.trustor.ed25519) === sourceId) return opInner(b.type, ALLOW_TRUST.MALFORMED);
      return null;
    }
    case OP.MANAGE_DATA: {
      if (!validDataName(String(b.manageDataOp.dataName))) return opInner(b.type, MANAGE_DATA.INVALID_NAME);
      return null;
    }
    case OP.BUMP_SEQUENCE: {
      if (b.bumpSequenceOp.bumpTo < 0n) return opInner(b.type, BUMP_SEQUENCE.BAD_SEQ);
      return null;
    }
    case OP.BEGIN_SPONSORING_FUTURE_RESERVES: {
      if (accountIdFromBytes(b.beginSponsoringFutureReservesOp.sponsoredId.ed25519) === sourceId) return opInner(b.type, BEGIN_SPONSORING.MALFORMED);
      return null;
    }
    case OP.END_SPONSORING_FUTURE_RESERVES:
      return null;
    case OP.SET_TRUST_LINE_FLAGS: {
      const f = b.setTrustLineFlagsOp;
      const asset = assetOf(f.asset);
      const known = TL_AUTHORIZED | TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES | 0x4;
      if (!asset || asset.native || asset.issuer !== sourceId) return opInner(b.type, SET_TRUST_LINE_FLAGS.MALFORMED);
      if (accountIdFromBytes(f.trustor.ed25519) === sourceId) return opInner(b.type, SET_TRUST_LINE_FLAGS.MALFORMED);
      if ((f.setFlags & f.clearFlags) !== 0 || (f.setFlags | f.clearFlags) & ~known) return opInner(b.type, SET_TRUST_LINE_FLAGS.MALFORMED);
      if ((f.setFlags & (TL_AUTHORIZED | TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES)) === (TL_AUTHORIZED | TL_AUTHORIZED_TO_MAINTAIN_LIABILITIES)) {
        return opInner(b.type, SET_TRUST_LINE_FLAGS.MALFORMED);
      }
      if (f.setFlags & 0x4) return opInner(b.type, SET_TRUST_LINE_FLAGS.MALFORMED); // clawback can only be cleared
      return null;
    }
    default:
      return opOuter(OPR.NOT_SUPPORTED);
  }
}

/** The result every operation starts with (success of its type; not supported for the others). */
export function initialOpResults(tx: ParsedTransaction): OpResult[] {
  return tx.operations.map((op) => (SUPPORTED_OPERATIONS.has(op.body.type) ? opSuccess(op.body.type) : opOuter(OPR.NOT_SUPPORTED)));
}

export function operationSourceId(tx: ParsedTransaction, op: ParsedOperation): string {
  return op.sourceId ?? tx.sourceId;
}

type TxCheck = { ok: true } | { ok: false; code: number; opResults?: OpResult[] };

function isTooEarly(tx: ParsedTransaction, ctx: ValidationContext): boolean {
  if (tx.timeBounds && tx.timeBounds.minTime > ctx.closeTime) return true;
  if (tx.ledgerBounds && tx.ledgerBounds.minLedger > ctx.ledgerSeq) return true;
  return false;
}

function isTooLate(tx: ParsedTransaction, ctx: ValidationContext): boolean {
  if (tx.timeBounds && tx.timeBounds.maxTime !== 0n && tx.timeBounds.maxTime < ctx.closeTime) return true;
  if (tx.ledgerBounds && tx.ledgerBounds.maxLedger !== 0 && tx.ledgerBounds.maxLedger <= ctx.ledgerSeq) return true;
  return false;
}

function isBadSeq(tx: ParsedTransaction, source: AccountState, ctx: ValidationContext): boolean {
  // stellar-core refuses the starting sequence number of the ledger being closed.
  if (tx.seqNum === BigInt(ctx.ledgerSeq) << 32n) return true;
  if (tx.minSeqNum !== null) return !(source.seqNum >= tx.minSeqNum && source.seqNum < tx.seqNum);
  return tx.seqNum !== source.seqNum + 1n;
}

/**
 * TransactionFrame::checkValid for one (possibly inner) transaction. `chargeFee` is false for the inner
 * transaction of a fee bump: its own fee is neither checked against the minimum nor charged.
 */
function checkTransaction(tx: ParsedTransaction, ctx: ValidationContext, chargeFee: boolean, checker: SignatureChecker): TxCheck {
  const baseFee = ctx.baseFee ?? BASE_FEE;
  const nOps = tx.operations.length;
  if (nOps === 0) return { ok: false, code: TX.MISSING_OPERATION };
  if (tx.extraSigners.length > 2) return { ok: false, code: TX.MALFORMED };
  if (isTooEarly(tx, ctx)) return { ok: false, code: TX.TOO_EARLY };
  if (isTooLate(tx, ctx)) return { ok: false, code: TX.TOO_LATE };
  if (chargeFee && tx.fee < baseFee * BigInt(nOps)) return { ok: false, code: TX.INSUFFICIENT_FEE };

  const source = ctx.accounts.get(tx.sourceId);
  if (!source) return { ok: false, code: TX.NO_ACCOUNT };
  if (isBadSeq(tx, source, ctx)) return { ok: false, code: TX.BAD_SEQ };
  if (tx.minSeqAge > 0n && ctx.closeTime - source.seqTime < tx.minSeqAge) return { ok: false, code: TX.BAD_MIN_SEQ_AGE_OR_GAP };
  if (tx.minSeqLedgerGap > 0 && ctx.ledgerSeq - source.seqLedger < tx.minSeqLedgerGap) return { ok: false, code: TX.BAD_MIN_SEQ_AGE_OR_GAP };

  if (!checker.checkSignature(signersOf(source), source.thresholds.low)) return { ok: false, code: TX.BAD_AUTH };
  for (const extra of tx.extraSigners) {
    // Only ed25519 extra signers can be satisfied here (pre-auth / hash-x / signed payload cannot).
    if (extra.type !== 0 || !checker.checkSignatureNoAccount(accountIdFromBytes(extra.ed25519))) return { ok: false, code: TX.BAD_AUTH };
  }

  if (chargeFee && availableNative(source) < tx.fee) return { ok: false, code: TX.INSUFFICIENT_BALANCE };

  for (let i = 0; i < nOps; i++) {
    const op = tx.operations[i]!;
    const failed = checkOperation(tx, op, ctx, checker);
    if (failed) {
      const opResults = initialOpResults(tx);
      opResults[i] = failed;
      return { ok: false, code: TX.FAILED, opResults };
    }
  }

  if (!checker.checkAllSignaturesUsed()) return { ok: false, code: TX.BAD_AUTH_EXTRA };
  return { ok: true };
}

/** OperationFrame::checkValid: the operation source's signatures, then its well-formedness. */
function checkOperation(tx: ParsedTransaction, op: ParsedOperation, ctx: ValidationContext, checker: SignatureChecker): OpResult | null {
  if (!SUPPORTED_OPERATIONS.has(op.body.type)) return opOuter(OPR.NOT_SUPPORTED);
  const sourceId = operationSourceId(tx, op);
  const account = ctx.accounts.get(sourceId);
  if (account) {
    if (!checker.checkSignature(signersOf(account), neededWeight(account, thresholdLevel(op.body)))) return opOuter(OPR.BAD_AUTH);
  } else {
    // An operation sourced by an account created earlier in the same transaction (sponsored creation):
    // its master key must have signed; existence is checked again when the operation is applied.
    if (op.sourceId === null) return opOuter(OPR.NO_ACCOUNT);
    if (!checker.checkSignatureNoAccount(sourceId)) return opOuter(OPR.BAD_AUTH);
  }
  return checkOperationWellFormed(op, sourceId);
}

/** Validity of a submitted envelope against the current ledger state. */
export function validateEnvelope(env: ParsedEnvelope, ctx: ValidationContext): Validity {
  const baseFee = ctx.baseFee ?? BASE_FEE;
  const tx = env.tx;
  if (!env.feeBump) {
    const r = checkTransaction(tx, ctx, true, new SignatureChecker(tx.hash, tx.signatures));
    if (r.ok) return r;
    return { ok: false, outcome: { code: r.code, feeCharged: tx.fee, opResults: r.opResults } };
  }

  const fb = env.feeBump;
  const reject = (code: number): Validity => ({ ok: false, outcome: { code, feeCharged: fb.fee } });
  const nInner = BigInt(tx.operations.length);
  const outerMin = baseFee * (nInner + 1n);
  const innerMin = baseFee * nInner;
  if (fb.fee < outerMin) return reject(TX.INSUFFICIENT_FEE);
  // The outer fee per operation must be at least the inner one: fee/(n+1) ≥ innerFee/n.
  if (fb.fee * innerMin < tx.fee * outerMin) return reject(TX.INSUFFICIENT_FEE);
  const feeSource = ctx.accounts.get(fb.feeSourceId);
  if (!feeSource) return reject(TX.NO_ACCOUNT);
  const outer = new SignatureChecker(fb.hash, fb.signatures);
  if (!outer.checkSignature(signersOf(feeSource), feeSource.thresholds.low)) return reject(TX.BAD_AUTH);
  if (availableNative(feeSource) < fb.fee) return reject(TX.INSUFFICIENT_BALANCE);
  if (!outer.checkAllSignaturesUsed()) return reject(TX.BAD_AUTH_EXTRA);

  const inner = checkTransaction(tx, ctx, false, new SignatureChecker(tx.hash, tx.signatures));
  if (inner.ok) return inner;
  return {
    ok: false,
    outcome: {
      code: TX.FEE_BUMP_INNER_FAILED,
      feeCharged: fb.fee,
      inner: { hash: tx.hash, code: inner.code, feeCharged: 0n, opResults: inner.opResults },
    },
  };
}

/** Whether the bounds alone already exclude ledger `ledgerSeq` / `closeTime` (for purging the queue). */
export function isExpired(env: ParsedEnvelope, ledgerSeq: number, closeTime: bigint): boolean {
  return isTooLate(env.tx, { accounts: { get: () => undefined }, ledgerSeq, closeTime });
}
