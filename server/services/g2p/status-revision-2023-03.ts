import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import type { Db, DbOrTx } from "@/db/client";
import { g2pMessages, g2pSenders, g2pTransactions, type G2pSender } from "@/db/schema";
import { G2P_TRANSPORT_ERRORS } from "@/server/domain/g2p/codes";
import { describeZodError, parseRfc3339 } from "@/server/domain/g2p/messages";
import {
  REVISION_2023_03_ERRORS,
  REVISION_2023_03_VERSION,
  revision202303ErrorCode,
  revision202303HeaderSchema,
  revision202303HeaderStatus,
  revision202303Item,
  revision202303StatusMessageSchema,
  type Revision202303Header,
  type Revision202303StatusMessage,
} from "@/server/domain/g2p/revisions";
import { logger } from "@/server/log";
import type { OrgContext } from "@/server/services/context";
import { ServiceError } from "@/server/services/errors";
import { completedCount, orgSlug } from "./g2p-answers";
import { G2pRefused, authenticateG2pKey, requireG2pScope, requireTokenSender } from "./g2p-refusal";
import { loadItemStatuses, type ItemStatusRow } from "./item-views";
import { firstInvalidSignature, parseSignatureParams, platformSigningKey, signG2pMessage } from "./signature";

/**
 * `POST /disburse/status` as the 2023-03-03 revision of G2P Connect's `api/g2p-disburse.yaml`
 * defines it (docs/g2p-connect.md, "Revisions"): the request `{signature, header: MsgReqHeader,
 * message: {transaction_id, reference_ids}}` is acknowledged `{message: {ack: {status: ACK}}}` and
 * answered by a `/disburse/on-status` callback `{signature, header: MsgCallbackReqHeader, message:
 * {transaction_id, disburse_status: [DisburseResponse]}}` stored in the outbox (the delivery loop
 * sends it). Refusals are that revision's `{message: {ack: {status: NACK}}, error: {code: ERR_…,
 * message}}`, or its HttpErrorResponse `{error: {code, message}}` for 401, 403 and 500.
 *
 * The checks are the v1.0.0 transport's (server/adapters/g2p/receive-g2p-request.ts) in that
 * revision's terms: API key or access token with read:disbursements, a registered enabled sender
 * (header.sender_id, else the signature's keyId, else the access token's sender), receiver_id and
 * sender_uri, a verified Ed25519 signature, `header.timestamp` within
 * G2P_MESSAGE_TS_WINDOW_SECONDS, action `status`, and a message_id never accepted before from
 * this sender (the same replay index as v1.0.0 messages).
 */

export type RevisionAnswer = { status: number; body: unknown };

const ENDPOINT = "/disburse/status";
const CALLBACK = "/disburse/on-status";

/** A refusal in the 2023-03 revision's terms: its `ERR_*` code and the HTTP status. */
class Refused extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
  }
}

/** The 2023-03 `Response`: ACK, or NACK with the `Error`; 401/403/500 answer its `HttpErrorResponse`. */
function nack(refusal: Refused): RevisionAnswer {
  const error = { code: refusal.code, message: refusal.message.slice(0, 999) };
  if (refusal.httpStatus === 401 || refusal.httpStatus === 403 || refusal.httpStatus >= 500) return { status: refusal.httpStatus, body: { error } };
  return { status: refusal.httpStatus, body: { message: { ack: { status: "NACK" } }, error } };
}

const record = (v: unknown): Record<string, unknown> | null => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}

function isAcceptedMessageDuplicate(error: unknown): boolean {
  const cause = (error instanceof DrizzleQueryError ? error.cause : error) as { code?: unknown; constraint_name?: unknown } | undefined;
  return cause?.code === "23505" && cause.constraint_name === "g2p_messages_accepted_message_key";
}

type Known = { ctx: OrgContext; header: Record<string, unknown>; body: Record<string, unknown>; sender: G2pSender | null };

/**
 * Answer one 2023-03 status request whose body (already parsed, `raw` its exact text) the route
 * recognised as that revision's (server/domain/g2p/revisions.ts `isRevision202303StatusBody`).
 */
