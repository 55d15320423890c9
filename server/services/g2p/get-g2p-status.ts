import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { g2pItems, g2pSenders, g2pTransactions, type G2pSender } from "@/db/schema";
import { G2P_TRANSPORT_ERRORS } from "@/server/domain/g2p/codes";
import {
  REVISION_2023_03_ERRORS,
  REVISION_2023_03_VERSION,
  isRevision202303StatusGet,
  parseHttpDateHeader,
  revision202303ErrorCode,
  revision202303HeaderStatus,
  revision202303Item,
  revision202307Item,
} from "@/server/domain/g2p/revisions";
import { logger } from "@/server/log";
import { G2pRefused, authenticateG2pKey, requireG2pScope, requireTokenSender } from "./g2p-refusal";
import { callbackHeader, completedCount, disburseHeaderStatus, errorAnswer, g2pJsonResponse, orgSlug, signedBody, wireItem } from "./g2p-answers";
import { loadItemStatuses, type ItemStatusRow } from "./item-views";
import { platformSigningKey, signG2pMessage } from "./signature";

/**
 * `GET /disburse/status/{transaction_id}/{summary_only}` and `GET /disburse/status/{reference_id}`:
 * a GET carries no signed message, so the API key alone (read:disbursements) authorizes it. The
 * answer is the on-disburse body, signed by us. `?sender_id=` chooses the sender; without it the
 * id is looked up among all of the organization's senders (409 when more than one has it).
 *
 * The same lookups answer in the bodies of the older revisions (docs/g2p-connect.md, "Revisions"):
 * the 2023-03 status bodies when the request sends that revision's `timestamp` HTTP header, and
 * the 2023-07 bodies on `GET /disburse/search/{transaction_id}/{summary_only}` and
 * `GET /disburse/search/{reference_id}`.
 */

type Answer = { status: number; body: unknown };

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

const param = (params: Record<string, string | string[] | undefined>, name: string) => {
  const v = params[name];
  return typeof v === "string" ? v : "";
};

/** `GET /disburse/status/{transaction_id}/{summary_only}`: v1.0.0-style, or 2023-03 with the `timestamp` header. */
export async function g2pStatusByTransactionHandler(request: Request, context: RouteContext): Promise<Response> {
  const params = await context.params;
  const revision = isRevision202303StatusGet(request.headers) ? "2023-03" : "v1";
  const answer = await getG2pStatus(getDb(), request, { kind: "transaction", id: param(params, "id"), summaryOnly: param(params, "summary") }, new Date(), revision);
  return g2pJsonResponse(answer.body, answer.status);
}

/** `GET /disburse/status/{reference_id}`: v1.0.0-style, or 2023-03 with the `timestamp` header. */
export async function g2pStatusByReferenceHandler(request: Request, context: RouteContext): Promise<Response> {
  const params = await context.params;
  const revision = isRevision202303StatusGet(request.headers) ? "2023-03" : "v1";
  const answer = await getG2pStatus(getDb(), request, { kind: "reference", id: param(params, "id") }, new Date(), revision);
  return g2pJsonResponse(answer.body, answer.status);
}

/** The 2023-07 `GET /disburse/search/{transaction_id}/{summary_only}`. */
export async function g2pSearchByTransactionHandler(request: Request, context: RouteContext): Promise<Response> {
  const params = await context.params;
  const answer = await getG2pStatus(getDb(), request, { kind: "transaction", id: param(params, "id"), summaryOnly: param(params, "summary") }, new Date(), "2023-07");
  return g2pJsonResponse(answer.body, answer.status);
}

/** The 2023-07 `GET /disburse/search/{reference_id}`. */
export async function g2pSearchByReferenceHandler(request: Request, context: RouteContext): Promise<Response> {
  const params = await context.params;
  const answer = await getG2pStatus(getDb(), request, { kind: "reference", id: param(params, "id") }, new Date(), "2023-07");
  return g2pJsonResponse(answer.body, answer.status);
}

