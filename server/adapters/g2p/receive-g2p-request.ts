import { randomUUID } from "node:crypto";
import { and, eq, sql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { z } from "zod";
import { getDb, type Db, type DbOrTx } from "@/db/client";
import { g2pMessages, g2pSenders, g2pTransactions, type G2pSender } from "@/db/schema";
import { type ApiScope } from "@/server/domain/api-scopes";
import {
  G2P_HEADER_REJECTIONS,
  G2P_TRANSPORT_ERRORS,
  SPEC_DISBURSE_REASON_CODES,
  SPEC_SEARCH_REASON_CODES,
  specReason,
  type G2pItemStatus,
} from "@/server/domain/g2p/codes";
import { isIsoCurrencyCode } from "@/server/domain/g2p/currency";
import {
  G2P_AMOUNT_PATTERN,
  LANGUAGE_CODE_PATTERN,
  cancelMessageSchema,
  describeZodError,
  disburseMessageSchema,
  g2pEnvelopeSchema,
  isSpecSearch,
  parseRfc3339,
  searchMessageSchemaFor,
  txnStatusMessageSchema,
  type CancelMessage,
  type DisburseMessage,
  type G2pHeader,
  type ItemProblem,
  type SearchMessage,
  type TxnStatusMessage,
} from "@/server/domain/g2p/messages";
import { logger } from "@/server/log";
import type { OrgContext } from "@/server/services/context";
import { ServiceError } from "@/server/services/errors";
import { acceptDisburseRequest } from "@/server/services/g2p/accept-disburse-request";
import { cancelG2pItems } from "@/server/services/g2p/cancel-g2p-items";
import { enqueueCallback, type G2pCallbackEndpoint } from "@/server/services/g2p/enqueue-callback";
import { G2pRejection, type G2pCall } from "@/server/services/g2p/g2p-call";
import { G2pRefused, authenticateG2pKey, g2pHttpStatus, requireG2pScope, requireTokenSender } from "@/server/services/g2p/g2p-refusal";
import {
  ackBody,
  callbackHeader,
  completedCount,
  disburseHeaderStatus,
  errorAnswer,
  g2pJsonResponse,
  orgSlug,
  sealedBody,
  wireItem,
} from "@/server/services/g2p/g2p-answers";
import { G2pDecryptionError, checkEncryptedMessage, decryptMessage, parseSenderEncryptionKey } from "@/server/services/g2p/encryption";
import type { ItemStatusRow } from "@/server/services/g2p/item-views";
import { searchG2pItems, txnStatusOfG2pItems, txnTypeAnswered } from "@/server/services/g2p/query-g2p-items";
import { firstInvalidSignature } from "@/server/services/g2p/signature";
import { configFrom, type ConfigSource } from "@/server/config";
import { uuidArray } from "@/server/payments/payment-state-writer";

/**
 * The G2P Connect transport (docs/g2p-connect.md#endpoints) in front of every POST endpoint under
 * /api/g2p: body,
 * envelope, API key and scope, registered sender, receiver_id and sender_uri, encryption, version,
 * Ed25519 signature (body or HTTP header), message_ts window, action, message schema and
 * total_count; then one transaction that records the message as accepted (its message_id can
 * never be accepted again: the partial unique index g2p_messages_accepted_message_key), runs the
 * endpoint's handler and stores the callback.
 *
 * Refusals (docs/g2p-connect.md, "Errors"): transport errors answer ERR with the spec's `err.*`
 * codes (HttpErrorResponse for 401/403/500); business refusals (`rjct.*`, only ever after the
 * signature was verified) answer like an accepted message whose outcome is rjct: ACK and an rjct
 * callback (async), or the rjct answer body (sync). Either way everything the handler wrote is
 * rolled back; the message is logged on its own as refused (NACK/ERR on the Messages list), so it
 * does not reserve its message_id.
 */

/** Largest request body read (a disburse message of 10,000 items fits with room to spare). */
export const MAX_G2P_BODY_BYTES = 20 * 1024 * 1024;

/** How far message_ts may be from our clock (G2P_MESSAGE_TS_WINDOW_SECONDS, default 300). */
export function messageTsWindowSeconds(env?: ConfigSource): number {
  return configFrom(env).G2P_MESSAGE_TS_WINDOW_SECONDS;
}

type Kind = "disburse" | "search" | "txn-status" | "cancel";

type EndpointSpec = {
  path: string;
  kind: Kind;
  /** The endpoint's verb (logged), always accepted in header.action. */
  action: string;
  /**
   * Further header.action values accepted: the enums of the published spec for this path, which a
   * client generated from it sends (docs/g2p-connect.md, "Errata to the published schema").
   */
  alsoAccepts?: readonly string[];
  scope: ApiScope;
  /** Answers the callback body itself instead of ACK + callback. */
  sync: boolean;
  callback?: { endpoint: G2pCallbackEndpoint; action: string };
};

export const G2P_POST_ENDPOINTS = {
  disburse: {
    path: "/disburse",
    kind: "disburse",
    action: "disburse",
    scope: "write:disbursements",
    sync: false,
    callback: { endpoint: "/on-disburse", action: "on-disburse" },
  },
  "sync-disburse": {
    path: "/disburse/sync/disburse",
    kind: "disburse",
    action: "disburse",
    alsoAccepts: ["search"],
    scope: "write:disbursements",
    sync: true,
    callback: { endpoint: "/on-disburse", action: "on-disburse" },
  },
  search: {
    path: "/disburse/search",
    kind: "search",
    action: "search",
    scope: "read:disbursements",
    sync: false,
    callback: { endpoint: "/disburse/on-search", action: "on-search" },
  },
  "status-alias": {
    path: "/disburse/status",
    kind: "search",
    action: "search",
    scope: "read:disbursements",
    sync: false,
    callback: { endpoint: "/disburse/on-status", action: "on-status" },
  },
  "sync-search": {
    path: "/disburse/sync/search",
    kind: "search",
    action: "search",
    scope: "read:disbursements",
    sync: true,
    callback: { endpoint: "/disburse/on-search", action: "on-search" },
  },
  "txn-status": {
    path: "/disburse/txn/status",
    kind: "txn-status",
    action: "status",
    alsoAccepts: ["on-disburse", "on-search"],
    scope: "read:disbursements",
    sync: false,
    callback: { endpoint: "/disburse/txn/on-status", action: "on-status" },
  },
  "sync-txn-status": {
    path: "/disburse/sync/txn/status",
    kind: "txn-status",
    action: "status",
    alsoAccepts: ["search", "subscribe", "on-disburse", "on-search"],
    scope: "read:disbursements",
    sync: true,
    callback: { endpoint: "/disburse/txn/on-status", action: "on-status" },
  },
  cancel: {
    path: "/disburse/cancel",
    kind: "cancel",
    action: "cancel",
    scope: "write:disbursements",
    sync: true,
    callback: { endpoint: "/disburse/on-cancel", action: "on-cancel" },
  },
} as const satisfies Record<string, EndpointSpec>;

export type G2pPostEndpointKey = keyof typeof G2P_POST_ENDPOINTS;

export type G2pAnswer = { status: number; body: unknown };

/** The route handler of one POST endpoint. */
export function g2pPostHandler(key: G2pPostEndpointKey) {
  return async function POST(request: Request): Promise<Response> {
    const answer = await receiveG2pRequest(getDb(), request, key);
    return g2pJsonResponse(answer.body, answer.status);
  };
}

/* ---------------------------------------------------------------- refusals */

/** How a refusal is logged on the Messages list: NACK for business refusals, ERR for transport errors. */
const loggedStatusOf = (code: string) => (code.startsWith("rjct") ? "NACK" : "ERR");

/** The problems of a refused message's items, for error.message (bounded). */
function describeProblems(problems: readonly ItemProblem[], kind: Kind): string {
  const list = kind === "disburse" ? "disbursements" : kind === "cancel" ? "cancel_request.reference_id_list" : "items";
  const shown = problems.slice(0, 20).map((p) => `${list}[${p.index}] (reference_id ${p.referenceId}): ${p.code}: ${p.message}`);
  if (problems.length > shown.length) shown.push(`and ${problems.length - shown.length} more`);
  return shown.join("; ");
}

function isAcceptedMessageDuplicate(error: unknown): boolean {
  const cause = (error instanceof DrizzleQueryError ? error.cause : error) as { code?: unknown; constraint_name?: unknown } | undefined;
  return cause?.code === "23505" && cause.constraint_name === "g2p_messages_accepted_message_key";
}

/* ---------------------------------------------------------------- the pipeline */

const looseEnvelopeSchema = g2pEnvelopeSchema.extend({ message: z.unknown() });

type Known = {
  ctx: OrgContext;
  header: G2pHeader;
  body: Record<string, unknown>;
  sender: G2pSender | null;
  /** An encrypted request, once decrypted: its plain message (`body` keeps the message as received). */
  plainMessage?: Record<string, unknown>;
  /** The request came encrypted: answers and callbacks are encrypted to the sender. */
  encrypted?: boolean;
};

function messageFacts(spec: EndpointSpec, message: unknown): { transactionId: string | null; itemCount: number } {
  const m = (typeof message === "object" && message !== null ? message : {}) as Record<string, unknown>;
  const transactionId = typeof m.transaction_id === "string" ? m.transaction_id.slice(0, 200) : null;
  return { transactionId, itemCount: countItems(spec.kind, m) };
}

/** How many items a message holds, the number header.total_count must state. */
function countItems(kind: Kind, message: Record<string, unknown>): number {
  if (kind === "disburse") return Array.isArray(message.disbursements) ? message.disbursements.length : 0;
  if (kind === "search") {
    const list = Array.isArray(message.search_criteria) ? message.search_criteria : message.search_request;
    return Array.isArray(list) ? list.length : 0;
  }
  if (kind === "cancel") {
    const list = (message.cancel_request as { reference_id_list?: unknown } | undefined)?.reference_id_list;
    return Array.isArray(list) ? list.length : 1;
  }
  return 1;
}

/**
 * Receive one POSTed G2P message for `key`'s endpoint and answer it: `{status, body}` with an
 * ACK/ERR acknowledgement (or HttpErrorResponse), or (sync endpoints) the signed answer body itself.
 */
export async function receiveG2pRequest(db: Db, request: Request, key: G2pPostEndpointKey, now = new Date()): Promise<G2pAnswer> {
  const spec: EndpointSpec = G2P_POST_ENDPOINTS[key];
  const correlationId = randomUUID();
  const log = logger.child({ g2p: spec.path, correlationId });
  let known: Known | null = null;
  /** Set once the signature verified: only then may a refusal call the sender back. */
  let verified = false;

  const refuse = async (code: string, message: string, httpStatus?: number, items: readonly ItemProblem[] = []): Promise<G2pAnswer> => {
    log.info({ code, orgId: known?.ctx.org.id, senderId: known?.header.sender_id, messageId: known?.header.message_id }, "g2p request refused");
    if (code.startsWith("rjct") && known?.sender && verified) {
      return refuseWithOutcome(db, spec, { ...known, sender: known.sender }, correlationId, code, message, items, now, log);
    }
    if (known) await logRefusal(db, spec, known, correlationId, code, message, log);
    // A business code that reached here (no verified sender) is reported as a bad request.
    const errCode = code.startsWith("err.") ? code : G2P_TRANSPORT_ERRORS.requestBad;
    const status = httpStatus ?? g2pHttpStatus(errCode);
    return { status, body: errorAnswer(status, correlationId, { code: errCode, message: code === errCode ? message : `${code}: ${message}` }, now) };
  };

  try {
    // 1. Body and envelope.
    const { raw, text } = await readBody(request);
    const envelope = looseEnvelopeSchema.safeParse(raw);
    if (!envelope.success) throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, describeZodError(envelope.error));
    const { header } = envelope.data;

    // 2. API key and its scope.
    const ctx = await authenticateG2pKey(db, request);
    known = { ctx, header, body: raw as Record<string, unknown>, sender: null };
    requireG2pScope(ctx, spec.scope, spec.path);

    // 3. Sender, receiver and callback origin.
    const [sender] = await db
      .select()
      .from(g2pSenders)
      .where(and(eq(g2pSenders.orgId, ctx.org.id), eq(g2pSenders.senderId, header.sender_id), eq(g2pSenders.enabled, true)));
    if (!sender) throw new G2pRefused(G2P_TRANSPORT_ERRORS.senderIdInvalid, `sender_id "${header.sender_id}" is not a registered, enabled sender of this organization.`);
    known.sender = sender;
    requireTokenSender(ctx, sender);
    const slug = await orgSlug(db, ctx.org.id);
    if (header.receiver_id !== undefined && header.receiver_id !== slug) {
      throw new G2pRefused(G2P_TRANSPORT_ERRORS.receiverIdInvalid, `receiver_id "${header.receiver_id}" is not this platform's id for the organization ("${slug}").`);
    }
    if (header.sender_uri !== undefined && !sameOrigin(header.sender_uri, sender.callbackUrl)) {
      throw new G2pRefused(
        G2P_TRANSPORT_ERRORS.senderUriInvalid,
        "sender_uri must have the same origin (scheme, host and port) as the sender's registered callback URL.",
      );
    }

    // 4. Encryption, message shape, version.
    // An encrypted message (docs/g2p-connect.md#encrypted-messages) must have the EncryptedMessage
    // form and name our key; the sender needs a usable key of its own, for our answers.
    const encrypted = header.is_msg_encrypted === true;
    if (encrypted) checkEncryptedRequest(sender, envelope.data.message);
    let message = envelope.data.message;
    if (typeof message !== "object" || message === null || Array.isArray(message)) {
      throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, "message: must be an object");
    }
    if (header.version !== undefined && header.version.split(".")[0]?.trim() !== "1") {
      throw new G2pRefused(G2P_TRANSPORT_ERRORS.versionNotSupported, `version "${header.version}" is not supported; this platform speaks 1.x.`);
    }

    // 5. Signature: in the body (MsgSignature) and/or the HTTP Signature header (Signature.yaml);
    // each one given must verify.
    const windowSeconds = messageTsWindowSeconds();
    const signatures = [
      { where: "signature", value: envelope.data.signature, rawBody: undefined },
      { where: "Signature header", value: request.headers.get("signature") ?? undefined, rawBody: text },
    ].filter((sig): sig is { where: string; value: string; rawBody: string | undefined } => typeof sig.value === "string" && sig.value.trim() !== "");
    if (signatures.length === 0) {
      throw new G2pRefused(
        G2P_TRANSPORT_ERRORS.signatureMissing,
        "The message is not signed; send the signature of its header and message in `signature` or the HTTP Signature header.",
      );
    }
    const bad = firstInvalidSignature(sender.publicKey, signatures, header, message, { now, skewSeconds: windowSeconds }, (error) =>
      log.warn({ err: error, senderRowId: sender.id }, "g2p sender public key unusable"),
    );
    if (bad) throw new G2pRefused(G2P_TRANSPORT_ERRORS.signatureInvalid, `The ${bad.where} is not valid: ${bad.reason}.`);
    verified = true;

    // The signature covers the message as sent (encrypted); now decrypt it and go on with the plain one.
    if (encrypted) {
      try {
        message = await decryptMessage(message, { maxPlaintextBytes: MAX_G2P_BODY_BYTES });
      } catch (error) {
        if (error instanceof G2pDecryptionError) throw new G2pRefused(G2P_TRANSPORT_ERRORS.encryptionNotSupported, error.message);
        throw error;
      }
      known.plainMessage = message as Record<string, unknown>;
      known.encrypted = true;
    }

    // 6. Header rules: message_ts window, action.
    const skewMs = Math.abs(parseRfc3339(header.message_ts).getTime() - now.getTime());
    if (skewMs > windowSeconds * 1000) {
      throw new G2pRefused(
        G2P_HEADER_REJECTIONS.messageTsInvalid,
        `message_ts ${header.message_ts} is more than ${windowSeconds} seconds away from this platform's clock (${now.toISOString()}).`,
      );
    }
    const actions = [spec.action, ...(spec.alsoAccepts ?? [])];
    if (!actions.includes(header.action)) {
      throw new G2pRefused(G2P_HEADER_REJECTIONS.actionNotSupported, `${spec.path} takes action ${actions.map((a) => `"${a}"`).join(" or ")}, not "${header.action}".`);
    }

    // 7. The endpoint's message and total_count.
    const schema =
      spec.kind === "search"
        ? searchMessageSchemaFor(message as Record<string, unknown>)
        : { disburse: disburseMessageSchema, "txn-status": txnStatusMessageSchema, cancel: cancelMessageSchema }[spec.kind];
    const parsed = schema.safeParse(message);
    if (!parsed.success) throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, describeZodError(parsed.error, "message"));
    const items = countItems(spec.kind, message as Record<string, unknown>);
    if (header.total_count !== items) {
      throw new G2pRefused(G2P_HEADER_REJECTIONS.totalCountInvalid, `header.total_count is ${header.total_count} but the message holds ${items}.`);
    }

    // 8. Accept: record, handle, answer, in one transaction.
    const facts = messageFacts(spec, message);
    const knownSender = sender;
    return await db.transaction(async (tx) => {
      await tx.insert(g2pMessages).values({
        orgId: ctx.org.id,
        senderRowId: knownSender.id,
        senderId: header.sender_id,
        direction: "inbound",
        endpoint: spec.path,
        action: header.action,
        messageId: header.message_id,
        correlationId,
        transactionId: facts.transactionId,
        status: "ACK",
        itemCount: facts.itemCount,
        body: raw as Record<string, unknown>,
      });
      const call: G2pCall = { ctx: { ...ctx, db: tx }, sender: knownSender, header, correlationId, now, encrypted };
      return handle(tx, spec, call, slug, parsed.data);
    });
  } catch (error) {
    if (error instanceof G2pRefused) return refuse(error.code, error.message, error.httpStatus);
    if (isAcceptedMessageDuplicate(error)) {
      return refuse(G2P_HEADER_REJECTIONS.messageIdDuplicate, `message_id "${known?.header.message_id}" was already accepted from this sender; send a new message_id.`);
    }
    if (error instanceof G2pRejection) {
      // Name the items at fault unless the handler's message already does.
      const first = error.items[0];
      const detail = first && !error.message.includes(first.code) ? `${error.message} ${describeProblems(error.items, spec.kind)}` : error.message;
      return refuse(error.code, detail, undefined, error.items);
    }
    if (error instanceof ServiceError) {
      if (error.code === "UNAUTHORIZED") return refuse(G2P_TRANSPORT_ERRORS.unauthorized, error.message, 401);
      if (error.code === "FORBIDDEN") return refuse(G2P_TRANSPORT_ERRORS.forbidden, error.message, 403);
      if (error.code === "CONFLICT" || error.code === "TOO_MANY_REQUESTS") {
        return refuse(G2P_TRANSPORT_ERRORS.serviceUnavailable, `${error.message} Send the message again.`, 503);
      }
      return refuse(G2P_TRANSPORT_ERRORS.requestBad, error.message);
    }
    log.error({ err: error, orgId: known?.ctx.org.id, messageId: known?.header.message_id }, "g2p request failed");
    return refuse(G2P_TRANSPORT_ERRORS.serviceUnavailable, "The request could not be processed; send it again later.", 500);
  }
}

