import { xdr } from "@stellar/stellar-sdk";

/**
 * Decoding a TransactionResult (`result_xdr`) into Horizon's code names, and the plain-language
 * messages a payment shows when its operation failed.
 */

const TX_CODES: Record<number, string> = {
  1: "tx_fee_bump_inner_success",
  0: "tx_success",
  [-1]: "tx_failed",
  [-2]: "tx_too_early",
  [-3]: "tx_too_late",
  [-4]: "tx_missing_operation",
  [-5]: "tx_bad_seq",
  [-6]: "tx_bad_auth",
  [-7]: "tx_insufficient_balance",
  [-8]: "tx_no_source_account",
  [-9]: "tx_insufficient_fee",
  [-10]: "tx_bad_auth_extra",
  [-11]: "tx_internal_error",
  [-12]: "tx_not_supported",
  [-13]: "tx_fee_bump_inner_failed",
  [-14]: "tx_bad_sponsorship",
  [-15]: "tx_bad_minseq_age_or_gap",
  [-16]: "tx_malformed",
};

const OUTER_OP_CODES: Record<number, string> = {
  [-1]: "op_bad_auth",
  [-2]: "op_no_source_account",
  [-3]: "op_not_supported",
  [-4]: "op_too_many_subentries",
  [-5]: "op_exceeded_work_limit",
  [-6]: "op_too_many_sponsoring",
};

const PAYMENT_CODES: Record<number, string> = {
  0: "op_success",
  [-1]: "op_malformed",
  [-2]: "op_underfunded",
  [-3]: "op_src_no_trust",
  [-4]: "op_src_not_authorized",
  [-5]: "op_no_destination",
  [-6]: "op_no_trust",
  [-7]: "op_not_authorized",
  [-8]: "op_line_full",
  [-9]: "op_no_issuer",
};

export type DecodedResult = {
  /** The transaction's code; for a fee bump, the inner transaction's code (tx_success, tx_failed, ...). */
  code: string;
  /** The outer code of a fee bump (tx_fee_bump_inner_success / _failed), else the same as `code`. */
  outerCode: string;
  /** One code per operation when the (inner) transaction was applied, else null. */
  operations: string[] | null;
};

type OpWire = { code: number; tr?: Record<string, unknown> & { type?: number } };
type ArmWire = { code: number; results?: OpWire[]; innerResultPair?: { result: { result: ArmWire } } };

function opName(op: OpWire): string {
  if (op.code !== 0) return OUTER_OP_CODES[op.code] ?? `op_unknown_${op.code}`;
  const tr = op.tr ?? {};
  // The arm holding the result is the one field besides `type`.
  const arm = Object.entries(tr).find(([key]) => key !== "type")?.[1] as { code?: number } | undefined;
  const code = typeof arm?.code === "number" ? arm.code : 0;
  if (tr.type === 1) return PAYMENT_CODES[code] ?? `op_unknown_${code}`;
  return code === 0 ? "op_success" : `op_failed_${code}`;
}

export function txCodeName(code: number): string {
  return TX_CODES[code] ?? `tx_unknown_${code}`;
}

/** Decode base64 TransactionResult XDR. Throws on anything that is not one. */
export function decodeTransactionResult(resultXdr: string): DecodedResult {
  const wire = (xdr.TransactionResult.schema.decode(Buffer.from(resultXdr, "base64")) as unknown as { result: ArmWire }).result;
  const outerCode = txCodeName(wire.code);
  const inner = wire.innerResultPair ? wire.innerResultPair.result.result : wire;
  const operations = inner.results ? inner.results.map(opName) : null;
  return { code: txCodeName(inner.code), outerCode, operations };
}

/** The effective transaction code of Horizon's `result_codes` (the inner one for a fee bump). */
export function effectiveTxCode(codes: { transaction?: string; inner_transaction?: { transaction?: string } }): string {
  if (codes.inner_transaction?.transaction) return codes.inner_transaction.transaction;
  return codes.transaction ?? "unknown";
}

/** What a receiver-facing person should read when a payment's operation or transaction failed. */
export function failureMessage(code: string, assetCode: string): string {
  switch (code) {
    case "op_no_destination":
      return "The receiver's Stellar account does not exist.";
    case "op_no_trust":
      return `The receiver's account does not trust ${assetCode}.`;
    case "op_not_authorized":
      return `The receiver's account is not authorized to hold ${assetCode}.`;
    case "op_line_full":
      return `The receiver's ${assetCode} trustline limit would be exceeded.`;
    case "op_underfunded":
      return `The distribution account does not have enough ${assetCode}.`;
    case "op_src_no_trust":
      return `The distribution account does not trust ${assetCode}.`;
    case "op_src_not_authorized":
      return `The distribution account is not authorized to send ${assetCode}.`;
    case "op_no_issuer":
      return `The issuer of ${assetCode} does not exist.`;
    case "op_malformed":
      return "The payment was malformed (check the amount and the address).";
    case "op_bad_auth":
      return "The distribution account's signature was not accepted.";
    case "op_no_source_account":
      return "The distribution account does not exist on the network.";
    case "tx_bad_auth":
    case "tx_bad_auth_extra":
      return "The transaction's signatures were not accepted by the network.";
    case "tx_insufficient_balance":
      return "The distribution account does not have enough XLM to pay the network fee.";
    case "tx_no_source_account":
      return "The channel account does not exist on the network.";
    case "contract_address":
      return "Payments to contract addresses (C...) are not supported yet.";
    default:
      return `The network rejected the payment (${code}).`;
  }
}
