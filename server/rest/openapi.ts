import { z } from "zod";
import { API_SCOPES, type ApiScope } from "@/server/domain/api-scopes";
import { ERROR_REASON_NAMES, type ErrorReason } from "@/server/domain/error-codes";
import { DISBURSEMENT_STATUSES, PAYMENT_STATUSES, RECEIVER_WALLET_STATUSES, REGISTRATION_CONTACT_TYPES, VERIFICATION_FIELDS } from "@/server/domain/disbursement-types";
import { changeDisbursementStatusInput, createDisbursementInput, instructionsFileQuery, listDisbursementsInput } from "@/server/schemas/disbursements.schema";
import { cursorPageInput } from "@/server/schemas/pagination.schema";
import { bankFileQuery, listBankFilesInput } from "@/server/schemas/bank-files.schema";
import { BANK_FILE_FORMATS, BANK_FILE_SOURCES, RAIL_TYPES, RECONCILIATION_OUTCOMES } from "@/server/domain/rails";
import { listPaymentsInput, retryPaymentsInput } from "@/server/schemas/payments.schema";
import { createReceiverInput, listReceiversInput, updateReceiverFields } from "@/server/schemas/receivers.schema";
import { createAssetInput, createWalletInput, updateWalletInput } from "@/server/schemas/catalog.schema";
import { createConnectionInput, updateConnectionInput } from "@/server/schemas/connections.schema";
import { createRoutingRuleInput, reorderRoutingRulesInput, updateRoutingRuleFields } from "@/server/schemas/routing.schema";
import { DESTINATION_KINDS } from "@/server/domain/rails";

/**
 * The REST API (`/api/v1`): one list of routes, read by the route handlers (server/rest/handler.ts,
 * for the scope each route needs) and by the OpenAPI 3.1 document served at /api/v1/openapi.json.
 * Request schemas are the shared input schemas the services parse (server/schemas/); response schemas below describe the services'
 * views (tests parse real answers with them).
 */

// ---------------------------------------------------------------------------------------------
// Request schemas owned by the adapter (bodies whose REST shape differs from the service input).

/** `PATCH /disbursements/{id}/status`: the id comes from the path. */
export const disbursementStatusBody = changeDisbursementStatusInput.omit({ id: true });
/** `PATCH /payments/{id}/status`: only cancellation is a manual payment transition. */
export const paymentStatusBody = z.object({ status: z.literal("CANCELED", { error: "status must be CANCELED" }) });
/** `POST /disbursements/{id}/instructions`: multipart/form-data. */
export const instructionsUploadBody = z.object({ file: z.file().describe("The instructions CSV (columns: docs/domain.md#csv-instructions).") });
/** `PATCH /routing-rules/{id}`: the id comes from the path. */
export const routingRuleUpdateBody = updateRoutingRuleFields.omit({ id: true });
/** `PATCH /connections/{id}`: the id comes from the path; credentials and enabled may ride along. */
export const connectionUpdateBody = updateConnectionInput.omit({ id: true }).extend({
  credentials: z.record(z.string(), z.string()).optional().describe("Replaces the stored credentials (BANK: `{ apiKey }`); never returned."),
  enabled: z.boolean().optional(),
});
/** `GET /wallets` query. */
export const listWalletsQuery = z.object({
  enabled: z
    .enum(["true", "false"], { error: "enabled must be true or false" })
    .optional()
    .transform((v) => (v === undefined ? undefined : v === "true")),
  include_deleted: z
    .enum(["true", "false"], { error: "include_deleted must be true or false" })
    .optional()
    .transform((v) => v === "true")
    .describe("SDP's filter: also list soft-deleted wallets (their `deleted_at` is set)."),
});

// ---------------------------------------------------------------------------------------------
// Response schemas (documentation of the services' views).

/** Named schemas, referenced from components.schemas (a local registry: no global ids to clash). */
const docs = z.registry<{ id: string }>();

const uuid = z.uuid();
const timestamp = z.iso.datetime({ offset: true });
const decimal = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/)
  .describe("Exact decimal amount as a string (7 decimals).");

const StatusHistoryEntry = z.object({ user_id: uuid.nullable(), status: z.string(), timestamp });
const PaymentStatusHistoryEntry = z.object({ status: z.enum(PAYMENT_STATUSES), status_message: z.string().describe('"" when there is none (as SDP).'), timestamp });

export const WalletSchema = z
  .object({
    id: uuid,
    name: z.string(),
    homepage: z.string().optional().describe("Omitted when empty (as SDP)."),
    deep_link_schema: z.string().optional().describe("Omitted when empty (as SDP)."),
    sep_10_client_domain: z.string().optional().describe("Omitted when empty (as SDP)."),
    enabled: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    assets: z
      .array(z.object({ id: uuid, code: z.string(), issuer: z.string(), deleted_at: timestamp.nullable() }))
      .describe("The wallet's live assets: a soft-deleted asset is no longer offered through it (SDP lists it with `deleted_at` set)."),
    deleted_at: timestamp.nullable().describe("Ours (SDP keeps it to itself): when the wallet was soft-deleted; null while live."),
  })
  .register(docs, { id: "Wallet" });

export const AssetSchema = z
  .object({
    id: uuid,
    kind: z.enum(["STELLAR", "FIAT"]).describe("STELLAR: a Stellar asset; FIAT: an ISO 4217 currency paid through a bank or switch."),
    code: z.string(),
    issuer: z.string().describe("Empty for the native asset (XLM) and for fiat currencies."),
    decimals: z.number().int().describe("Decimal places amounts in this asset may have: 7 for Stellar assets, the ISO 4217 minor units for currencies."),
    enabled: z.boolean(),
    created_at: timestamp,
    updated_at: timestamp,
    deleted_at: timestamp
      .nullable()
      .describe("SDP's soft delete (DELETE /assets/{id}); null for a live asset. Disbursements and payments made in a deleted asset show it with this set."),
  })
  .register(docs, { id: "Asset" });

/** SDP's `Asset` nested in other objects: `deleted_at` as SDP sends it. */
const AssetRef = z.object({ id: uuid, code: z.string(), issuer: z.string(), deleted_at: timestamp.nullable() });

/** SDP's `Wallet` nested in a receiver wallet (keys SDP omits when empty are optional). */
const WalletRef = z
  .object({
    id: uuid,
    name: z.string(),
    homepage: z.string().optional(),
    sep_10_client_domain: z.string().optional(),
    deep_link_schema: z.string().optional(),
    enabled: z.boolean(),
    created_at: timestamp.optional(),
    updated_at: timestamp.optional(),
  })
  .nullable()
  .describe("The wallet provider; null for a bank account (no wallet provider).");

/** Where payments to a receiver wallet go (docs/rails.md "Destinations"); `stellar_address`/`stellar_memo` stay beside it for SDP clients. */
export const DestinationSchema = z
  .object({
    kind: z.enum(DESTINATION_KINDS),
    value: z.string().describe("Canonical: G… address, IBAN without spaces, account number, E.164 phone, lower-case e-mail."),
    memo: z.string().nullable(),
    bank_code: z.string().nullable(),
    bic: z.string().nullable(),
    branch: z.string().nullable(),
    holder_name: z.string().nullable(),
  })
  .nullable()
  .describe("Null until a destination is known (an invited receiver who has not registered).")
  .register(docs, { id: "Destination" });