async function readBody(request: Request): Promise<{ raw: unknown; text: string }> {
  const declared = Number(request.headers.get("content-length") ?? NaN);
  if (Number.isFinite(declared) && declared > MAX_G2P_BODY_BYTES) {
    throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, `The request body is larger than ${MAX_G2P_BODY_BYTES} bytes.`, 413);
  }
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_G2P_BODY_BYTES)
    throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, `The request body is larger than ${MAX_G2P_BODY_BYTES} bytes.`, 413);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, "The request body is not valid JSON.");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, "The request body must be a JSON object {signature, header, message}.");
  }
  return { raw: value, text };
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

/**
 * An encrypted request's preconditions (docs/g2p-connect.md#encrypted-messages): the sender has a
 * usable public encryption key (our answers are encrypted to it) and the message has the
 * EncryptedMessage form, names our key and algorithms we take. Refused `err.encryption.invalid`.
 */
function checkEncryptedRequest(sender: G2pSender, message: unknown) {
  if (!sender.encryptionPublicKey) {
    throw new G2pRefused(
      G2P_TRANSPORT_ERRORS.encryptionNotSupported,
      `is_msg_encrypted is true but sender "${sender.senderId}" has no encryption key registered, so our answers could not be encrypted to it: the organization adds the sender's public encryption key (JWK) on the Integrations page; or send is_msg_encrypted false.`,
    );
  }
  try {
    parseSenderEncryptionKey(sender.encryptionPublicKey);
    checkEncryptedMessage(message);
  } catch (error) {
    if (error instanceof G2pDecryptionError) throw new G2pRefused(G2P_TRANSPORT_ERRORS.encryptionNotSupported, error.message);
    throw new G2pRefused(
      G2P_TRANSPORT_ERRORS.encryptionNotSupported,
      `The encryption key registered for sender "${sender.senderId}" cannot be used: ${(error as Error).message}`,
    );
  }
}