/** A `timestamp` header that is not a date (2023-03 answers it with ERR_INVALID_TIMESTAMP). */
class TimestampRefused extends G2pRefused {
  constructor(message: string) {
    super(G2P_TRANSPORT_ERRORS.requestBad, message, 400);
  }
}

export type StatusQuery = { kind: "transaction"; id: string; summaryOnly: string } | { kind: "reference"; id: string };

/** Which revision's bodies a GET answers: v1.0.0-style (on-disburse), 2023-03 (status) or 2023-07 (search). */
export type StatusRevision = "v1" | "2023-03" | "2023-07";

export async function getG2pStatus(db: Db, request: Request, query: StatusQuery, now = new Date(), revision: StatusRevision = "v1"): Promise<Answer> {
  const reference = randomUUID();
  let callerOrgId: string | null = null;
  try {
    const ctx = await authenticateG2pKey(db, request);
    callerOrgId = ctx.org.id;
    requireG2pScope(ctx, "read:disbursements", "a status query");
    if (revision !== "v1") {
      // Both revisions require the `timestamp` header (an HTTP date); a GET changes nothing, so its
      // age is not checked (there is no replay to stop), only that it is a date.
      const stamp = request.headers.get("timestamp");
      if (stamp !== null && parseHttpDateHeader(stamp) === null) {
        throw new TimestampRefused(`The timestamp header "${stamp.slice(0, 60)}" is not an HTTP date such as "Tue, 06 Mar 2020 21:00:00 GMT".`);
      }
    }
    const id = query.id.trim();
    if (id === "" || id.length > 99) throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, "The id in the path must be 1 to 99 characters.", 400);
    let summaryOnly = false;
    if (query.kind === "transaction") {
      const flag = query.summaryOnly.toLowerCase();
      if (flag !== "true" && flag !== "false") throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, "summary_only must be true or false.", 400);
      summaryOnly = flag === "true";
    }

    const orgId = ctx.org.id;
    const senderId = new URL(request.url).searchParams.get("sender_id");
    let chosen: G2pSender | undefined;
    if (senderId) {
      [chosen] = await db
        .select()
        .from(g2pSenders)
        .where(and(eq(g2pSenders.orgId, orgId), eq(g2pSenders.senderId, senderId)));
      if (!chosen) throw new G2pRefused(G2P_TRANSPORT_ERRORS.senderIdInvalid, `sender_id "${senderId}" is not a sender of this organization.`, 403);
    }
    // An access token acts for its own sender only: other senders' ids are not found.
    if (ctx.g2pSenderRowId !== undefined) {
      if (chosen) requireTokenSender(ctx, chosen);
      else
        [chosen] = await db
          .select()
          .from(g2pSenders)
          .where(and(eq(g2pSenders.orgId, orgId), eq(g2pSenders.id, ctx.g2pSenderRowId)));
    }

    // Which senders have this id (one sender's transaction and reference ids are unique).
    const owners =
      query.kind === "transaction"
        ? await db
            .select({ senderRowId: g2pTransactions.senderRowId })
            .from(g2pTransactions)
            .where(and(eq(g2pTransactions.orgId, orgId), eq(g2pTransactions.transactionId, id), ...(chosen ? [eq(g2pTransactions.senderRowId, chosen.id)] : [])))
        : await db
            .select({ senderRowId: g2pItems.senderRowId })
            .from(g2pItems)
            .where(and(eq(g2pItems.orgId, orgId), eq(g2pItems.referenceId, id), ...(chosen ? [eq(g2pItems.senderRowId, chosen.id)] : [])));
    if (owners.length === 0) {
      throw new G2pRefused(
        G2P_TRANSPORT_ERRORS.notFound,
        `No ${query.kind === "transaction" ? "transaction" : "item"} "${id}" was received${chosen ? " from this sender" : ""} (${query.kind === "transaction" ? "rjct.transaction_id.not_found" : "rjct.reference_id.not_found"}).`,
        404,
      );
    }
    if (owners.length > 1) {
      throw new G2pRefused(G2P_TRANSPORT_ERRORS.requestBad, `More than one sender used "${id}"; add ?sender_id=<sender_id> to choose one.`, 409);
    }
    const [sender] = chosen
      ? [chosen]
      : await db
          .select()
          .from(g2pSenders)
          .where(and(eq(g2pSenders.orgId, orgId), eq(g2pSenders.id, owners[0]!.senderRowId)));
    if (!sender) throw new Error("the sender of a G2P transaction is missing");

    const rows = await loadItemStatuses(
      db,
      orgId,
      sender.id,
      query.kind === "transaction" ? { kind: "transaction", transactionId: id } : { kind: "references", referenceIds: [id] },
    );
    const slug = await orgSlug(db, orgId);
    if (revision !== "v1") return { status: 200, body: revisionAnswer(revision, query, id, summaryOnly, rows, slug, sender.senderId, now) };
    const statuses = rows.map((r) => r.status);
    const header = callbackHeader({
      orgSlug: slug,
      receiverId: sender.senderId,
      action: "on-disburse",
      status: disburseHeaderStatus(statuses),
      totalCount: rows.length,
      completedCount: completedCount(statuses),
      now,
    });
    const transactionId = query.kind === "transaction" ? id : (rows[0]?.transaction_id ?? "");
    return {
      status: 200,
      body: signedBody(header, { transaction_id: transactionId, disbursements_status: summaryOnly ? [] : rows.map((r) => wireItem(r)) }),
    };
  } catch (error) {
    if (error instanceof G2pRefused) {
      if (revision !== "v1") return revisionRefusal(db, callerOrgId, revision, query, error, now);
      return { status: error.httpStatus, body: errorAnswer(error.httpStatus, reference, { code: error.code, message: error.message }, now) };
    }
    logger.error({ err: error, reference }, "g2p status query failed");
    const message = "The status could not be read; try again later.";
    if (revision !== "v1") return revisionRefusal(db, callerOrgId, revision, query, new G2pRefused(G2P_TRANSPORT_ERRORS.serviceUnavailable, message, 500), now);
    return {
      status: 500,
      body: errorAnswer(500, reference, { code: G2P_TRANSPORT_ERRORS.serviceUnavailable, message }, now),
    };
  }
}