export async function receiveRevision202303Status(
  db: Db,
  request: Request,
  body: Record<string, unknown>,
  raw: string,
  options: { now?: Date; windowSeconds: number },
): Promise<RevisionAnswer> {
  const now = options.now ?? new Date();
  const correlationId = randomUUID();
  const log = logger.child({ g2p: ENDPOINT, revision: "2023-03", correlationId });
  let known: Known | null = null;
  try {
    // 1. Credentials and scope.
    let ctx: Awaited<ReturnType<typeof authenticateG2pKey>>;
    try {
      ctx = await authenticateG2pKey(db, request);
      requireG2pScope(ctx, "read:disbursements", ENDPOINT);
    } catch (error) {
      if (error instanceof G2pRefused) throw new Refused(revision202303ErrorCode(error.code), error.message, error.httpStatus);
      throw error;
    }
    const headerRecord = record(body.header) ?? {};
    known = { ctx, header: headerRecord, body, sender: null };

    // 2. Header and message shapes (MsgReqHeader requires message_id and timestamp only).
    for (const field of ["message_id", "timestamp"]) {
      if (headerRecord[field] === undefined) throw new Refused(REVISION_2023_03_ERRORS.mandatoryHeaderMissing, `header.${field} is required.`);
    }
    const header = revision202303HeaderSchema.safeParse(headerRecord);
    if (!header.success) {
      const timestampBad = header.error.issues.some((i) => i.path[0] === "timestamp");
      throw new Refused(timestampBad ? REVISION_2023_03_ERRORS.invalidTimestamp : REVISION_2023_03_ERRORS.invalidRequest, describeZodError(header.error, "header"));
    }
    const h: Revision202303Header = header.data;
    if (body.message === undefined) throw new Refused(REVISION_2023_03_ERRORS.invalidMessage, "message is required: {transaction_id, reference_ids}.");
    const message = revision202303StatusMessageSchema.safeParse(body.message);
    if (!message.success) throw new Refused(REVISION_2023_03_ERRORS.invalidMessage, describeZodError(message.error, "message"));

    // 3. The sender: header.sender_id (optional in 2023-03), else the signature's keyId, else the token's.
    const signatures = [
      { where: "signature", value: typeof body.signature === "string" ? body.signature : undefined, rawBody: undefined as string | undefined },
      { where: "Signature header", value: request.headers.get("signature") ?? undefined, rawBody: raw },
    ].filter((s): s is { where: string; value: string; rawBody: string | undefined } => typeof s.value === "string" && s.value.trim() !== "");
    const keyIdSender = signatures.map((s) => parseSignatureParams(s.value).keyId?.split("|")[0]).find((v) => v !== undefined && v !== "");
    let sender: G2pSender | undefined;
    const senderId = h.sender_id ?? keyIdSender;
    if (senderId !== undefined) {
      [sender] = await db
        .select()
        .from(g2pSenders)
        .where(and(eq(g2pSenders.orgId, ctx.org.id), eq(g2pSenders.senderId, senderId), eq(g2pSenders.enabled, true)));
    } else if (ctx.g2pSenderRowId !== undefined) {
      [sender] = await db
        .select()
        .from(g2pSenders)
        .where(and(eq(g2pSenders.orgId, ctx.org.id), eq(g2pSenders.id, ctx.g2pSenderRowId), eq(g2pSenders.enabled, true)));
    }
    if (!sender) {
      throw new Refused(
        REVISION_2023_03_ERRORS.invalidSender,
        senderId === undefined
          ? "Name the sender in header.sender_id (or sign the message: the signature's keyId names it)."
          : `sender_id "${senderId}" is not a registered, enabled sender of this organization.`,
        403,
      );
    }
    known.sender = sender;
    try {
      requireTokenSender(ctx, sender);
    } catch (error) {
      if (error instanceof G2pRefused) throw new Refused(REVISION_2023_03_ERRORS.accessDenied, error.message, 403);
      throw error;
    }
    const slug = await orgSlug(db, ctx.org.id);
    if (h.receiver_id !== undefined && h.receiver_id !== slug) {
      throw new Refused(REVISION_2023_03_ERRORS.invalidReceiver, `receiver_id "${h.receiver_id}" is not this platform's id for the organization ("${slug}").`, 403);
    }
    if (h.sender_uri !== undefined && !sameOrigin(h.sender_uri, sender.callbackUrl)) {
      throw new Refused(
        REVISION_2023_03_ERRORS.invalidSenderUri,
        "sender_uri must have the same origin (scheme, host and port) as the sender's registered callback URL.",
        403,
      );
    }

    // 4. Signature (each one given must verify), then the timestamp window and the action.
    if (signatures.length === 0) {
      throw new Refused(
        REVISION_2023_03_ERRORS.invalidSignature,
        "The message is not signed; send the signature of its header and message in `signature` or the HTTP Signature header.",
        401,
      );
    }
    const bad = firstInvalidSignature(
      sender.publicKey,
      signatures,
      headerRecord as { sender_id?: string },
      body.message,
      { now, skewSeconds: options.windowSeconds, senderId: sender.senderId },
      (error) => log.warn({ err: error, senderRowId: sender.id }, "g2p sender public key unusable"),
    );
    if (bad) throw new Refused(REVISION_2023_03_ERRORS.invalidSignature, `The ${bad.where} is not valid: ${bad.reason}.`, 401);
    const skewMs = Math.abs(parseRfc3339(h.timestamp).getTime() - now.getTime());
    if (skewMs > options.windowSeconds * 1000) {
      throw new Refused(
        REVISION_2023_03_ERRORS.invalidTimestamp,
        `timestamp ${h.timestamp} is more than ${options.windowSeconds} seconds away from this platform's clock (${now.toISOString()}).`,
      );
    }
    if (h.action !== undefined && h.action !== "status")
      throw new Refused(REVISION_2023_03_ERRORS.invalidAction, `${ENDPOINT} takes action "status", not "${h.action}".`);

    // 5. Accept: record, look up, store the on-status callback, in one transaction.
    const asked = message.data;
    const knownSender = sender;
    await db.transaction(async (tx) => {
      await tx.insert(g2pMessages).values({
        orgId: ctx.org.id,
        senderRowId: knownSender.id,
        senderId: knownSender.senderId,
        direction: "inbound",
        endpoint: ENDPOINT,
        action: h.action ?? "status",
        messageId: h.message_id,
        correlationId,
        transactionId: asked.transaction_id ?? null,
        status: "ACK",
        itemCount: asked.reference_ids?.length ?? 1,
        body,
      });
      await enqueueOnStatus(tx, { orgId: ctx.org.id, slug, sender: knownSender, header: h, asked, correlationId, now });
    });
    return { status: 200, body: { message: { ack: { status: "ACK" } } } };
  } catch (error) {
    let refusal: Refused;
    if (error instanceof Refused) refusal = error;
    else if (isAcceptedMessageDuplicate(error)) {
      refusal = new Refused(
        REVISION_2023_03_ERRORS.invalidMessageId,
        `message_id "${String(known?.header.message_id)}" was already accepted from this sender; send a new message_id.`,
        409,
      );
    } else if (error instanceof ServiceError && (error.code === "UNAUTHORIZED" || error.code === "FORBIDDEN")) {
      refusal = new Refused(REVISION_2023_03_ERRORS.accessDenied, error.message, error.code === "UNAUTHORIZED" ? 401 : 403);
    } else {
      log.error({ err: error, orgId: known?.ctx.org.id }, "g2p 2023-03 status request failed");
      refusal = new Refused(revision202303ErrorCode(G2P_TRANSPORT_ERRORS.serviceUnavailable), "The request could not be processed; send it again later.", 500);
    }
    log.info({ code: refusal.code, orgId: known?.ctx.org.id }, "g2p 2023-03 status request refused");
    if (known) await logRefusal(db, known, correlationId, refusal, log);
    return nack(refusal);
  }
}