/** Log a refused message on its own (never as ACK, so it reserves nothing); a failure here must not change the answer. */
async function logRefusal(db: DbOrTx, spec: EndpointSpec, known: Known, correlationId: string, code: string, message: string, log: typeof logger) {
  const facts = messageFacts(spec, known.plainMessage ?? known.body.message);
  try {
    await db.insert(g2pMessages).values({
      orgId: known.ctx.org.id,
      senderRowId: known.sender?.id ?? null,
      senderId: known.header.sender_id,
      direction: "inbound",
      endpoint: spec.path,
      action: known.header.action,
      messageId: known.header.message_id,
      correlationId,
      transactionId: facts.transactionId,
      status: loggedStatusOf(code),
      errorCode: code,
      errorMessage: message.slice(0, 4000),
      itemCount: facts.itemCount,
      body: known.body,
    });
  } catch (error) {
    log.error({ err: error, orgId: known.ctx.org.id }, "could not log a refused g2p message");
  }
}

/* ---------------------------------------------------------------- handlers */

async function handle(tx: DbOrTx, spec: EndpointSpec, call: G2pCall, slug: string, message: unknown): Promise<G2pAnswer> {
  switch (spec.kind) {
    case "disburse":
      return handleDisburse(tx, spec, call, slug, message as DisburseMessage);
    case "search":
      return handleSearch(tx, spec, call, slug, message as SearchMessage);
    case "txn-status":
      return handleTxnStatus(tx, spec, call, slug, message as TxnStatusMessage);
    case "cancel":
      return handleCancel(tx, spec, call, slug, message as CancelMessage);
  }
}

