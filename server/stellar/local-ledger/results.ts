/**
 * TransactionResult XDR and Horizon's `result_codes`, built from a transaction's outcome with the
 * SDK's XDR schema, so `xdr.TransactionResult.fromXdr(result_xdr, "base64")` decodes what we send.
 */
import { xdr } from "@stellar/stellar-sdk";
import { OP_RESULT_SPECS, TX, opResultName, txCodeName, type OpResult } from "./codes";

export interface InnerOutcome {
  /** Hash of the inner transaction of a fee bump. */
  hash: Uint8Array;
  code: number;
  feeCharged: bigint;
  opResults?: OpResult[];
}

/** What happened to a transaction: its TransactionResult in plain form. */
export interface TxOutcome {
  code: number;
  feeCharged: bigint;
  /** For tx_success / tx_failed. */
  opResults?: OpResult[];
  /** For tx_fee_bump_inner_success / tx_fee_bump_inner_failed. */
  inner?: InnerOutcome;
}

export interface ResultCodes {
  transaction: string;
  operations?: string[];
  inner_transaction?: { transaction: string; operations?: string[] };
}

function opResultWire(r: OpResult): xdr.OperationResultWire {
  if (r.kind === "outer") return { code: r.code } as xdr.OperationResultWire;
  const spec = OP_RESULT_SPECS[r.opType];
  if (!spec) throw new Error(`no result encoding for operation type ${r.opType}`);
  return { code: 0, tr: { type: r.opType, [spec.field]: { code: r.code } } } as unknown as xdr.OperationResultWire;
}

function resultArm(code: number, opResults: OpResult[] | undefined): { code: number; results?: xdr.OperationResultWire[] } {
  if (code === TX.SUCCESS || code === TX.FAILED) return { code, results: (opResults ?? []).map(opResultWire) };
  return { code };
}

export function transactionResultWire(o: TxOutcome): xdr.TransactionResultWire {
  let result: unknown;
  if (o.code === TX.FEE_BUMP_INNER_SUCCESS || o.code === TX.FEE_BUMP_INNER_FAILED) {
    if (!o.inner) throw new Error("a fee bump result needs the inner result");
    result = {
      code: o.code,
      innerResultPair: {
        transactionHash: o.inner.hash,
        result: { feeCharged: o.inner.feeCharged, result: resultArm(o.inner.code, o.inner.opResults), ext: { v: 0 } },
      },
    };
  } else {
    result = resultArm(o.code, o.opResults);
  }
  return { feeCharged: o.feeCharged, result: result as xdr.TransactionResultResultWire, ext: { v: 0 } };
}

/** base64 TransactionResult XDR. */
export function encodeTransactionResult(o: TxOutcome): string {
  return Buffer.from(xdr.TransactionResult.schema.encode(transactionResultWire(o))).toString("base64");
}

export function resultCodes(o: TxOutcome): ResultCodes {
  const codes: ResultCodes = { transaction: txCodeName(o.code) };
  if (o.code === TX.FAILED && o.opResults) codes.operations = o.opResults.map(opResultName);
  if (o.inner) {
    codes.inner_transaction = { transaction: txCodeName(o.inner.code) };
    if (o.inner.code === TX.FAILED && o.inner.opResults) codes.inner_transaction.operations = o.inner.opResults.map(opResultName);
  }
  return codes;
}

export function isSuccessful(o: TxOutcome): boolean {
  return o.code === TX.SUCCESS || o.code === TX.FEE_BUMP_INNER_SUCCESS;
}