/** Log a refused message on its own (NACK on the Messages list; it reserves no message_id). */
async function logRefusal(db: Db, known: Known, correlationId: string, refusal: Refused, log: typeof logger) {
  const message = record(known.body.message);
  const messageId = typeof known.header.message_id === "string" && known.header.message_id !== "" ? known.header.message_id.slice(0, 200) : "(none)";
  try {
    await db.insert(g2pMessages).values({
      orgId: known.ctx.org.id,
      senderRowId: known.sender?.id ?? null,
      senderId: known.sender?.senderId ?? (typeof known.header.sender_id === "string" ? known.header.sender_id.slice(0, 200) : null),
      direction: "inbound",
      endpoint: ENDPOINT,
      action: typeof known.header.action === "string" ? known.header.action.slice(0, 40) : null,
      messageId,
      correlationId,
      transactionId: typeof message?.transaction_id === "string" ? message.transaction_id.slice(0, 200) : null,
      status: "NACK",
      errorCode: refusal.code,
      errorMessage: refusal.message.slice(0, 4000),
      itemCount: Array.isArray(message?.reference_ids) ? message.reference_ids.length : 0,
      body: known.body,
    });
  } catch (error) {
    log.error({ err: error, orgId: known.ctx.org.id }, "could not log a refused g2p message");
  }
}