const ack = (call: Pick<G2pCall, "correlationId" | "now">): G2pAnswer => ({ status: 200, body: ackBody("ACK", call.correlationId, undefined, call.now) });

type Reply = {
  callbackBase: string;
  transactionId: string;
  message: Record<string, unknown>;
  status: string;
  reasonCode?: string;
  reasonMessage?: string;
  total: number;
  completed: number;
  /** The header action when it depends on the answer (txn status: the txn_type answered). */
  action?: string;
};

/** Answer directly (sync) or store the callback and ACK. */
async function answer(
  tx: DbOrTx,
  spec: EndpointSpec,
  call: Pick<G2pCall, "ctx" | "sender" | "correlationId" | "now" | "encrypted">,
  slug: string,
  reply: Reply,
): Promise<G2pAnswer> {
  const callback = spec.callback!;
  const action = reply.action ?? callback.action;
  if (spec.sync) {
    const header = callbackHeader({
      orgSlug: slug,
      receiverId: call.sender.senderId,
      action,
      status: reply.status,
      statusReasonCode: reply.reasonCode,
      statusReasonMessage: reply.reasonMessage,
      totalCount: reply.total,
      completedCount: reply.completed,
      now: call.now,
    });
    // An encrypted request gets an encrypted answer (the sender's key was checked on arrival).
    return { status: 200, body: await sealedBody(header, reply.message, call.encrypted ? call.sender.encryptionPublicKey : null) };
  }
  await enqueueCallback(tx, {
    orgId: call.ctx.org.id,
    sender: call.sender,
    endpoint: callback.endpoint,
    action,
    callbackBase: reply.callbackBase,
    correlationId: call.correlationId,
    transactionId: reply.transactionId,
    message: reply.message,
    status: reply.status,
    statusReasonCode: reply.reasonCode,
    statusReasonMessage: reply.reasonMessage,
    totalCount: reply.total,
    completedCount: reply.completed,
    encrypt: call.encrypted === true,
  });
  return ack(call);
}