/* ---------------------------------------------------------------- the older revisions' bodies */

/** Sign a revision's `{header, message}` with the platform key as `<org slug>|platform` (as signedBody does for v1.0.0). */
function signedRevisionBody(header: { sender_id: string } & Record<string, unknown>, message: Record<string, unknown> | undefined) {
  const signature = signG2pMessage(header, message, { keyId: `${header.sender_id}|platform`, privateKey: platformSigningKey().privateKey });
  return message === undefined ? { signature, header } : { signature, header, message };
}

type HeaderFacts = { status: string; reasonCode?: string; reasonMessage?: string; total: number; completed: number };

/** The header of a GET answer in `revision`'s spelling (2023-03 `MsgCallbackReqHeader`, 2023-07 `MsgCallbackHeader`). */
function revisionHeader(revision: "2023-03" | "2023-07", slug: string, receiverId: string | undefined, facts: HeaderFacts, now: Date) {
  const reason = {
    ...(facts.reasonCode ? { status_reason_code: facts.reasonCode } : {}),
    ...(facts.reasonMessage ? { status_reason_message: facts.reasonMessage.slice(0, 999) } : {}),
  };
  const counts = { total_count: facts.total, completed_count: facts.completed };
  const parties = { sender_id: slug, ...(receiverId ? { receiver_id: receiverId } : {}) };
  if (revision === "2023-03") {
    return {
      version: REVISION_2023_03_VERSION,
      message_id: randomUUID(),
      timestamp: now.toISOString(),
      action: "status",
      status: facts.status,
      ...reason,
      ...counts,
      ...parties,
    };
  }
  return {
    version: REVISION_2023_03_VERSION,
    message_id: randomUUID(),
    message_ts: now.toISOString(),
    action: "search",
    status: facts.status,
    ...reason,
    ...counts,
    ...parties,
    is_encrypted: false,
  };
}