export const DisbursementSchema = z
  .object({
    id: uuid,
    name: z.string(),
    receiver_registration_message_template: z.string().describe('"" when the organization\'s default message is used (SDP sends "", never null).'),
    registration_contact_type: z.enum(REGISTRATION_CONTACT_TYPES),
    verification_field: z.enum(VERIFICATION_FIELDS).optional().describe("Omitted when receivers verify nothing (wallet-address and direct types), as SDP does."),
    status: z.enum(DISBURSEMENT_STATUSES),
    status_history: z.array(StatusHistoryEntry),
    file_name: z.string().optional().describe("Omitted until instructions are uploaded."),
    created_at: timestamp,
    updated_at: timestamp,
    created_by: uuid.nullable(),
    wallet: z
      .object({
        id: uuid,
        name: z.string(),
        homepage: z.string().optional(),
        sep_10_client_domain: z.string().optional(),
        deep_link_schema: z.string().optional().describe("Omitted when empty (as SDP), like the other optional wallet strings."),
        enabled: z.boolean(),
        created_at: timestamp,
        updated_at: timestamp,
      })
      .optional()
      .describe("The wallet provider; omitted for a BANK_ACCOUNT or DIRECT_PHONE disbursement (paid without one), as SDP omits it."),
    asset: z.object({ id: uuid, code: z.string(), issuer: z.string(), created_at: timestamp, updated_at: timestamp, deleted_at: timestamp.nullable() }),
    total_payments: z.int(),
    total_payments_sent: z.int(),
    total_payments_failed: z.int(),
    total_payments_canceled: z.int(),
    total_payments_remaining: z.int(),
    amount_disbursed: decimal,
    total_amount: decimal,
    average_amount: decimal,
    envelope: z
      .object({
        declared_count: z.int().nullable(),
        declared_total: decimal.nullable(),
        scheduled_at: timestamp.nullable(),
        received_count: z.int().describe("Every payment received, cancelled ones included."),
        received_total: decimal,
        cancelled_count: z.int(),
        cancellation_status: z.enum(["NOT_CANCELLED", "CANCELLED"]),
        cancellation_time_stamp: timestamp.nullable(),
        auto_start: z.boolean().describe("Started by the scheduler once complete and due (G2P envelopes)."),
        start_blocked_reason: z.string().nullable().describe("Why it cannot start yet: incomplete or not yet due."),
      })
      .describe("Envelope rules (G2P Bridge): declared against received, schedule date, cancellation."),
    g2p: z
      .object({ sender_id: z.string(), sender_name: z.string(), transaction_id: z.string() })
      .nullable()
      .describe("The G2P Connect sender and transaction that made it, if any."),
  })
  .register(docs, { id: "Disbursement" });

const ReceiverRef = z.object({ id: uuid, external_id: z.string(), phone_number: z.string().optional(), email: z.string().optional() });

export const PaymentSchema = z
  .object({
    id: uuid,
    amount: decimal,
    status: z.enum(PAYMENT_STATUSES),
    status_message: z.string().nullable(),
    status_history: z.array(PaymentStatusHistoryEntry),
    stellar_transaction_id: z.string().describe('"" until submitted (as SDP).'),
    stellar_operation_id: z.string().describe('"" until paid (as SDP).'),
    sender_address: z.string().optional().describe("Omitted until paid (as SDP)."),
    external_payment_id: z.string().optional().describe("The file's paymentID; omitted when none (as SDP)."),
    type: z.enum(["DISBURSEMENT", "DIRECT"]).describe("SDP's payment type: always DISBURSEMENT here (every payment belongs to a disbursement)."),
    line_number: z.int().nullable(),
    created_at: timestamp,
    updated_at: timestamp,
    disbursement: z.object({
      id: uuid,
      name: z.string(),
      status: z.enum(DISBURSEMENT_STATUSES),
      scheduled_at: timestamp.nullable(),
      receiver_registration_message_template: z.string().describe('"" when the default message is used.'),
      created_at: timestamp,
      updated_at: timestamp,
    }),
    asset: AssetRef.extend({ created_at: timestamp, updated_at: timestamp }),
    shipment_to_bank_status: z.enum(["PENDING", "PROCESSED"]).describe("PROCESSED once submitted to the network."),
    shipment_to_bank_time_stamp: timestamp.nullable(),
    reply_status_from_bank: z.enum(["SUCCESS", "FAILURE"]).nullable(),
    reply_from_bank_time_stamp: timestamp.nullable(),
    failure_error_code: z.string().nullable(),
    failure_error_message: z.string().nullable(),
    cancellation_status: z.enum(["NOT_CANCELLED", "CANCELLED"]),
    cancellation_time_stamp: timestamp.nullable(),
    reference_id: z.string().nullable().describe("The G2P Connect item's reference_id, when a G2P sender made this payment."),
    bank_reply: z
      .object({
        status: z.string().describe("The bank's status code: ACSP, RJCT (pain.002), BOOK (statement)."),
        reason_code: z.string().nullable(),
        bank_reference: z.string().nullable(),
        booking_date: z.string().nullable(),
        bank_file_id: uuid.nullable(),
        at: timestamp.nullable(),
      })
      .nullable()
      .optional()
      .describe("What the bank last reported (bank payments; set by reconciliation of pain.002 and statements)."),
    receiver_wallet: z.object({
      id: uuid,
      status: z.enum(RECEIVER_WALLET_STATUSES),
      stellar_address: z.string().optional().describe("Omitted until known (as SDP)."),
      stellar_memo: z.string().optional(),
      destination: DestinationSchema,
      wallet: WalletRef,
      receiver: ReceiverRef,
      status_history: z.array(z.object({ status: z.enum(RECEIVER_WALLET_STATUSES), timestamp })),
      created_at: timestamp,
      updated_at: timestamp,
      invitation_sent_at: timestamp.nullable(),
    }),
  })
  .register(docs, { id: "Payment" });

/** As SDP: counts as decimal strings. */
const count = z.string().regex(/^\d+$/);
const receiverCounts = {
  total_payments: count,
  successful_payments: count,
  failed_payments: count,
  remaining_payments: count,
  registered_wallets: count,
};

/** SDP's `ReceiverWallet` (GET /receivers, GET /receivers/{id}). */
const ReceiverWalletSchema = z
  .object({
    id: uuid,
    receiver: z.object({ id: uuid }),
    wallet: WalletRef,
    status: z.enum(RECEIVER_WALLET_STATUSES),
    stellar_address: z.string().optional(),
    stellar_memo: z.string().optional(),
    destination: DestinationSchema,
    status_history: z.array(z.object({ status: z.enum(RECEIVER_WALLET_STATUSES), timestamp })),
    created_at: timestamp,
    updated_at: timestamp,
    invitation_sent_at: timestamp.nullable(),
  })
  .register(docs, { id: "ReceiverWallet" });