/** Record what the sender has now been told about these items, so the change reporter does not repeat it. */
async function markReported(tx: DbOrTx, orgId: string, items: readonly ItemStatusRow[], at: Date) {
  const byStatus = new Map<G2pItemStatus, string[]>();
  for (const item of items) {
    const ids = byStatus.get(item.status);
    if (ids) ids.push(item.item_id);
    else byStatus.set(item.status, [item.item_id]);
  }
  // One uuid[] parameter per status, not an IN list of 10,000 parameters; rows already marked so
  // (items acceptDisburseRequest has just written) are not rewritten (docs/performance.md).
  for (const [status, ids] of byStatus) {
    await tx.execute(sql`
      update g2p_items set reported_status = ${status}, reported_at = ${at.toISOString()}::timestamptz
      where org_id = ${orgId} and id = any(${uuidArray(ids)})
        and (reported_status is distinct from ${status} or reported_at is distinct from ${at.toISOString()}::timestamptz)`);
  }
}

function onDisburseSummary(items: readonly ItemStatusRow[]) {
  const statuses = items.map((i) => i.status);
  return { status: disburseHeaderStatus(statuses), total: items.length, completed: completedCount(statuses) };
}

async function handleDisburse(tx: DbOrTx, spec: EndpointSpec, call: G2pCall, slug: string, message: DisburseMessage): Promise<G2pAnswer> {
  const { items } = await acceptDisburseRequest(tx, call, message);
  const [txn] = await tx
    .select({ callbackBase: g2pTransactions.callbackBase })
    .from(g2pTransactions)
    .where(and(eq(g2pTransactions.senderRowId, call.sender.id), eq(g2pTransactions.transactionId, message.transaction_id)));
  await markReported(tx, call.ctx.org.id, items, call.now);
  const summary = onDisburseSummary(items);
  return answer(tx, spec, call, slug, {
    callbackBase: txn?.callbackBase ?? call.header.sender_uri ?? call.sender.callbackUrl,
    transactionId: message.transaction_id,
    message: { transaction_id: message.transaction_id, correlation_id: call.correlationId, disbursements_status: items.map((i) => wireItem(i)) },
    status: summary.status,
    total: summary.total,
    completed: summary.completed,
  });
}

