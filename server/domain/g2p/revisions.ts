import { z } from "zod";
import type { G2pItemStatus } from "./codes";
import { isIsoCurrencyCode } from "./currency";
import { G2P_AMOUNT_PATTERN, LANGUAGE_CODE_PATTERN, isRfc3339 } from "./messages";

/**
 * The two older revisions of G2P Connect's `api/g2p-disburse.yaml` this platform still answers
 * (docs/g2p-connect.md, "Revisions"; vendored in tests/fixtures/g2p-connect-specs/):
 *
 * - 2023-03-03: `POST /disburse/status` (ACK, then `/disburse/on-status`) and the GET status paths,
 *   with headers that carry `timestamp` (not `message_ts`), upper-case statuses and
 *   `message.disburse_status`;
 * - 2023-07: the GET search paths, whose bodies are close to v1.0.0's (`message_ts`, lower-case
 *   statuses, `disbursements_status`) with `is_encrypted` in the header.
 *
 * Pure rules only: how a request is recognised, and how an item's status is spelt in each revision.
 */

export const REVISION_2023_03_VERSION = "0.1.0";

/* ---------------------------------------------------------------- recognising a 2023-03 request */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * A `POST /disburse/status` body is the 2023-03 revision's when its header carries `timestamp` and
 * no `message_ts`: the 2023-03 `MsgReqHeader` requires `timestamp`, which v1.0.0's `MsgHeader`
 * renamed to `message_ts` (and requires). Everything else goes the v1.0.0 way (the search shape
 * this path has always taken), so existing senders see no change.
 */
export function isRevision202303StatusBody(body: unknown): boolean {
  if (!isRecord(body) || !isRecord(body.header)) return false;
  return "timestamp" in body.header && !("message_ts" in body.header);
}

/**
 * A GET status request is the 2023-03 revision's when it sends the `timestamp` HTTP header, which
 * the 2023-03 file requires of both GET status paths (v1.0.0 has no such paths; without the header
 * the answer stays the v1.0.0-style on-disburse body existing clients read).
 */
export function isRevision202303StatusGet(headers: Headers): boolean {
  return headers.get("timestamp") !== null;
}

/** The `timestamp` HTTP header of a GET: an HTTP date ("Tue, 06 Mar 2020 21:00:00 GMT"); RFC 3339 is read too. */
export function parseHttpDateHeader(value: string): Date | null {
  const text = value.trim();
  if (text === "") return null;
  const httpDate = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
  if (!httpDate.test(text) && !isRfc3339(text)) return null;
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? null : at;
}

/* ---------------------------------------------------------------- the 2023-03 request */

const id = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

/** The 2023-03 `MsgReqHeader`: only `message_id` and `timestamp` are required. */
export const revision202303HeaderSchema = z.object({
  version: z.string().max(20).optional(),
  message_id: id(99),
  timestamp: z.string().refine(isRfc3339, "must be an RFC 3339 date-time with a time zone, e.g. 2026-11-21T10:00:00Z"),
  action: z.string().max(40).optional(),
  sender_id: id(99).optional(),
  sender_uri: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(2000)
    .optional(),
  receiver_id: z.string().max(99).optional(),
  receiver_uri: z.string().max(2000).optional(),
  total_count: z.int().min(0).optional(),
});
export type Revision202303Header = z.infer<typeof revision202303HeaderSchema>;

/** The 2023-03 status message: the transaction asked about and/or some of its reference ids. */
export const revision202303StatusMessageSchema = z
  .object({
    transaction_id: id(99).optional(),
    reference_ids: z.array(id(99)).max(10_000, "must hold at most 10000 ids").optional(),
  })
  .refine((m) => m.transaction_id !== undefined || (m.reference_ids?.length ?? 0) > 0, "message needs transaction_id or a non-empty reference_ids");
export type Revision202303StatusMessage = z.infer<typeof revision202303StatusMessageSchema>;

/**
 * The 2023-03 `Error.code` for each of our transport codes (that revision's codes are
 * `ERR_*`; it has no `err.*` and no `rjct.*` in acknowledgements).
 */
export const REVISION_2023_03_ERRORS = {
  accessDenied: "ERR_ACCESS_DENIED",
  invalidRequest: "ERR_INVALID_REQUEST",
  invalidSender: "ERR_INVALID_SENDER",
  invalidSenderUri: "ERR_INVALID_SENDER_URI",
  invalidReceiver: "ERR_INVALID_RECEIVER",
  mandatoryHeaderMissing: "ERR_MANDATORY_HEADER_MISSING",
  invalidMessageId: "ERR_INVALID_MESSAGE_ID",
  invalidTimestamp: "ERR_INVALID_TIMESTAMP",
  invalidAction: "ERR_INVALID_ACTION",
  invalidSignature: "ERR_INVALID_SIGNATURE",
  invalidEncryption: "ERR_INVALID_ENCRYPTION",
  invalidMessage: "ERR_INVALID_MESSAGE",
  serviceUnavailable: "ERR_SERVICE_UNAVAILABLE",
} as const;

const FROM_V1: Record<string, string> = {
  "err.request.bad": REVISION_2023_03_ERRORS.invalidRequest,
  "err.version.not_supported": REVISION_2023_03_ERRORS.invalidRequest,
  "err.request.unauthorized": REVISION_2023_03_ERRORS.accessDenied,
  "err.request.forbidden": REVISION_2023_03_ERRORS.accessDenied,
  "err.request.not_found": REVISION_2023_03_ERRORS.invalidRequest,
  "err.sender_id.invalid": REVISION_2023_03_ERRORS.invalidSender,
  "err.sender_uri.invalid": REVISION_2023_03_ERRORS.invalidSenderUri,
  "err.receiver_id.invalid": REVISION_2023_03_ERRORS.invalidReceiver,
  "err.signature.missing": REVISION_2023_03_ERRORS.invalidSignature,
  "err.signature.invalid": REVISION_2023_03_ERRORS.invalidSignature,
  "err.encryption.invalid": REVISION_2023_03_ERRORS.invalidEncryption,
  "err.service.unavailable": REVISION_2023_03_ERRORS.serviceUnavailable,
};