/**
 * The items a 2023-03 status request asks about: its transaction's (all, or those of
 * `reference_ids` in the order asked), or, when `transaction_id` names no transaction of this
 * sender (the revision does not say whose transaction_id it is: a client may give the status
 * request its own), the items of `reference_ids` among all of the sender's transactions.
 * Reference ids not found answer RJCT with UKWN_REFERENCE_ID_NOT_FOUND.
 */
async function lookUp(tx: DbOrTx, orgId: string, sender: G2pSender, asked: Revision202303StatusMessage, now: Date) {
  const refs = asked.reference_ids ?? [];
  let rows: ItemStatusRow[] | null = null;
  if (asked.transaction_id !== undefined) {
    const [txn] = await tx
      .select({ id: g2pTransactions.id })
      .from(g2pTransactions)
      .where(and(eq(g2pTransactions.orgId, orgId), eq(g2pTransactions.senderRowId, sender.id), eq(g2pTransactions.transactionId, asked.transaction_id)));
    if (txn) rows = await loadItemStatuses(tx, orgId, sender.id, { kind: "transaction", transactionId: asked.transaction_id });
  }
  if (rows === null && refs.length === 0) return { found: false as const };
  if (refs.length === 0) return { found: true as const, items: rows!.map(revision202303Item), statuses: rows!.map((r) => r.status) };
  rows ??= await loadItemStatuses(tx, orgId, sender.id, { kind: "references", referenceIds: refs });
  const byRef = new Map(rows.map((r) => [r.reference_id, r]));
  const items = refs.map((ref) => {
    const row = byRef.get(ref);
    if (row) return { item: revision202303Item(row), status: row.status };
    return {
      item: {
        reference_id: ref,
        timestamp: now.toISOString(),
        status: "RJCT" as const,
        status_reason_code: "UKWN_REFERENCE_ID_NOT_FOUND",
        status_reason_message: `No item "${ref}" was received from this sender${asked.transaction_id !== undefined && byRef.size > 0 ? ` in transaction "${asked.transaction_id}"` : ""}.`,
      },
      status: "rjct" as const,
    };
  });
  return { found: true as const, items: items.map((i) => i.item), statuses: items.map((i) => i.status) };
}

/**
 * Store the `/disburse/on-status` callback (2023-03 bodies) in the outbox. Its header echoes the
 * request's message_id ("Receiving system should echo the original message_id for correlations",
 * the revision's MsgCallbackReqHeader), names us by the organization's slug and is signed with the
 * platform key, keyId `<org slug>|platform`, as every callback is.
 */
async function enqueueOnStatus(
  tx: DbOrTx,
  input: { orgId: string; slug: string; sender: G2pSender; header: Revision202303Header; asked: Revision202303StatusMessage; correlationId: string; now: Date },
) {
  const result = await lookUp(tx, input.orgId, input.sender, input.asked, input.now);
  const base = {
    version: REVISION_2023_03_VERSION,
    message_id: input.header.message_id,
    timestamp: input.now.toISOString(),
    action: "on-status",
  };
  const parties = { sender_id: input.slug, receiver_id: input.sender.senderId };
  const header = result.found
    ? {
        ...base,
        status: revision202303HeaderStatus(result.statuses),
        total_count: result.items.length,
        completed_count: completedCount(result.statuses),
        ...parties,
      }
    : {
        ...base,
        status: "REJECTED",
        status_reason_code: "UKWN_TRANSACTION_ID_NOT_FOUND",
        status_reason_message: `No transaction "${input.asked.transaction_id}" was received from this sender.`,
        total_count: 0,
        completed_count: 0,
        ...parties,
      };
  const message = {
    ...(input.asked.transaction_id !== undefined ? { transaction_id: input.asked.transaction_id } : {}),
    disburse_status: result.found ? result.items : [],
  };
  const signature = signG2pMessage(header, message, { keyId: `${input.slug}|platform`, privateKey: platformSigningKey().privateKey });
  const callbackBase = input.header.sender_uri ?? input.sender.callbackUrl;
  await tx.insert(g2pMessages).values({
    orgId: input.orgId,
    senderRowId: input.sender.id,
    senderId: input.sender.senderId,
    direction: "outbound",
    endpoint: CALLBACK,
    action: "on-status",
    messageId: header.message_id,
    correlationId: input.correlationId,
    transactionId: input.asked.transaction_id ?? "",
    status: "PENDING",
    itemCount: message.disburse_status.length,
    body: { signature, header, message },
    url: `${callbackBase.replace(/\/+$/, "")}${CALLBACK}`,
    nextAttemptAt: input.now,
  });
}