async function handleSearch(tx: DbOrTx, spec: EndpointSpec, call: G2pCall, slug: string, message: SearchMessage): Promise<G2pAnswer> {
  const result = await searchG2pItems(tx, call.ctx.org.id, call.sender, message, call.now);
  const body: Record<string, unknown> = { transaction_id: message.transaction_id, correlation_id: call.correlationId, disbursements_status: result.records };
  if (!isSpecSearch(message)) body.search_response = result.legacy;
  return answer(tx, spec, call, slug, {
    callbackBase: call.header.sender_uri ?? call.sender.callbackUrl,
    transactionId: message.transaction_id,
    message: body,
    status: "succ",
    total: result.records.length,
    completed: result.records.length,
  });
}

async function handleTxnStatus(tx: DbOrTx, spec: EndpointSpec, call: G2pCall, slug: string, message: TxnStatusMessage): Promise<G2pAnswer> {
  const result = await txnStatusOfG2pItems(tx, call.ctx.org.id, call.sender, message, call.now);
  const txnType = txnTypeAnswered(message.txnstatus_request.txn_type);
  const records = Array.isArray(result.txnStatus.disbursements_status) ? result.txnStatus.disbursements_status.length : 1;
  return answer(tx, spec, call, slug, {
    callbackBase: call.header.sender_uri ?? call.sender.callbackUrl,
    transactionId: message.transaction_id,
    message: {
      transaction_id: message.transaction_id,
      correlation_id: call.correlationId,
      txnstatus_response: { txn_type: txnType, txn_status: result.txnStatus },
    },
    status: result.status,
    reasonCode: result.statusReasonCode,
    reasonMessage: result.statusReasonMessage,
    total: records,
    completed: records,
    action: txnType,
  });
}

