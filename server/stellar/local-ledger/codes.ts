/**
 * Result codes of the local ledger: the numeric values are stellar-core's XDR enums, the strings are
 * the names Horizon puts in `extras.result_codes` (listed at
 * https://developers.stellar.org/docs/data/horizon/api-reference/errors/result-codes).
 */

/** TransactionResultCode (XDR). */
export const TX = {
  FEE_BUMP_INNER_SUCCESS: 1,
  SUCCESS: 0,
  FAILED: -1,
  TOO_EARLY: -2,
  TOO_LATE: -3,
  MISSING_OPERATION: -4,
  BAD_SEQ: -5,
  BAD_AUTH: -6,
  INSUFFICIENT_BALANCE: -7,
  NO_ACCOUNT: -8,
  INSUFFICIENT_FEE: -9,
  BAD_AUTH_EXTRA: -10,
  INTERNAL_ERROR: -11,
  NOT_SUPPORTED: -12,
  FEE_BUMP_INNER_FAILED: -13,
  BAD_SPONSORSHIP: -14,
  BAD_MIN_SEQ_AGE_OR_GAP: -15,
  MALFORMED: -16,
} as const;
export type TxCode = (typeof TX)[keyof typeof TX];

const TX_NAMES: Record<number, string> = {
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

export function txCodeName(code: number): string {
  return TX_NAMES[code] ?? `tx_unknown_${code}`;
}

/** OperationType (XDR). Only the ones the local ledger applies are named here. */
export const OP = {
  CREATE_ACCOUNT: 0,
  PAYMENT: 1,
  SET_OPTIONS: 5,
  CHANGE_TRUST: 6,
  ALLOW_TRUST: 7,
  MANAGE_DATA: 10,
  BUMP_SEQUENCE: 11,
  BEGIN_SPONSORING_FUTURE_RESERVES: 16,
  END_SPONSORING_FUTURE_RESERVES: 17,
  SET_TRUST_LINE_FLAGS: 21,
} as const;

/** OperationResultCode (XDR): the outer code of an operation result. */
export const OPR = {
  INNER: 0,
  BAD_AUTH: -1,
  NO_ACCOUNT: -2,
  NOT_SUPPORTED: -3,
  TOO_MANY_SUBENTRIES: -4,
  EXCEEDED_WORK_LIMIT: -5,
  TOO_MANY_SPONSORING: -6,
} as const;

const OUTER_NAMES: Record<number, string> = {
  [-1]: "op_bad_auth",
  [-2]: "op_no_source_account",
  [-3]: "op_not_supported",
  [-4]: "op_too_many_subentries",
  [-5]: "op_exceeded_work_limit",
  [-6]: "op_too_many_sponsoring",
};

export const CREATE_ACCOUNT = { SUCCESS: 0, MALFORMED: -1, UNDERFUNDED: -2, LOW_RESERVE: -3, ALREADY_EXIST: -4 } as const;
export const PAYMENT = {
  SUCCESS: 0,
  MALFORMED: -1,
  UNDERFUNDED: -2,
  SRC_NO_TRUST: -3,
  SRC_NOT_AUTHORIZED: -4,
  NO_DESTINATION: -5,
  NO_TRUST: -6,
  NOT_AUTHORIZED: -7,
  LINE_FULL: -8,
  NO_ISSUER: -9,
} as const;
export const SET_OPTIONS = {
  SUCCESS: 0,
  LOW_RESERVE: -1,
  TOO_MANY_SIGNERS: -2,
  BAD_FLAGS: -3,
  INVALID_INFLATION: -4,
  CANT_CHANGE: -5,
  UNKNOWN_FLAG: -6,
  THRESHOLD_OUT_OF_RANGE: -7,
  BAD_SIGNER: -8,
  INVALID_HOME_DOMAIN: -9,
  AUTH_REVOCABLE_REQUIRED: -10,
} as const;
export const CHANGE_TRUST = {
  SUCCESS: 0,
  MALFORMED: -1,
  NO_ISSUER: -2,
  INVALID_LIMIT: -3,
  LOW_RESERVE: -4,
  SELF_NOT_ALLOWED: -5,
  TRUST_LINE_MISSING: -6,
  CANNOT_DELETE: -7,
  NOT_AUTH_MAINTAIN_LIABILITIES: -8,
} as const;
export const ALLOW_TRUST = {
  SUCCESS: 0,
  MALFORMED: -1,
  NO_TRUST_LINE: -2,
  TRUST_NOT_REQUIRED: -3,
  CANT_REVOKE: -4,
  SELF_NOT_ALLOWED: -5,
  LOW_RESERVE: -6,
} as const;
export const MANAGE_DATA = { SUCCESS: 0, NOT_SUPPORTED_YET: -1, NAME_NOT_FOUND: -2, LOW_RESERVE: -3, INVALID_NAME: -4 } as const;
export const BUMP_SEQUENCE = { SUCCESS: 0, BAD_SEQ: -1 } as const;
export const BEGIN_SPONSORING = { SUCCESS: 0, MALFORMED: -1, ALREADY_SPONSORED: -2, RECURSIVE: -3 } as const;
export const END_SPONSORING = { SUCCESS: 0, NOT_SPONSORED: -1 } as const;
export const SET_TRUST_LINE_FLAGS = { SUCCESS: 0, MALFORMED: -1, NO_TRUST_LINE: -2, CANT_REVOKE: -3, INVALID_STATE: -4, LOW_RESERVE: -5 } as const;

/** Per operation type: the inner result codes' Horizon names and the XDR field of OperationResultTr. */
export const OP_RESULT_SPECS: Record<number, { field: string; names: Record<number, string> }> = {
  [OP.CREATE_ACCOUNT]: {
    field: "createAccountResult",
    names: { 0: "op_success", [-1]: "op_malformed", [-2]: "op_underfunded", [-3]: "op_low_reserve", [-4]: "op_already_exists" },
  },
  [OP.PAYMENT]: {
    field: "paymentResult",
    names: {
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
    },
  },
  [OP.SET_OPTIONS]: {
    field: "setOptionsResult",
    names: {
      0: "op_success",
      [-1]: "op_low_reserve",
      [-2]: "op_too_many_signers",
      [-3]: "op_bad_flags",
      [-4]: "op_invalid_inflation",
      [-5]: "op_cant_change",
      [-6]: "op_unknown_flag",
      [-7]: "op_threshold_out_of_range",
      [-8]: "op_bad_signer",
      [-9]: "op_invalid_home_domain",
      [-10]: "op_auth_revocable_required",
    },
  },
  [OP.CHANGE_TRUST]: {
    field: "changeTrustResult",
    names: {
      0: "op_success",
      [-1]: "op_malformed",
      [-2]: "op_no_issuer",
      [-3]: "op_invalid_limit",
      [-4]: "op_low_reserve",
      [-5]: "op_self_not_allowed",
      [-6]: "op_trust_line_missing",
      [-7]: "op_cannot_delete",
      [-8]: "op_not_aut_maintain_liabilities",
    },
  },
  [OP.ALLOW_TRUST]: {
    field: "allowTrustResult",
    names: {
      0: "op_success",
      [-1]: "op_malformed",
      [-2]: "op_no_trust",
      [-3]: "op_not_required",
      [-4]: "op_cant_revoke",
      [-5]: "op_self_not_allowed",
      [-6]: "op_low_reserve",
    },
  },
  [OP.MANAGE_DATA]: {
    field: "manageDataResult",
    names: {
      0: "op_success",
      [-1]: "op_not_supported_yet",
      [-2]: "op_data_name_not_found",
      [-3]: "op_low_reserve",
      [-4]: "op_data_invalid_name",
    },
  },
  [OP.BUMP_SEQUENCE]: { field: "bumpSeqResult", names: { 0: "op_success", [-1]: "op_bad_seq" } },
  [OP.BEGIN_SPONSORING_FUTURE_RESERVES]: {
    field: "beginSponsoringFutureReservesResult",
    names: { 0: "op_success", [-1]: "op_malformed", [-2]: "op_already_sponsored", [-3]: "op_recursive" },
  },
  [OP.END_SPONSORING_FUTURE_RESERVES]: {
    field: "endSponsoringFutureReservesResult",
    names: { 0: "op_success", [-1]: "op_not_sponsored" },
  },
  [OP.SET_TRUST_LINE_FLAGS]: {
    field: "setTrustLineFlagsResult",
    names: {
      0: "op_success",
      [-1]: "op_malformed",
      [-2]: "op_no_trust",
      [-3]: "op_cant_revoke",
      [-4]: "op_invalid_state",
      [-5]: "op_low_reserve",
    },
  },
};

/**
 * One operation's result. `inner`: the operation ran and `code` is its type's result code (0 = success);
 * `outer`: it never ran (`op_bad_auth`, `op_no_source_account`, `op_not_supported`, ...).
 */
export type OpResult = { kind: "inner"; opType: number; code: number } | { kind: "outer"; code: number };

export const opSuccess = (opType: number): OpResult => ({ kind: "inner", opType, code: 0 });
export const opInner = (opType: number, code: number): OpResult => ({ kind: "inner", opType, code });
export const opOuter = (code: number): OpResult => ({ kind: "outer", code });

export function isOpSuccess(r: OpResult): boolean {
  return r.kind === "inner" && r.code === 0;
}

export function opResultName(r: OpResult): string {
  if (r.kind === "outer") return OUTER_NAMES[r.code] ?? `op_unknown_${r.code}`;
  return OP_RESULT_SPECS[r.opType]?.names[r.code] ?? `op_unknown_${r.code}`;
}

/** Horizon's name for each operation type (`type` of an operation resource). */
export const OP_TYPE_NAMES: Record<number, string> = {
  0: "create_account",
  1: "payment",
  2: "path_payment_strict_receive",
  3: "manage_sell_offer",
  4: "create_passive_sell_offer",
  5: "set_options",
  6: "change_trust",
  7: "allow_trust",
  8: "account_merge",
  9: "inflation",
  10: "manage_data",
  11: "bump_sequence",
  12: "manage_buy_offer",
  13: "path_payment_strict_send",
  14: "create_claimable_balance",
  15: "claim_claimable_balance",
  16: "begin_sponsoring_future_reserves",
  17: "end_sponsoring_future_reserves",
  18: "revoke_sponsorship",
  19: "clawback",
  20: "clawback_claimable_balance",
  21: "set_trust_line_flags",
  22: "liquidity_pool_deposit",
  23: "liquidity_pool_withdraw",
  24: "invoke_host_function",
  25: "extend_footprint_ttl",
  26: "restore_footprint",
};
