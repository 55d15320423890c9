/**
 * G2P Connect disburse codes (docs/g2p-connect.md). Transport errors (`err.*`) answer with ack_status ERR;
 * business refusals (`rjct.*`) answer NACK for the whole message or `rjct` for one item.
 */
export const G2P_VERSION = "1.0.0";

export const ACK_STATUSES = ["ACK", "NACK", "ERR"] as const;
export type AckStatus = (typeof ACK_STATUSES)[number];

export const G2P_TRANSPORT_ERRORS = {
  requestBad: "err.request.bad",
  versionNotSupported: "err.version.not_supported",
  accessDenied: "err.access.denied",
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
