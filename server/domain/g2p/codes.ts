/**
 * G2P Connect disburse codes (docs/g2p-connect.md, "Answers and errors"). Transport errors (`err.*`)
 * answer ERR (or the HttpErrorResponse for 401/403/500); business refusals (`rjct.*`) are an
 * outcome: header status rjct with the code where the spec's enums have it, and items rjct with
 * their own codes.
 */
export const G2P_VERSION = "1.0.0";

export const ACK_STATUSES = ["ACK", "NACK", "ERR"] as const;
export type AckStatus = (typeof ACK_STATUSES)[number];

/**
 * The spec's `Error.code` values (the only codes `message.error.code` of an acknowledgement carries;
 * business refusals `rjct.*` go in callback headers and items instead).
 */
export const G2P_TRANSPORT_ERRORS = {
  requestBad: "err.request.bad",
  versionNotSupported: "err.version.not_supported",
  /** No or an unknown credential (HTTP 401). */
  unauthorized: "err.request.unauthorized",
  /** A credential without the right (HTTP 403). */
  forbidden: "err.request.forbidden",
  notFound: "err.request.not_found",
  senderIdInvalid: "err.sender_id.invalid",
  senderUriInvalid: "err.sender_uri.invalid",
  receiverIdInvalid: "err.receiver_id.invalid",
  signatureMissing: "err.signature.missing",
  signatureInvalid: "err.signature.invalid",
  encryptionNotSupported: "err.encryption.invalid",
  serviceUnavailable: "err.service.unavailable",
} as const;

export const G2P_HEADER_REJECTIONS = {
  messageIdDuplicate: "rjct.message_id.duplicate",
  messageTsInvalid: "rjct.message_ts.invalid",
  actionNotSupported: "rjct.action.not_supported",
  totalCountInvalid: "rjct.total_count.invalid",
  totalCountLimitExceeded: "rjct.total_count.limit_exceeded",
  transactionIdInvalid: "rjct.transaction_id.invalid",
  /** Extension (G2P Bridge envelope rules): the transaction's envelope no longer accepts this. */
  envelopeClosed: "rjct.envelope.closed",
} as const;

export const G2P_ITEM_REASONS = {
  referenceIdInvalid: "rjct.reference_id.invalid",
  referenceIdDuplicate: "rjct.reference_id.duplicate",
  referenceIdNotFound: "rjct.reference_id.not_found",
  transactionIdNotFound: "rjct.transaction_id.not_found",
  payerFaInvalid: "rjct.payer_fa.invalid",
  payeeFaInvalid: "rjct.payee_fa.invalid",
  amountInvalid: "rjct.amount.invalid",
  currencyCodeInvalid: "rjct.currency_code.invalid",
  scheduleTsInvalid: "rjct.schedule_ts.invalid",
  /** Extensions for outcomes on the rail. */
  cancelled: "rjct.disbursement.cancelled",
  paymentFailed: "rjct.payment.failed",
} as const;

export type G2pTransportError = (typeof G2P_TRANSPORT_ERRORS)[keyof typeof G2P_TRANSPORT_ERRORS];
export type G2pHeaderRejection = (typeof G2P_HEADER_REJECTIONS)[keyof typeof G2P_HEADER_REJECTIONS];
export type G2pItemReason = (typeof G2P_ITEM_REASONS)[keyof typeof G2P_ITEM_REASONS];
export type G2pErrorCode = G2pTransportError | G2pHeaderRejection | G2pItemReason;

/** `MsgHeaderStatusReasonCode`: the only codes a callback header's status_reason_code may carry. */
export const SPEC_HEADER_REASON_CODES: readonly string[] = [
  "rjct.version.invalid",
  "rjct.message_id.duplicate",
  "rjct.message_ts.invalid",
  "rjct.action.invalid",
  "rjct.action.not_supported",
  "rjct.total_count.invalid",
  "rjct.total_count.limit_exceeded",
  "rjct.errors.too_many",
];

/** `DisburseStatusReasonCode`: the only codes a disbursements_status item's status_reason_code may carry. */
export const SPEC_DISBURSE_REASON_CODES: readonly string[] = [
  "rjct.reference_id.invalid",
  "rjct.reference_id.duplicate",
  "rjct.timestamp.invalid",
  "rjct.payer_fa.invalid",
  "rjct.payee_fa.invalid",
  "rjct.amount.invalid",
  "rjct.schedule_ts.invalid",
  "rjct.currency_code.invalid",
];

/** `SearchStatusReasonCode` (spelt as published, underscores included). */
export const SPEC_SEARCH_REASON_CODES: readonly string[] = [
  "rjct.reference_id.invalid",
  "rjct.reference_id.duplicate",
  "rjct.timestamp.invalid",
  "rjct.request_type.invalid",
  "rjct.attribute_type.invalid",
  "rjct.srch_transaction_id.invalid",
  "rjct.srch_transaction_id.not_found",
  "rjct_srch_reference_id.invalid",
  "rjct_srch_reference_id.not_found",
  "rjct.srch.too_many_records_found",
  "rjct.srch_payer_fa.invalid",
  "rjct.srch_payee_fa.invalid",
  "rjct.share_attributes.invalid",
];

/**
 * A status_reason_code / status_reason_message pair the spec allows: the code when `allowed` lists
 * it, else no code and the code named at the start of the message (our extension codes such as
 * rjct.payment.failed stay visible without breaking the spec's enum).
 */
export function specReason(code: string | null | undefined, message: string | null | undefined, allowed: readonly string[]) {
  const text = message ?? undefined;
  if (!code) return { status_reason_code: undefined, status_reason_message: text };
  if (allowed.includes(code)) return { status_reason_code: code, status_reason_message: text };
  return { status_reason_code: undefined, status_reason_message: text ? (text.startsWith(code) ? text : `${code}: ${text}`) : code };
}

/** Item (request) statuses in callbacks and status answers. */
export const G2P_ITEM_STATUSES = ["rcvd", "pdng", "succ", "rjct"] as const;
export type G2pItemStatus = (typeof G2P_ITEM_STATUSES)[number];

/** Message-level status in callback headers. */
export const G2P_MESSAGE_STATUSES = ["rcvd", "pdng", "succ", "rjct"] as const;

/** The actions each endpoint accepts in `header.action`. */
export const G2P_ACTIONS = {
  disburse: "disburse",
  search: "search",
  txnStatus: "status",
  onDisburse: "on-disburse",
  onSearch: "on-search",
  onStatus: "on-status",
} as const;