export const ReceiverSchema = z
  .object({
    id: uuid,
    external_id: z.string(),
    phone_number: z.string().optional().describe("Omitted when none (as SDP)."),
    email: z.string().optional().describe("Omitted when none (as SDP)."),
    created_at: timestamp,
    updated_at: timestamp,
    ...receiverCounts,
    wallets: z.array(ReceiverWalletSchema),
    wallets_count: z.int().optional().describe("GET /receivers: how many wallets (our key; `wallets` is SDP's array)."),
  })
  .register(docs, { id: "Receiver" });

export const ReceiverDetailSchema = z
  .object({
    ...ReceiverSchema.shape,
    registration_locked: z.boolean().meta({ description: "A wallet's one-time code lock or a verification-value lock is on; staff unlock it." }),
    wallets: z.array(
      ReceiverWalletSchema.extend({
        invitations_sent: z.int().meta({ description: "Invitations sent for this wallet (first + resends)." }),
        last_invitation_at: timestamp.nullable(),
        otp_locked: z.boolean().meta({ description: "Registration locked after the daily one-time code caps; staff unlock it." }),
        otp_locked_at: timestamp.nullable(),
        created_at: timestamp,
        updated_at: timestamp,
      }),
    ),
    verifications: z.array(
      z.object({
        receiver_id: uuid,
        verification_field: z.enum(VERIFICATION_FIELDS),
        hashed_value: z.literal("").describe("SDP's key; always empty: the hash of a verification value is never handed out."),
        confirmed: z.boolean(),
        confirmed_at: timestamp.nullable(),
        confirmed_by_type: z.null(),
        confirmed_by_id: z.null(),
        verification_channel: z.null(),
        failed_at: timestamp.nullable(),
        attempts: z.int(),
        locked: z.boolean(),
        created_at: timestamp,
        updated_at: timestamp,
      }),
    ),
    messages: z
      .array(
        z.object({
          id: uuid,
          type: z.enum(["RECEIVER_INVITATION", "RECEIVER_OTP"]),
          channel: z.enum(["EMAIL", "SMS"]),
          destination: z.string(),
          status: z.enum(["PENDING", "SUCCESS", "FAILURE"]),
          attempts: z.int(),
          last_error: z.string().nullable(),
          receiver_wallet_id: uuid.nullable(),
          created_at: timestamp,
        }),
      )
      .meta({ description: "Messages sent to the receiver, newest first (at most 100; never their text)." }),
  })
  .register(docs, { id: "ReceiverDetail" });

export const DisbursementReceiverSchema = z
  .object({
    id: uuid,
    external_id: z.string(),
    phone_number: z.string().describe('"" when none (SDP always sends it).'),
    email: z.string().optional(),
    created_at: timestamp,
    updated_at: timestamp,
    receiver_wallet: z.object({
      id: uuid,
      receiver: z.object({ id: uuid }),
      wallet: z.object({ id: uuid, name: z.string(), enabled: z.boolean() }).nullable().describe("Null for a bank account."),
      status: z.enum(RECEIVER_WALLET_STATUSES),
      stellar_address: z.string().optional(),
      stellar_memo: z.string().optional(),
      destination: DestinationSchema,
      created_at: timestamp,
      updated_at: timestamp,
      invitation_sent_at: timestamp.nullable(),
    }),
    payment: z.object({
      id: uuid,
      amount: decimal,
      status: z.enum(PAYMENT_STATUSES),
      type: z.enum(["DISBURSEMENT", "DIRECT"]),
      external_payment_id: z.string().optional(),
      line_number: z.int().nullable(),
      stellar_transaction_id: z.string(),
      stellar_operation_id: z.string(),
      asset: AssetRef,
      created_at: timestamp,
      updated_at: timestamp,
    }),
  })
  .register(docs, { id: "DisbursementReceiver" });

/** `POST /statements`: multipart/form-data, as the OpenG2P example bank posts its statement. */
export const statementUploadBody = z.object({
  statement_file: z.file().describe("The bank file: pain.002 status report, camt.053 statement, camt.054 notification or MT940 statement (format detected)."),
  connection_id: z
    .uuid()
    .optional()
    .describe("The bank connection the file belongs to: only its payments can match. Given by a bank pushing its statement (source BANK_PUSH)."),
});

export const BankFileSchema = z
  .object({
    id: uuid,
    format: z.enum(BANK_FILE_FORMATS),
    source: z.enum(BANK_FILE_SOURCES),
    file_name: z.string(),
    sha256: z.string(),
    size_bytes: z.int(),
    message_id: z.string().nullable(),
    statement_id: z.string().nullable(),
    account: z.string().nullable(),
    connection: z.object({ id: uuid, name: z.string() }).nullable(),
    entry_count: z.int(),
    matched_count: z.int().describe("Entries MATCHED or ALREADY_APPLIED."),
    exception_count: z.int().describe("Entries UNMATCHED, DUPLICATE, AMOUNT_MISMATCH or INVALID_STATE: listed for staff."),
    imported_by: z.object({ id: uuid, name: z.string() }).nullable(),
    imported_at: timestamp,
  })
  .register(docs, { id: "BankFile" });

export const BankFileEntrySchema = z
  .object({
    id: uuid,
    entry_index: z.int(),
    end_to_end_id: z.string().nullable(),
    bank_reference: z.string().nullable(),
    amount: decimal.nullable(),
    currency: z.string().nullable(),
    direction: z.string(),
    reversal: z.boolean(),
    entry_status: z.string().describe("The file's own status code: BOOK, PDNG, RJCT, ACSP, …"),
    reason_code: z.string().nullable(),
    reason_text: z.string().nullable(),
    booking_date: z.string().nullable(),
    narrative: z.string().nullable(),
    outcome: z.enum(RECONCILIATION_OUTCOMES),
    outcome_message: z.string().nullable(),
    payment_id: uuid.nullable(),
    bank_file: z.object({ id: uuid, file_name: z.string(), format: z.enum(BANK_FILE_FORMATS) }),
    created_at: timestamp,
  })
  .register(docs, { id: "BankFileEntry" });

export const StatementImportSchema = z
  .object({
    message: z.string(),
    already_imported: z.boolean().describe("The same file (SHA-256) was imported before: nothing changed, `file` is the earlier import."),
    file: BankFileSchema,
    outcomes: z.record(z.enum(RECONCILIATION_OUTCOMES), z.int()),
  })
  .register(docs, { id: "StatementImport" });

export const PaginationSchema = z
  .object({
    next: z
      .string()
      .optional()
      .describe("The URL (path and query) of the next page, as SDP sends it; omitted on the last page. Keyset lists carry their cursor in it: follow it as is."),
    prev: z.string().optional().describe("The URL of the previous page; omitted on the first page."),
    pages: z.int(),
    total: z.int(),
  })
  .strict()
  .register(docs, { id: "Pagination" });