/** Our v1.0.0 transport code as the 2023-03 revision's `ERR_*` code (already-2023-03 codes pass through). */
export function revision202303ErrorCode(code: string): string {
  if (code.startsWith("ERR_")) return code;
  return FROM_V1[code] ?? REVISION_2023_03_ERRORS.invalidRequest;
}

/* ---------------------------------------------------------------- statuses and reason codes */

/** 2023-03 `RequestStatus`: the same four states, upper case. */
export function revision202303ItemStatus(status: G2pItemStatus): "RCVD" | "PDNG" | "SUCC" | "RJCT" {
  return status.toUpperCase() as "RCVD" | "PDNG" | "SUCC" | "RJCT";
}

/**
 * 2023-03 header `status` (message processing: REJECTED | IN_PROGRESS | COMPLETED) of a status
 * answer: COMPLETED once every item asked about is final (SUCC or RJCT), IN_PROGRESS while any is
 * not; REJECTED is kept for a request that was refused (an unknown transaction).
 */
export function revision202303HeaderStatus(statuses: readonly G2pItemStatus[]): "IN_PROGRESS" | "COMPLETED" {
  return statuses.every((s) => s === "succ" || s === "rjct") ? "COMPLETED" : "IN_PROGRESS";
}

/** 2023-03 `DisburseStatusReasonCode` for each of our item codes (spelt as published, SHCHEDULE included). */
const REASONS_2023_03: Record<string, string> = {
  "rjct.payer_fa.invalid": "RJCT_PAYER_FA_INVALID",
  "rjct.payee_fa.invalid": "RJCT_PAYEE_FA_INVALID",
  "rjct.amount.invalid": "RJCT_AMOUNT_INVALID",
  "rjct.schedule_ts.invalid": "RJCT_SHCHEDULE_TIMESTAMP_INVALID",
  "rjct.currency_code.invalid": "RJCT_CURRENCY_CODE_INVALID",
  "rjct.reference_id.duplicate": "RJCT_REFERENCE_ID_DUPLICATE",
  "rjct.reference_id.not_found": "UKWN_REFERENCE_ID_NOT_FOUND",
  "rjct.transaction_id.not_found": "UKWN_TRANSACTION_ID_NOT_FOUND",
};
export const REVISION_2023_03_REASON_CODES: readonly string[] = Object.values(REASONS_2023_03);

/**
 * An item's reason in the 2023-03 spelling: the v1.0.0 `status_reason_code`, or our extension code
 * that leads `status_reason_message` ("rjct.payment.failed: …"), mapped when 2023-03 has a code for
 * it; otherwise no code and the message as it is.
 */
export function revision202303Reason(code: string | undefined, message: string | undefined): { status_reason_code?: string; status_reason_message?: string } {
  const ours = code ?? /^(rjct[._][a-z_.]+):/.exec(message ?? "")?.[1];
  const mapped = ours ? REASONS_2023_03[ours] : undefined;
  return { ...(mapped ? { status_reason_code: mapped } : {}), ...(message ? { status_reason_message: message.slice(0, 999) } : {}) };
}

/** The item fields one revision's `DisburseResponse` has (answers of the revisions carry only these). */
export type RevisionItemSource = {
  reference_id: string;
  timestamp: string;
  status: G2pItemStatus;
  status_reason_code?: string;
  status_reason_message?: string;
  instruction?: string;
  amount?: string;
  payer_fa?: string;
  payer_name?: string;
  payee_fa?: string;
  payee_name?: string;
  currency_code?: string;
  locale?: string;
};

/** Keep a value only when it fits the revision's pattern, so an answer never breaks one. */
function patternFields(item: RevisionItemSource) {
  return {
    ...(item.instruction ? { instruction: item.instruction.slice(0, 999) } : {}),
    ...(item.amount && G2P_AMOUNT_PATTERN.test(item.amount) ? { amount: item.amount } : {}),
    ...(item.payer_fa ? { payer_fa: item.payer_fa } : {}),
    ...(item.payer_name ? { payer_name: item.payer_name } : {}),
    ...(item.payee_fa ? { payee_fa: item.payee_fa } : {}),
    ...(item.payee_name ? { payee_name: item.payee_name } : {}),
    ...(item.currency_code && isIsoCurrencyCode(item.currency_code) ? { currency_code: item.currency_code } : {}),
    ...(item.locale && LANGUAGE_CODE_PATTERN.test(item.locale) ? { locale: item.locale } : {}),
  };
}

/** An item as the 2023-03 `DisburseResponse`. */
export function revision202303Item(item: RevisionItemSource) {
  return {
    reference_id: item.reference_id,
    timestamp: item.timestamp,
    status: revision202303ItemStatus(item.status),
    ...revision202303Reason(item.status_reason_code, item.status_reason_message),
    ...patternFields(item),
  };
}

/** An item as the 2023-07 `DisburseResponseRecord` (its reason codes are v1.0.0's `DisburseStatusReasonCode`). */
export function revision202307Item(item: RevisionItemSource) {
  return {
    reference_id: item.reference_id,
    timestamp: item.timestamp,
    status: item.status,
    ...(item.status_reason_code ? { status_reason_code: item.status_reason_code } : {}),
    ...(item.status_reason_message ? { status_reason_message: item.status_reason_message.slice(0, 999) } : {}),
    ...patternFields(item),
  };
}