async function handleCancel(tx: DbOrTx, spec: EndpointSpec, call: G2pCall, slug: string, message: CancelMessage): Promise<G2pAnswer> {
  const { items } = await cancelG2pItems(tx, call, message);
  await markReported(tx, call.ctx.org.id, items, call.now);
  return answer(tx, spec, call, slug, {
    callbackBase: call.header.sender_uri ?? call.sender.callbackUrl,
    transactionId: message.transaction_id,
    message: { transaction_id: message.transaction_id, correlation_id: call.correlationId, disbursements_status: items.map((i) => wireItem(i)) },
    status: "succ",
    total: items.length,
    completed: items.filter((i) => i.cancellation_status === "CANCELLED").length,
  });
}

/* ---------------------------------------------------------------- business refusals */

const record = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/**
 * A business refusal (`rjct.*`) of a message whose signature verified: logged as refused (nothing
 * else of it is kept), then answered as an outcome: the rjct body (sync) or ACK with the rjct
 * callback stored in the outbox (async). The header's status_reason_code carries the code when
 * the spec's MsgHeaderStatusReasonCode has it; items carry their own reason codes.
 */
async function refuseWithOutcome(
  db: Db,
  spec: EndpointSpec,
  known: Known & { sender: G2pSender },
  correlationId: string,
  code: string,
  reason: string,
  problems: readonly ItemProblem[],
  now: Date,
  log: typeof logger,
): Promise<G2pAnswer> {
  const message = record(known.plainMessage ?? known.body.message);
  const outcome = refusedMessage(spec.kind, message, correlationId, code, reason, problems, now);
  try {
    return await db.transaction(async (tx) => {
      await logRefusal(tx, spec, known, correlationId, code, reason, log);
      const slug = await orgSlug(tx, known.ctx.org.id);
      return answer(tx, spec, { ctx: known.ctx, sender: known.sender, correlationId, now, encrypted: known.encrypted }, slug, {
        callbackBase: known.header.sender_uri ?? known.sender.callbackUrl,
        transactionId: str(message.transaction_id) ?? "",
        message: outcome.message,
        status: "rjct",
        reasonCode: code,
        reasonMessage: reason,
        total: outcome.total,
        completed: outcome.total,
        action: outcome.action,
      });
    });
  } catch (error) {
    log.error({ err: error, orgId: known.ctx.org.id }, "could not answer a refused g2p message");
    return {
      status: 500,
      body: errorAnswer(500, correlationId, { code: G2P_TRANSPORT_ERRORS.serviceUnavailable, message: "The request could not be processed; send it again later." }, now),
    };
  }
}