function revisionAnswer(
  revision: "2023-03" | "2023-07",
  query: StatusQuery,
  id: string,
  summaryOnly: boolean,
  rows: readonly ItemStatusRow[],
  slug: string,
  receiverId: string,
  now: Date,
) {
  const statuses = rows.map((r) => r.status);
  const completed = completedCount(statuses);
  if (revision === "2023-03") {
    const header = revisionHeader(revision, slug, receiverId, { status: revision202303HeaderStatus(statuses), total: rows.length, completed }, now);
    // summary_only: "only the message header with stats / status".
    const message =
      query.kind === "reference"
        ? { disburse_status: revision202303Item(rows[0]!) }
        : summaryOnly
          ? { transaction_id: id }
          : { transaction_id: id, disburse_status: rows.map(revision202303Item) };
    return signedRevisionBody(header, message);
  }
  const header = revisionHeader(revision, slug, receiverId, { status: disburseHeaderStatus(statuses), total: rows.length, completed }, now);
  const transactionId = query.kind === "transaction" ? id : (rows[0]?.transaction_id ?? "");
  return signedRevisionBody(header, { transaction_id: transactionId, disbursements_status: summaryOnly ? [] : rows.map(revision202307Item) });
}

/**
 * A refused GET in a revision's bodies: 401, 403 and 500 answer that revision's HttpErrorResponse
 * `{error: {code, message}}` (2023-03 `ERR_*` codes, 2023-07 `err.*`); the others (400, 404, 409)
 * answer the path's status body with a rejected header, which is what its `default` response is.
 */
async function revisionRefusal(db: Db, orgId: string | null, revision: "2023-03" | "2023-07", query: StatusQuery, refusal: G2pRefused, now: Date): Promise<Answer> {
  const status = refusal.httpStatus;
  const httpError = () => ({
    status,
    body: { error: { code: revision === "2023-03" ? revision202303ErrorCode(refusal.code) : refusal.code, message: refusal.message.slice(0, 999) } },
  });
  // The status body is signed by the organization, so it answers only a caller already known.
  if (status === 401 || status === 403 || status >= 500 || orgId === null) return httpError();
  let slug: string;
  try {
    slug = await orgSlug(db, orgId);
  } catch {
    return httpError();
  }
  const notFound = status === 404;
  const id = query.id.trim().slice(0, 99);
  const stamp = now.toISOString();
  if (revision === "2023-03") {
    const code = notFound
      ? query.kind === "transaction"
        ? "UKWN_TRANSACTION_ID_NOT_FOUND"
        : "UKWN_REFERENCE_ID_NOT_FOUND"
      : refusal instanceof TimestampRefused
        ? REVISION_2023_03_ERRORS.invalidTimestamp
        : revision202303ErrorCode(refusal.code);
    const header = revisionHeader(revision, slug, undefined, { status: "REJECTED", reasonCode: code, reasonMessage: refusal.message, total: 0, completed: 0 }, now);
    const message = !notFound
      ? undefined
      : query.kind === "transaction"
        ? { transaction_id: id, disburse_status: [] }
        : { disburse_status: { reference_id: id, timestamp: stamp, status: "RJCT", status_reason_code: code, status_reason_message: refusal.message.slice(0, 999) } };
    return { status, body: signedRevisionBody(header, message) };
  }
  // 2023-07: MsgHeaderStatusReasonCode has no code for these, so the code leads the message.
  const ours = notFound ? (query.kind === "transaction" ? "rjct.transaction_id.not_found" : "rjct.reference_id.not_found") : refusal.code;
  const reasonMessage = refusal.message.startsWith(ours) ? refusal.message : `${ours}: ${refusal.message}`;
  const header = revisionHeader(revision, slug, undefined, { status: "rjct", reasonMessage, total: 0, completed: 0 }, now);
  const records =
    notFound && query.kind === "reference" ? [{ reference_id: id, timestamp: stamp, status: "rjct", status_reason_message: reasonMessage.slice(0, 999) }] : [];
  return { status, body: signedRevisionBody(header, { transaction_id: query.kind === "transaction" ? id : "", disbursements_status: records }) };
}