export const paginated = <T extends z.ZodType>(item: T) => z.object({ pagination: PaginationSchema, data: z.array(item) });

/** Lists paged by keyset (docs/performance.md, "Lists"): SDP's block; `next`/`prev` carry the opaque `cursor`. */
export const KeysetPaginationSchema = PaginationSchema;

export const keysetPaginated = <T extends z.ZodType>(item: T) => z.object({ pagination: KeysetPaginationSchema, data: z.array(item) });

const KEYSET_LIST =
  "Pages by keyset: follow `pagination.next` (or `prev`), a URL carrying an opaque `cursor`, to read the next (previous) page — every row exactly once even while payments change; with `cursor`, `page` is ignored and the cursor must come from the same sort and filters (else 400). `page`/`page_limit` also work, as fast at page 500 as at page 1. `pagination.total` is exact (maintained counters).";
const PREFIX_SEARCH =
  " `q` searches by prefix: the start of a phone number from its country code (spaces and dashes ignored), an email, a receiver's external id or a payment's paymentID (case-insensitive), or a payment id (at least 4 hex digits); exact matches come first, then the sort; at most 1,000 results, and `total` is their number.";

export const ErrorSchema = z
  .object({
    error: z.string(),
    extras: z
      .record(z.string(), z.union([z.string(), z.number()]))
      .optional()
      .describe('Per-field messages (`"line N - field"` for CSV rows), or `status` and `message`.'),
    reason: z
      .enum(ERROR_REASON_NAMES as [ErrorReason, ...ErrorReason[]])
      .optional()
      .describe("The stable domain reason (docs/errors.md), such as INSUFFICIENT_BALANCE or APPROVAL_REQUIRED; branch on this, not on the message."),
  })
  .register(docs, { id: "Error" });

