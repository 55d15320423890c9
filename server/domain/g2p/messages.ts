import { z } from "zod";
import { parseAmount } from "../money";
import { checkHolderName, checkRegion } from "../destinations";
import { G2P_ITEM_REASONS, type G2pErrorCode, type G2pItemReason } from "./codes";
import { isIsoCurrencyCode } from "./currency";
import { parsePayeeFa, type PayeeAddress } from "./financial-address";

/**
 * The G2P Connect disburse messages we accept (docs/g2p-connect.md#disburse), as zod schemas for the structure.
 * Field rules that answer with an item reason code (amount, payee_fa, ...) are checked per item by
 * `checkDisburseItem`, so one bad item is reported by its reference_id instead of failing parsing.
 */
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})$/;
export const isRfc3339 = (v: string) => RFC3339.test(v) && !Number.isNaN(Date.parse(v.replace(" ", "T")));
export const parseRfc3339 = (v: string) => new Date(v.replace(" ", "T"));

const timestamp = z.string().refine(isRfc3339, "must be an RFC 3339 date-time with a time zone, e.g. 2026-11-21T10:00:00Z");
const id = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `must be at most ${max} characters`);

export const g2pHeaderSchema = z.object({
  version: z.string().max(20).optional(),
  message_id: id(99),
  message_ts: timestamp,
  action: z.string().max(40),
  sender_id: id(99),
  sender_uri: z
    .url({ protocol: /^https?$/, error: "must be an http(s) URL" })
    .max(2000)
    .optional(),
  receiver_id: z.string().max(99).optional(),
  // Required by the spec's MsgHeader_V1.0.0 (with message_id, message_ts, action, sender_id).
  total_count: z.int({ error: "is required by the spec: the number of requests in the message" }).min(0).max(1_000_000),
  is_msg_encrypted: z.boolean().optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type G2pHeader = z.infer<typeof g2pHeaderSchema>;

/** The envelope around every request: `{signature, header, message}`. */
export const g2pEnvelopeSchema = z.object({
  signature: z.string().max(4000).optional(),
  header: g2pHeaderSchema,
  message: z.record(z.string(), z.unknown()),
});
export type G2pEnvelope = z.infer<typeof g2pEnvelopeSchema>;

/** The spec's LanguageCode: ISO 639-3, three lower-case letters (`eng`, `fra`). */
export const LANGUAGE_CODE_PATTERN = /^[a-z]{3}$/;
const languageCode = z.string().regex(LANGUAGE_CODE_PATTERN, "must be an ISO 639-3 language code of three lower-case letters, e.g. eng");

/** Items are structurally loose here (strings of bounded size); `checkDisburseItem` judges the values. */
const looseString = (max: number) => z.string().max(max, `must be at most ${max} characters`).optional();
export const disburseItemSchema = z.object({
  reference_id: z.string().max(99, "must be at most 99 characters"),
  payer_fa: looseString(256),
  payee_fa: z.string().max(256, "must be at most 256 characters"),
  amount: z.string().max(40, "must be at most 40 characters"),
  scheduled_timestamp: looseString(40),
  payer_name: looseString(99),
  payee_name: looseString(99),
  note: looseString(99),
  purpose: looseString(99),
  instruction: looseString(999),
  currency_code: looseString(10),
  locale: languageCode.optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type DisburseItem = z.infer<typeof disburseItemSchema>;

/**
 * Extension (G2P Bridge `disbursement_envelope`): what the transaction's envelope declares. Only the
 * first request of a transaction may carry it; without it the envelope declares exactly the first
 * request's items and the latest of their `scheduled_timestamp`s.
 */
export const envelopeDeclarationSchema = z.object({
  number_of_disbursements: z.int().min(1).max(1_000_000),
  total_disbursement_amount: z.string().max(40),
  disbursement_currency_code: z.string().max(10).optional(),
  disbursement_schedule_date: timestamp.optional(),
});
export type EnvelopeDeclaration = z.infer<typeof envelopeDeclarationSchema>;

export const MAX_ITEMS_PER_MESSAGE = 10_000;

export const disburseMessageSchema = z.object({
  transaction_id: id(99),
  disbursements: z.array(disburseItemSchema).min(1, "must hold at least one item").max(MAX_ITEMS_PER_MESSAGE, `must hold at most ${MAX_ITEMS_PER_MESSAGE} items`),
  disbursement_envelope: envelopeDeclarationSchema.optional(),
});
export type DisburseMessage = z.infer<typeof disburseMessageSchema>;

/**
 * The spec's SearchRequest (`/disburse/search`): disbursements paid from or to a financial address.
 * Each criterion's `reference_id` names that criterion; `request_type` is always `disburse`.
 */
export const SEARCH_ATTRIBUTE_TYPES = ["payer_fa", "payee_fa"] as const;
export const specSearchMessageSchema = z.object({
  transaction_id: id(99),
  search_criteria: z
    .array(
      z.object({
        reference_id: id(99),
        timestamp: timestamp.optional(),
        request_type: z.literal("disburse", { error: 'must be "disburse"' }),
        attribute_type: z.enum(SEARCH_ATTRIBUTE_TYPES, { error: "must be payer_fa or payee_fa" }),
        attribute_value: z.string().min(1, "must not be empty").max(256),
        locale: languageCode.optional(),
      }),
    )
    .min(1, "must hold at least one criterion")
    .max(100, "must hold at most 100 criteria"),
});
export type SpecSearchMessage = z.infer<typeof specSearchMessageSchema>;

/**
 * Extension kept for existing senders (docs/g2p-connect.md, "Search"): the registry-search shape
 * `search_request: [{reference_id, search_criteria: {query: {type, value}, pagination}}]`, which
 * also finds items by reference_id and transaction_id.
 */
export const SEARCH_QUERY_TYPES = ["reference_id", "transaction_id", "payee_fa", "payer_fa"] as const;
export const legacySearchMessageSchema = z.object({
  transaction_id: id(99),
  search_request: z
    .array(
      z.object({
        reference_id: id(99),
        timestamp: timestamp.optional(),
        search_criteria: z.object({
          query_type: z.literal("idtype-value").optional(),
          query: z.object({ type: z.enum(SEARCH_QUERY_TYPES), value: z.string().min(1).max(256) }),
          pagination: z.object({ page_size: z.int().min(1).max(1000).optional(), page_number: z.int().min(1).optional() }).optional(),
        }),
        locale: languageCode.optional(),
      }),
    )
    .min(1)
    .max(100),
});
export type LegacySearchMessage = z.infer<typeof legacySearchMessageSchema>;

/** The schema of either search shape: the spec's unless the message has only the extension's `search_request`. */
export function searchMessageSchemaFor(message: Record<string, unknown>) {
  return "search_request" in message && !("search_criteria" in message) ? legacySearchMessageSchema : specSearchMessageSchema;
}
export type SearchMessage = SpecSearchMessage | LegacySearchMessage;
export const isSpecSearch = (m: SearchMessage): m is SpecSearchMessage => "search_criteria" in m && Array.isArray(m.search_criteria);

/**
 * Status of earlier requests (`/disburse/txn/status`): of a disburse transaction (`txn_type
 * disburse`) or of a search (`txn_type search`), by transaction id, reference id list, or the
 * correlation_id our acknowledgement gave.
 */
export const txnStatusMessageSchema = z.object({
  transaction_id: id(99),
  txnstatus_request: z.object({
    reference_id: id(99),
    txn_type: z.enum(["disburse", "search"], { error: 'txn_type must be "disburse" or "search"' }),
    attribute_type: z.enum(["transaction_id", "reference_id_list", "correlation_id"], {
      error: "attribute_type must be transaction_id, reference_id_list or correlation_id",
    }),
    attribute_value: z.union([z.string().min(1).max(99), z.array(z.string().min(1).max(99)).min(1).max(10_000)]),
    locale: languageCode.optional(),
  }),
});
export type TxnStatusMessage = z.infer<typeof txnStatusMessageSchema>;

/** Extension (G2P Bridge cancel_disbursement): cancel a whole envelope or some of its items. */
export const cancelMessageSchema = z.object({
  transaction_id: id(99),
  cancel_request: z.object({ reference_id_list: z.array(z.string().min(1).max(99)).min(1).max(10_000).optional() }).optional(),
});
export type CancelMessage = z.infer<typeof cancelMessageSchema>;

/* ---------------------------------------------------------------- per-item checks */

/** The spec's Amount pattern: up to 13 digits, a point and one or two decimals ("125.50"); above zero. */
export const G2P_AMOUNT_PATTERN = /^\d{1,13}\.\d{1,2}$/;
/** The spec's CurrencyCode pattern; the code must also be an ISO 4217 currency. */
const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export type CheckedItem = {
  referenceId: string;
  payee: PayeeAddress;
  amountStroops: bigint;
  currencyCode: string | null;
  scheduledAt: Date | null;
  /** `meta.region` (docs/rails.md "Destinations"): stored as the receiver's `region` attribute for routing rules. */
  region: string | null;
  /** `payee_name`: a bank payee's account holder. */
  payeeName: string | null;
};
/** One item at fault; mostly an item reason, or an envelope-level refusal that applies to that item. */
export type ItemProblem = { referenceId: string; index: number; code: G2pItemReason | G2pErrorCode; message: string };

/** Check one item's values; the first problem wins (one reason code per item). */
export function checkDisburseItem(item: DisburseItem, index: number): { ok: true; item: CheckedItem } | { ok: false; problem: ItemProblem } {
  const referenceId = item.reference_id.trim();
  const fail = (code: G2pItemReason, message: string) => ({ ok: false as const, problem: { referenceId, index, code, message } });
  if (referenceId === "") return fail(G2P_ITEM_REASONS.referenceIdInvalid, "reference_id must not be empty");
  const payee = parsePayeeFa(item.payee_fa);
  if (!payee.ok) return fail(G2P_ITEM_REASONS.payeeFaInvalid, payee.message);
  if (item.payer_fa !== undefined && item.payer_fa.trim() === "") return fail(G2P_ITEM_REASONS.payerFaInvalid, "payer_fa must not be empty when given");
  if (!G2P_AMOUNT_PATTERN.test(item.amount)) {
    return fail(G2P_ITEM_REASONS.amountInvalid, `amount "${item.amount}" must be a decimal string with up to 13 digits, a point and one or two decimals, e.g. "125.50"`);
  }
  const amount = parseAmount(item.amount);
  if (!amount.ok) return fail(G2P_ITEM_REASONS.amountInvalid, `amount "${item.amount}": ${amount.message}`);
  const currencyCode = item.currency_code?.trim() || null;
  if (currencyCode !== null && !(CURRENCY_PATTERN.test(currencyCode) && isIsoCurrencyCode(currencyCode))) {
    return fail(G2P_ITEM_REASONS.currencyCodeInvalid, `currency_code "${currencyCode}" must be an ISO 4217 currency code of three upper-case letters, such as USD`);
  }
  let scheduledAt: Date | null = null;
  if (item.scheduled_timestamp !== undefined && item.scheduled_timestamp !== "") {
    if (!isRfc3339(item.scheduled_timestamp)) {
      return fail(G2P_ITEM_REASONS.scheduleTsInvalid, `scheduled_timestamp "${item.scheduled_timestamp}" must be an RFC 3339 date-time with a time zone`);
    }
    scheduledAt = parseRfc3339(item.scheduled_timestamp);
  }
  const meta = item.meta ?? {};
  const regionKey = Object.keys(meta).find((k) => k.toLowerCase() === "region");
  const region = checkRegion(regionKey === undefined ? null : meta[regionKey], "meta.region");
  if (!region.ok) return fail(G2P_ITEM_REASONS.payeeFaInvalid, region.message);
  let payeeName: string | null = null;
  if (payee.payee.kind === "bank") {
    // A bank transfer names its beneficiary (pain.001 Cdtr/Nm).
    const name = checkHolderName(item.payee_name ?? "", "payee_name");
    if (!name.ok) return fail(G2P_ITEM_REASONS.payeeFaInvalid, `${name.message}: a bank account payee needs the account holder's name`);
    payeeName = name.value;
  }
  return { ok: true, item: { referenceId, payee: payee.payee, amountStroops: amount.stroops, currencyCode, scheduledAt, region: region.value, payeeName } };
}

/** A zod error as `path: message` lines, for `err.request.bad` answers. */
export function describeZodError(error: z.ZodError, prefix = ""): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join(".")}: ${i.message}`)
    .join("; ");
}