/**
 * The answer message of a refused request, from what it sent (which may be malformed: values are
 * echoed only when they match the spec's patterns, so the answer never breaks one).
 */
function refusedMessage(
  kind: Kind,
  message: Record<string, unknown>,
  correlationId: string,
  code: string,
  reason: string,
  problems: readonly ItemProblem[],
  now: Date,
): { message: Record<string, unknown>; total: number; action?: string } {
  const transactionId = str(message.transaction_id)?.slice(0, 99) ?? "";
  const base = { transaction_id: transactionId, correlation_id: correlationId };
  const others = `Refused with the rest of the message: ${code}: ${reason}`;
  const byIndex = new Map(problems.map((p) => [p.index, p]));
  const reasonOf = (index: number, allowed: readonly string[]) => {
    const p = byIndex.get(index);
    const r = specReason(p?.code ?? null, p?.message ?? others, allowed);
    return { ...(r.status_reason_code ? { status_reason_code: r.status_reason_code } : {}), status_reason_message: (r.status_reason_message ?? others).slice(0, 999) };
  };
  const referenceOf = (v: unknown, index: number) => str(v)?.slice(0, 99) ?? String(index + 1);

  if (kind === "disburse") {
    const items = (Array.isArray(message.disbursements) ? message.disbursements : []).map((raw, index) => {
      const item = record(raw);
      const currency = str(item.currency_code);
      const locale = str(item.locale);
      const amount = str(item.amount);
      return {
        reference_id: referenceOf(item.reference_id, index),
        timestamp: now.toISOString(),
        status: "rjct",
        ...reasonOf(index, SPEC_DISBURSE_REASON_CODES),
        ...(amount && G2P_AMOUNT_PATTERN.test(amount) ? { amount } : {}),
        ...(str(item.payer_fa) && String(item.payer_fa).length <= 256 ? { payer_fa: item.payer_fa } : {}),
        ...(str(item.payee_fa) && String(item.payee_fa).length <= 256 ? { payee_fa: item.payee_fa } : {}),
        ...(currency && isIsoCurrencyCode(currency) ? { currency_code: currency } : {}),
        ...(locale && LANGUAGE_CODE_PATTERN.test(locale) ? { locale } : {}),
      };
    });
    return { message: { ...base, disbursements_status: items }, total: items.length };
  }
  if (kind === "search") {
    const criteria = Array.isArray(message.search_criteria) ? message.search_criteria : Array.isArray(message.search_request) ? message.search_request : [];
    const records = criteria.map((raw, index) => ({
      reference_id: referenceOf(record(raw).reference_id, index),
      timestamp: now.toISOString(),
      status: "rjct",
      ...reasonOf(index, SPEC_SEARCH_REASON_CODES),
    }));
    return { message: { ...base, disbursements_status: records }, total: records.length };
  }
  if (kind === "txn-status") {
    const request = record(message.txnstatus_request);
    const action = txnTypeAnswered(request.txn_type === "search" ? "search" : "disburse");
    const asked = request.attribute_type === "transaction_id" ? str(request.attribute_value)?.slice(0, 99) : undefined;
    return {
      message: { ...base, txnstatus_response: { txn_type: action, txn_status: { transaction_id: asked ?? transactionId, disbursements_status: [] } } },
      total: 0,
      action,
    };
  }
  const list = record(message.cancel_request).reference_id_list;
  const items = (Array.isArray(list) ? list : []).map((ref, index) => ({
    reference_id: referenceOf(ref, index),
    timestamp: now.toISOString(),
    status: "rjct",
    ...reasonOf(index, SPEC_DISBURSE_REASON_CODES),
  }));
  return { message: { ...base, disbursements_status: items }, total: items.length };
}