export const ConnectionSchema = z
  .object({
    id: uuid,
    rail_type: z.enum(RAIL_TYPES),
    name: z.string(),
    enabled: z.boolean(),
    settings: z
      .record(z.string(), z.unknown())
      .describe(
        "Per rail: STELLAR `{ horizonUrl? }`; BANK `{ baseUrl, debtorIban? | debtorAccountNumber + debtorBankCode/debtorBic, debtorName, shipmentMode, statementCallback }`; MOJALOOP `{ baseUrl, fspId, callbackAllowlist, requestTimeoutSeconds, callbackTimeoutSeconds, testParty? }`.",
      ),
    credentials: z.object({ set: z.boolean(), updated_at: timestamp.nullable() }).describe("Whether credentials are stored and since when; they are never returned."),
    currency_mapping: z.array(
      z.object({ asset_id: uuid, asset_code: z.string().nullable(), asset_kind: z.enum(["STELLAR", "FIAT"]).nullable(), rail_currency: z.string() }),
    ),
    field_mapping: z.record(z.string(), z.string()),
    health: z.object({ status: z.enum(["UNKNOWN", "HEALTHY", "UNHEALTHY"]), message: z.string().nullable(), checked_at: timestamp.nullable() }),
    usage: z.object({ routing_rules: z.int().describe("Rules targeting it or falling back to it."), has_payments: z.boolean() }),
    callback_url: z.string().nullable().describe("MOJALOOP: the URL the switch sends this connection's FSPIOP callbacks to; null for other rails."),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .register(docs, { id: "Connection" });

export const ConnectionTestSchema = z
  .object({
    healthy: z.boolean(),
    status: z.enum(["HEALTHY", "UNHEALTHY", "UNKNOWN"]).describe("UNKNOWN: the rail cannot check yet (a Mojaloop connection until its client is wired)."),
    message: z.string(),
    checked_at: timestamp,
    connection: ConnectionSchema,
  })
  .register(docs, { id: "ConnectionTest" });

const RoutingConnectionSchema = z.object({
  id: uuid,
  name: z.string(),
  rail_type: z.enum(RAIL_TYPES),
  enabled: z.boolean(),
  health_status: z.enum(["UNKNOWN", "HEALTHY", "UNHEALTHY"]),
});

export const RoutingRuleSchema = z
  .object({
    id: uuid,
    position: z.number().int().describe("1 is evaluated first."),
    name: z.string(),
    enabled: z.boolean(),
    conditions: z.object({
      min_amount: decimal.nullable(),
      max_amount: decimal.nullable(),
      asset_ids: z.array(uuid),
      destination_kinds: z.array(z.enum(DESTINATION_KINDS)),
      attribute: z.object({ name: z.string(), values: z.array(z.string()) }).nullable(),
    }),
    connection: RoutingConnectionSchema,
    fallback_connection: RoutingConnectionSchema.nullable().describe("Used when the target connection is disabled or unhealthy."),
    description: z.string().describe("The rule in words."),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .register(docs, { id: "RoutingRule" });

export const RoutingPreviewSchema = z
  .object({
    disbursement_id: uuid,
    asset: z.object({ id: uuid, code: z.string() }),
    payments: z.number().int(),
    amount: decimal,
    connections: z.array(
      z.object({
        connection_id: uuid,
        name: z.string(),
        rail_type: z.enum(RAIL_TYPES),
        dispatched: z.boolean().describe("false: the platform cannot pay through this rail yet; start is refused (RAIL_NOT_DISPATCHED)."),
        payments: z.number().int(),
        amount: decimal,
        rules: z.array(z.object({ rule_id: uuid, name: z.string(), via_fallback: z.boolean(), payments: z.number().int(), amount: decimal })),
      }),
    ),
    unrouted: z.object({
      payments: z.number().int(),
      amount: decimal,
      listed: z
        .array(
          z.object({
            payment_id: uuid,
            line_number: z.number().int().nullable(),
            receiver_id: uuid,
            receiver_external_id: z.string(),
            amount: decimal,
            destination_kind: z.enum(DESTINATION_KINDS),
            reason: z.string(),
          }),
        )
        .describe("The first 50 in file order."),
    }),
  })
  .register(docs, { id: "RoutingPreview" });

const message = (extra: Record<string, z.ZodType> = {}) => z.object({ message: z.string(), ...extra });

// ---------------------------------------------------------------------------------------------
// The routes.

export type HttpMethod = "GET" | "POST" | "PATCH" | "DELETE";

export type RestRouteMeta = {
  method: HttpMethod;
  /** OpenAPI path under /api/v1, `{id}` for the one path parameter. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: "Disbursements" | "Payments" | "Receivers" | "Wallets and assets" | "Routing" | "Connections" | "Bank files";
  /** The scope a key needs for this route (`write:x` and `<level>:all` also cover it). */
  scope: ApiScope;
  query?: z.ZodObject;
  body?: { type: "json" | "multipart"; schema: z.ZodType };
  success: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  errors: number[];
};

export const REST_ROUTES = [
  {
    method: "POST",
    path: "/disbursements",
    operationId: "createDisbursement",
    summary: "Create a disbursement (DRAFT)",
    description: "Creates a disbursement in DRAFT. It is not paid until instructions are uploaded (READY) and it is started.",
    tag: "Disbursements",
    scope: "write:disbursements",
    body: { type: "json", schema: createDisbursementInput },
    success: { status: 201, description: "The new disbursement.", schema: DisbursementSchema },
    errors: [400, 401, 403, 409],
  },
  {
    method: "GET",
    path: "/disbursements",
    operationId: "listDisbursements",
    summary: "List disbursements",
    tag: "Disbursements",
    scope: "read:disbursements",
    description: `Sorts: created_at (default), name, status (then created_at); ties broken by id. \`q\` matches any part of the name. ${KEYSET_LIST.replace(" (maintained counters)", "")}`,
    query: listDisbursementsInput,
    success: { status: 200, description: "A page of disbursements.", schema: keysetPaginated(DisbursementSchema) },
    errors: [400, 401, 403],
  },
  {
    method: "GET",
    path: "/disbursements/{id}",
    operationId: "getDisbursement",
    summary: "Get a disbursement with its totals",
    tag: "Disbursements",
    scope: "read:disbursements",
    success: { status: 200, description: "The disbursement.", schema: DisbursementSchema },
    errors: [401, 403, 404],
  },
  {
    method: "DELETE",
    path: "/disbursements/{id}",
    operationId: "deleteDisbursement",
    summary: "Delete a DRAFT or READY disbursement",
    tag: "Disbursements",
    scope: "write:disbursements",
    success: { status: 204, description: "Deleted, with its draft payments and stored file." },
    errors: [400, 401, 403, 404],
  },
  {
    method: "POST",
    path: "/disbursements/{id}/instructions",
    operationId: "uploadDisbursementInstructions",
    summary: "Upload the instructions CSV",
    description:
      "All or nothing: any bad row stores nothing and the 400 answer lists every error as `line N - field`. Re-uploading while DRAFT or READY replaces the instructions; success moves DRAFT to READY.",
    tag: "Disbursements",
    scope: "write:disbursements",
    body: { type: "multipart", schema: instructionsUploadBody },
    success: { status: 200, description: "Instructions stored.", schema: message({ disbursement: DisbursementSchema }) },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: "GET",
    path: "/disbursements/{id}/instructions",
    operationId: "downloadDisbursementInstructions",
    summary: "Download the stored instructions file",
    description:
      "By default every cell a spreadsheet could run as a formula (starting with =, +, -, @, tab, CR or LF) gets a ' prefix; a file with none comes back byte for byte. `original=true` returns the bytes as uploaded. Both need a role with the export permission (not business). Headers `X-CSV-Variant` (neutralized or original) and `X-CSV-Neutralized-Cells` say what was served.",
    tag: "Disbursements",
    scope: "read:disbursements",
    query: instructionsFileQuery,
    success: { status: 200, description: "The file (neutralized by default, or as uploaded).", contentType: "text/csv" },
    errors: [401, 403, 404],
  },
  {
    method: "PATCH",
    path: "/disbursements/{id}/status",
    operationId: "changeDisbursementStatus",
    summary: "Start, pause or resume a disbursement",
    description:
      "A forbidden transition answers 400 naming the allowed ones; an envelope that has not received what it declares, or whose schedule date has not come, answers 400 saying so; an insufficient balance answers 409 with the shortfall; the two-person rule answers 403.",
    tag: "Disbursements",
    scope: "write:disbursements",
    body: { type: "json", schema: disbursementStatusBody },
    success: { status: 200, description: "The status changed.", schema: message({ disbursement: DisbursementSchema }) },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: "POST",
    path: "/disbursements/{id}/cancel",
    operationId: "cancelDisbursement",
    summary: "Cancel a disbursement (envelope) before it starts",
    description:
      "Only a DRAFT or READY disbursement, and only before its schedule date. Its payments not yet paid become CANCELED with it. Final: a cancelled disbursement never changes again. Otherwise 400 saying why.",
    tag: "Disbursements",
    scope: "write:disbursements",
    success: { status: 200, description: "The disbursement is CANCELED.", schema: message({ disbursement: DisbursementSchema }) },
    errors: [400, 401, 403, 404],
  },
  {
    method: "GET",
    path: "/disbursements/{id}/receivers",
    operationId: "listDisbursementReceivers",
    summary: "List a disbursement's receivers with their payment",
    tag: "Disbursements",
    scope: "read:disbursements",
    description: `In file order (line_number, then id). ${KEYSET_LIST}`,
    query: cursorPageInput,
    success: { status: 200, description: "A page of receivers.", schema: keysetPaginated(DisbursementReceiverSchema) },
    errors: [400, 401, 403, 404],
  },
  {
    method: "GET",
    path: "/payments",
    operationId: "listPayments",
    summary: "List payments",
    tag: "Payments",
    scope: "read:payments",
    description: `Sorts: created_at (default, newest first), updated_at, amount, status (then created_at), line_number (file order; needs disbursement_id); ties broken by id. ${KEYSET_LIST}${PREFIX_SEARCH}`,
    query: listPaymentsInput,
    success: { status: 200, description: "A page of payments.", schema: keysetPaginated(PaymentSchema) },
    errors: [400, 401, 403],
  },
  {
    method: "GET",
    path: "/payments/{id}",
    operationId: "getPayment",
    summary: "Get a payment",
    tag: "Payments",
    scope: "read:payments",
    success: { status: 200, description: "The payment.", schema: PaymentSchema },
    errors: [401, 403, 404],
  },
  {
    method: "PATCH",
    path: "/payments/retry",
    operationId: "retryPayments",
    summary: "Retry FAILED payments",
    description: "All or nothing: every payment must exist in the organization and be FAILED.",
    tag: "Payments",
    scope: "write:payments",
    body: { type: "json", schema: retryPaymentsInput },
    success: { status: 200, description: "The payments are READY again.", schema: message({ payments: z.array(PaymentSchema) }) },
    errors: [400, 401, 403, 404],
  },
  {
    method: "PATCH",
    path: "/payments/{id}/status",
    operationId: "cancelPayment",
    summary: "Cancel a READY payment",
    tag: "Payments",
    scope: "write:payments",
    body: { type: "json", schema: paymentStatusBody },
    success: { status: 200, description: "The payment is CANCELED.", schema: message({ payment: PaymentSchema }) },
    errors: [400, 401, 403, 404],
  },
  {
    method: "GET",
    path: "/receivers",
    operationId: "listReceivers",
    summary: "List receivers",
    tag: "Receivers",
    scope: "read:receivers",
    description: `Sorts: created_at (default), updated_at, external_id; ties broken by id. ${KEYSET_LIST.replace(" (maintained counters)", "")}${PREFIX_SEARCH.replace(", a receiver's external id or a payment's paymentID", " or an external id").replace(", or a payment id (at least 4 hex digits)", "")}`,
    query: listReceiversInput,
    success: { status: 200, description: "A page of receivers.", schema: keysetPaginated(ReceiverSchema) },
    errors: [400, 401, 403],
  },
  {
    method: "POST",
    path: "/receivers",
    operationId: "createReceiver",
    summary: "Add a receiver (SDP's POST /receivers)",
    description:
      "A phone number or an email (E.164; email lower-cased), an `external_id`, and `verifications` (`[{type, value}]`, types as GET /receivers/verification-types, values checked as in an instructions file) and/or one wallet (`wallets: [{address, memo}]`, registered at once, without a wallet provider). Verification values are stored only as keyed hashes. 400 names each field at fault (`verifications[0].value`); 409 when the phone, email, external id or wallet address belongs to another receiver of the organization (`extras` names the field).",
    tag: "Receivers",
    scope: "write:receivers",
    body: { type: "json", schema: createReceiverInput },
    success: { status: 201, description: "The new receiver, as GET /receivers/{id} answers it.", schema: ReceiverDetailSchema },
    errors: [400, 401, 403, 409],
  },
  {
    method: "GET",
    path: "/receivers/verification-types",
    operationId: "listVerificationTypes",
    summary: "List the verification types",
    description: "The values a disbursement's `verification_field` takes (SDP's `GET /receivers/verification-types`).",
    tag: "Receivers",
    scope: "read:receivers",
    success: { status: 200, description: "The verification types.", schema: z.array(z.enum(VERIFICATION_FIELDS)) },
    errors: [401, 403],
  },
  {
    method: "GET",
    path: "/receivers/{id}",
    operationId: "getReceiver",
    summary: "Get a receiver with wallets and verification status",
    tag: "Receivers",
    scope: "read:receivers",
    success: { status: 200, description: "The receiver.", schema: ReceiverDetailSchema },
    errors: [401, 403, 404],
  },
  {
    method: "PATCH",
    path: "/receivers/{id}",
    operationId: "updateReceiver",
    summary: "Change a receiver's contact, external id or verification values (SDP's PATCH /receivers/{id})",
    description:
      "Fields given replace the receiver's; blank or absent ones are left as they are (as SDP). `date_of_birth`, `year_month`, `pin` and `national_id` replace that verification value (stored as a keyed hash; its attempts, lock and confirmation start over). Our extension: `email: null` or `phone_number: null` clears it while the other remains. An empty body is 400 (`extras.body`); 409 names a phone, email or external id another receiver has.",
    tag: "Receivers",
    scope: "write:receivers",
    body: { type: "json", schema: updateReceiverFields },
    success: { status: 200, description: "The receiver, as GET /receivers/{id} answers it.", schema: ReceiverDetailSchema },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: "GET",
    path: "/wallets",
    operationId: "listWallets",
    summary: "List wallet providers",
    tag: "Wallets and assets",
    scope: "read:wallets",
    query: listWalletsQuery,
    success: { status: 200, description: "The organization's wallets.", schema: z.array(WalletSchema) },
    errors: [400, 401, 403],
  },
  {
    method: "POST",
    path: "/wallets",
    operationId: "createWallet",
    summary: "Add a wallet provider",
    description: "SDP's body; the supported assets as `asset_ids` or SDP's `assets_ids`. A duplicate name answers 409.",
    tag: "Wallets and assets",
    scope: "write:wallets",
    body: { type: "json", schema: createWalletInput },
    success: { status: 201, description: "The new wallet.", schema: WalletSchema },
    errors: [400, 401, 403, 409],
  },
  {
    method: "PATCH",
    path: "/wallets/{id}",
    operationId: "updateWallet",
    summary: "Enable or disable a wallet provider, or change its assets",
    tag: "Wallets and assets",
    scope: "write:wallets",
    body: { type: "json", schema: updateWalletInput.omit({ id: true }) },
    success: { status: 200, description: "The wallet.", schema: WalletSchema },
    errors: [400, 401, 403, 404],
  },
  {
    method: "DELETE",
    path: "/wallets/{id}",
    operationId: "deleteWallet",
    summary: "Delete a wallet provider (soft delete, as SDP)",
    description:
      "The wallet leaves lists, new disbursements, registration and G2P sender choices; disbursements and payments already made keep showing it. Refused with 400 naming what uses it while a disbursement that is not finished (DRAFT, READY, STARTED, PAUSED) pays through it, a G2P sender pays into it, or receivers are still registering with it (SDP's refusal). Unknown or already deleted: 404. A deleted wallet is not restored by adding one of the same name (409, as SDP).",
    tag: "Wallets and assets",
    scope: "write:wallets",
    success: { status: 204, description: "Deleted." },
    errors: [400, 401, 403, 404],
  },
  {
    method: "POST",
    path: "/assets",
    operationId: "createAsset",
    summary: "Add an asset",
    description:
      'SDP\'s `{code, issuer}` for a Stellar asset (XLM without issuer); `kind: "FIAT"` with an ISO 4217 code for a currency. An existing asset answers 409; a soft-deleted one is restored (as SDP: same id, enabled again).',
    tag: "Wallets and assets",
    scope: "write:assets",
    body: { type: "json", schema: createAssetInput },
    success: { status: 201, description: "The new asset.", schema: AssetSchema },
    errors: [400, 401, 403, 409],
  },
  {
    method: "GET",
    path: "/assets",
    operationId: "listAssets",
    summary: "List assets",
    tag: "Wallets and assets",
    scope: "read:assets",
    success: { status: 200, description: "The organization's assets.", schema: z.array(AssetSchema) },
    errors: [401, 403],
  },
  {
    method: "DELETE",
    path: "/assets/{id}",
    operationId: "deleteAsset",
    summary: "Delete an asset (soft delete, as SDP)",
    description:
      "Answers the asset with `deleted_at` set; 204 without a body when it was already deleted (as SDP). The asset leaves lists, wallets' supported assets, new disbursements, routing, G2P senders, SEP-24 and stellar.toml; disbursements and payments already made keep showing it. Refused with 400 naming what uses it while a disbursement that is not finished (DRAFT, READY, STARTED, PAUSED) pays in it or a G2P sender defaults to it. Adding the same asset again (POST /assets) restores it with its id.",
    tag: "Wallets and assets",
    scope: "write:assets",
    success: { status: 200, description: "The deleted asset.", schema: AssetSchema },
    errors: [400, 401, 403, 404],
  },
  {
    method: "GET",
    path: "/connections",
    operationId: "listConnections",
    summary: "List payment connections",
    description: "By rail type, then name. Credentials are never returned: `credentials.set` and `credentials.updated_at` say whether and since when they are stored.",
    tag: "Connections",
    scope: "read:connections",
    success: { status: 200, description: "The organization's connections.", schema: z.array(ConnectionSchema) },
    errors: [401, 403],
  },
  {
    method: "POST",
    path: "/connections",
    operationId: "createConnection",
    summary: "Create a payment connection",
    description:
      "Settings are checked for the rail type (a bank's base URL must be https, or http to a host in OUTBOUND_ALLOW_HOSTS); credentials are sealed at rest; each mapped asset must be the organization's and of the rail's kind (FIAT for BANK). A duplicate name answers 409.",
    tag: "Connections",
    scope: "write:connections",
    body: { type: "json", schema: createConnectionInput },
    success: { status: 201, description: "The new connection.", schema: ConnectionSchema },
    errors: [400, 401, 403, 409],
  },
  {
    method: "GET",
    path: "/connections/{id}",
    operationId: "getConnection",
    summary: "Get a payment connection",
    tag: "Connections",
    scope: "read:connections",
    success: { status: 200, description: "The connection.", schema: ConnectionSchema },
    errors: [401, 403, 404],
  },
  {
    method: "PATCH",
    path: "/connections/{id}",
    operationId: "updateConnection",
    summary: "Change, enable or disable a payment connection, or replace its credentials",
    description:
      "What is given replaces what is stored: `name`, `settings` (whole, for the connection's rail type), `currency_mapping`, `field_mapping`; then `credentials` are replaced and `enabled` applied, in that order. New settings or credentials reset the health to UNKNOWN.",
    tag: "Connections",
    scope: "write:connections",
    body: { type: "json", schema: connectionUpdateBody },
    success: { status: 200, description: "The connection.", schema: ConnectionSchema },
    errors: [400, 401, 403, 404, 409],
  },
  {
    method: "DELETE",
    path: "/connections/{id}",
    operationId: "deleteConnection",
    summary: "Delete a payment connection nothing refers to",
    description: "Refused (409, naming why) while a routing rule targets it or falls back to it, or once payments went through it: disable it instead.",
    tag: "Connections",
    scope: "write:connections",
    success: { status: 204, description: "Deleted." },
    errors: [401, 403, 404, 409],
  },
  {
    method: "POST",
    path: "/connections/{id}/test",
    operationId: "testConnection",
    summary: "Test a payment connection",
    description:
      "Calls the rail's health check with the stored settings and credentials (a bank: `check_funds` of zero on the debtor account; Stellar: Horizon and the distribution account) and stores the answer with an audit row.",
    tag: "Connections",
    scope: "write:connections",
    success: { status: 200, description: "The result in plain words and the connection.", schema: ConnectionTestSchema },
    errors: [401, 403, 404],
  },
  {
    method: "GET",
    path: "/routing-rules",
    operationId: "listRoutingRules",
    summary: "List routing rules in order",
    description:
      "The first enabled rule whose conditions all hold routes a payment to its connection (or its fallback when the connection is disabled or unhealthy); see docs/rails.md.",
    tag: "Routing",
    scope: "read:connections",
    success: { status: 200, description: "The organization's rules, position 1 first.", schema: z.array(RoutingRuleSchema) },
    errors: [401, 403],
  },
  {
    method: "POST",
    path: "/routing-rules",
    operationId: "createRoutingRule",
    summary: "Add a routing rule at the end of the list",
    description: "Amounts are decimal strings (min ≤ max, both inclusive); the connection and fallback must be the organization's and differ.",
    tag: "Routing",
    scope: "write:connections",
    body: { type: "json", schema: createRoutingRuleInput },
    success: { status: 201, description: "The new rule.", schema: RoutingRuleSchema },
    errors: [400, 401, 403],
  },
  {
    method: "POST",
    path: "/routing-rules/reorder",
    operationId: "reorderRoutingRules",
    summary: "Put the routing rules in a new order",
    description: "`ids` lists every rule of the organization exactly once; the first gets position 1.",
    tag: "Routing",
    scope: "write:connections",
    body: { type: "json", schema: reorderRoutingRulesInput },
    success: { status: 200, description: "The rules in their new order.", schema: z.array(RoutingRuleSchema) },
    errors: [400, 401, 403],
  },
  {
    method: "GET",
    path: "/routing-rules/{id}",
    operationId: "getRoutingRule",
    summary: "Get a routing rule",
    tag: "Routing",
    scope: "read:connections",
    success: { status: 200, description: "The rule.", schema: RoutingRuleSchema },
    errors: [401, 403, 404],
  },
  {
    method: "PATCH",
    path: "/routing-rules/{id}",
    operationId: "updateRoutingRule",
    summary: "Change a routing rule (also enable or disable it)",
    description: "Fields given replace the rule's (`conditions` as a whole). Payments already routed keep their connection.",
    tag: "Routing",
    scope: "write:connections",
    body: { type: "json", schema: routingRuleUpdateBody },
    success: { status: 200, description: "The rule.", schema: RoutingRuleSchema },
    errors: [400, 401, 403, 404],
  },
  {
    method: "DELETE",
    path: "/routing-rules/{id}",
    operationId: "deleteRoutingRule",
    summary: "Delete a routing rule",
    tag: "Routing",
    scope: "write:connections",
    success: { status: 204, description: "Deleted; the rules after it move up." },
    errors: [401, 403, 404],
  },
  {
    method: "GET",
    path: "/disbursements/{id}/routing",
    operationId: "previewDisbursementRouting",
    summary: "Where a disbursement's payments would be routed",
    description:
      "Per connection: how many payments and how much (and through which rule, directly or by fallback); the payments no rule routes (their number, and the first 50 with line, receiver and reason). Start is refused while any payment is unrouted (409 UNROUTED_PAYMENTS) or routes to a rail not paid yet (409 RAIL_NOT_DISPATCHED). The key also needs `read:disbursements`.",
    tag: "Routing",
    scope: "read:connections",
    success: { status: 200, description: "The routing of the payments still to be paid.", schema: RoutingPreviewSchema },
    errors: [401, 403, 404],
  },
  {
    method: "POST",
    path: "/statements",
    operationId: "importStatement",
    summary: "Import a bank file (pain.002, camt.053, camt.054, MT940)",
    description:
      "Multipart `statement_file` (as the OpenG2P example bank posts it), optional `connection_id`. The format is detected; a file that cannot be read answers 400 naming the line and field and stores nothing. Every entry is reconciled and stored with its outcome in one transaction: bookings pay PENDING bank payments, rejections and reversals fail them with the reason. The same file again answers 200 with `already_imported: true` and changes nothing. Over BANK_FILE_MAX_BYTES: 413.",
    tag: "Bank files",
    scope: "write:statements",
    body: { type: "multipart", schema: statementUploadBody },
    success: { status: 200, description: "The import (or the earlier one).", schema: StatementImportSchema },
    errors: [400, 401, 403, 404, 413],
  },
  {
    method: "GET",
    path: "/statements",
    operationId: "listStatements",
    summary: "List imported bank files",
    description: `Newest first. ${KEYSET_LIST.replace(" (maintained counters)", "")}`,
    tag: "Bank files",
    scope: "read:statements",
    query: listBankFilesInput,
    success: { status: 200, description: "A page of bank files.", schema: keysetPaginated(BankFileSchema) },
    errors: [400, 401, 403],
  },
  {
    method: "GET",
    path: "/statements/{id}",
    operationId: "getStatement",
    summary: "Get a bank file with a page of its entries",
    description: "Entries in file order; `outcome` filters them (one outcome, or `exceptions` for those staff must check). The content is not returned.",
    tag: "Bank files",
    scope: "read:statements",
    query: bankFileQuery,
    success: {
      status: 200,
      description: "The file, its per-outcome counts and a page of entries.",
      schema: z.object({
        file: BankFileSchema.extend({ outcomes: z.record(z.enum(RECONCILIATION_OUTCOMES), z.int()) }),
        entries: keysetPaginated(BankFileEntrySchema),
      }),
    },
    errors: [400, 401, 403, 404],
  },
] as const satisfies readonly RestRouteMeta[];

export type RestRouteKey = `${(typeof REST_ROUTES)[number]["method"]} ${(typeof REST_ROUTES)[number]["path"]}`;

export function restRouteMeta(key: RestRouteKey): RestRouteMeta {
  const meta = REST_ROUTES.find((r) => `${r.method} ${r.path}` === key);
  if (!meta) throw new Error(`No REST route ${key} in server/rest/openapi.ts`);
  return meta;
}

// ---------------------------------------------------------------------------------------------
// The document.

type JsonSchema = Record<string, unknown>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: "Bad request: validation errors per field (`line N - field` for CSV rows), or `status` and `message`.",
  401: "Not authorized: the API key is missing, malformed, unknown, revoked, expired or used from an address it does not allow.",
  403: "Forbidden: the key's scopes (or a rule such as the two-person rule) do not allow this.",
  404: "Resource not found (also for another organization's ids).",
  409: "Conflict: duplicate name, address conflict or insufficient balance.",
  413: "Payload too large: the uploaded file is over its size limit (the answer names both sizes).",
  422: "Unprocessable.",
};

const ERROR_EXAMPLES: Record<number, unknown> = {
  400: { error: "Bad request", extras: { name: "Enter a name." }, reason: "VALIDATION_FAILED" },
  401: { error: "Not authorized", extras: { status: 401, message: "Not authorized" }, reason: "UNAUTHENTICATED" },
  403: { error: "Forbidden", reason: "FORBIDDEN_SCOPE" },
  404: { error: "Resource not found", extras: { status: 404, message: "The disbursement was not found." }, reason: "NOT_FOUND" },
  409: { error: "disbursement already exists", extras: { name: 'a disbursement named "May payroll" already exists' }, reason: "ALREADY_EXISTS" },
};

/** Rewrite zod's local `#/$defs/X` references to components, and (for responses) drop `additionalProperties: false`. */
function relocate(node: unknown, io: "input" | "output"): unknown {
  if (Array.isArray(node)) return node.map((n) => relocate(n, io));
  if (typeof node !== "object" || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "$ref" && typeof value === "string") out[key] = value.replace(/^#\/\$defs\//, "#/components/schemas/");
    // Views may gain fields; clients should not reject them.
    else if (key === "additionalProperties" && value === false && io === "output") continue;
    else out[key] = relocate(value, io);
  }
  return out;
}

/**
 * A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema object. Schemas registered in
 * `docs` go to components.schemas (collected in `registry`) and are referenced.
 */
function jsonSchema(schema: z.ZodType, io: "input" | "output", registry: Map<string, JsonSchema>): JsonSchema {
  const out = z.toJSONSchema(schema, { target: "draft-2020-12", io, unrepresentable: "any", metadata: docs }) as JsonSchema;
  const { $schema: _schema, $defs, ...rest } = out;
  for (const [id, def] of Object.entries(($defs ?? {}) as Record<string, JsonSchema>)) registry.set(id, relocate(def, io) as JsonSchema);
  return relocate(rest, io) as JsonSchema;
}

function queryParameters(schema: z.ZodObject, registry: Map<string, JsonSchema>) {
  const object = jsonSchema(schema, "input", registry) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(object.properties ?? {}).map(([name, property]) => ({
    name,
    in: "query",
    required: object.required?.includes(name) ?? false,
    ...(name === "status" ? { style: "form", explode: true, description: "One status, several repeated, or a comma-separated list." } : {}),
    schema: property,
  }));
}

/** The OpenAPI 3.1 document of the REST API, built from REST_ROUTES and the zod schemas. */
export function buildOpenApiDocument(options: { serverUrl?: string } = {}) {
  const registry = new Map<string, JsonSchema>();
  jsonSchema(ErrorSchema, "output", registry);
  const paths: Record<string, Record<string, unknown>> = {};

  for (const route of REST_ROUTES as readonly RestRouteMeta[]) {
    const parameters: unknown[] = [];
    if (route.path.includes("{id}")) {
      parameters.push({ name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } });
    }
    if (route.query) parameters.push(...queryParameters(route.query, registry));

    const responses: Record<string, unknown> = {};
    const success = route.success;
    responses[String(success.status)] = success.contentType
      ? { description: success.description, content: { [success.contentType]: { schema: { type: "string" } } } }
      : success.schema
        ? { description: success.description, content: { "application/json": { schema: jsonSchema(success.schema, "output", registry) } } }
        : { description: success.description };
    for (const status of route.errors) {
      responses[String(status)] = {
        description: ERROR_DESCRIPTIONS[status] ?? "Error.",
        content: { "application/json": { schema: { $ref: "#/components/schemas/Error" }, example: ERROR_EXAMPLES[status] } },
      };
    }
    responses["500"] = { description: "Internal error.", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } };

    const operation: Record<string, unknown> = {
      operationId: route.operationId,
      summary: route.summary,
      ...(route.description ? { description: route.description } : {}),
      tags: [route.tag],
      security: [{ bearerAuth: [route.scope] }],
      "x-required-scope": route.scope,
      ...(parameters.length ? { parameters } : {}),
      ...(route.body
        ? {
            requestBody: {
              required: true,
              content: {
                [route.body.type === "json" ? "application/json" : "multipart/form-data"]: {
                  schema: jsonSchema(route.body.schema, "input", registry),
                },
              },
            },
          }
        : {}),
      responses,
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = operation;
  }

  return {
    openapi: "3.1.0",
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    info: {
      title: "Disbursement platform REST API",
      version: "1.0.0",
      description:
        "SDP-compatible REST API for integrations. Authenticate with `Authorization: Bearer sdp_<prefix>_<secret>` (API keys are created on the API keys page or with `npm run cli -- create-api-key`). " +
        `Scopes: ${API_SCOPES.join(", ")}; a write scope implies the read scope of its area. ` +
        "Lists take `page`, `page_limit` (at most 100), `q`, `sort` and `direction` and answer `{pagination: {next, prev, pages, total}, data}` as SDP does (`next`/`prev`: URLs, omitted when there is no such page); the keyset lists put an opaque `cursor` in those URLs (keyset pagination).",
    },
    servers: [{ url: options.serverUrl ?? "/api/v1" }],
    tags: [
      { name: "Disbursements" },
      { name: "Payments" },
      { name: "Receivers" },
      { name: "Wallets and assets" },
      { name: "Routing" },
      { name: "Connections" },
      { name: "Bank files" },
    ],
    security: [{ bearerAuth: [] }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: { type: "http", scheme: "bearer", bearerFormat: "sdp_<prefix>_<secret>", description: "An API key of the organization." },
      },
      schemas: Object.fromEntries([...registry.entries()].sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}
