import { randomUUID } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { getDb, type Db } from "@/db/client";
import { g2pItems, g2pSenders, g2pTransactions, type G2pSender } from "@/db/schema";
import { G2P_TRANSPORT_ERRORS } from "@/server/domain/g2p/codes";
import { logger } from "@/server/log";
import { G2pRefused, authenticateG2pKey, requireG2pScope, requireTokenSender } from "./g2p-refusal";
import { callbackHeader, completedCount, disburseHeaderStatus, errorAnswer, g2pJsonResponse, orgSlug, signedBody, wireItem } from "./g2p-answers";
import { loadItemStatuses } from "./item-views";

/**
 * `GET /disburse/status/{transaction_id}/{summary_only}` and `GET /disburse/status/{reference_id}`:
 * a GET carries no signed message, so the API key alone (read:disbursements) authorizes it. The
 * answer is the on-disburse body, signed by us. `?sender_id=` chooses the sender; without it the
 * id is looked up among all of the organization's senders (409 when more than one has it).
 */

type Answer = { status: number; body: unknown };

type RouteContext = { params: Promise<Record<string, string | string[] | undefined>> };

const param = (params: Record<string, string | string[] | undefined>, name: string) => {
  const v = params[name];
  return typeof v === "string" ? v : "";
};

export async function g2pStatusByTransactionHandler(request: Request, context: RouteContext): Promise<Response> {
  const params = await context.params;
  const answer = await getG2pStatus(getDb(), request, { kind: "transaction", id: param(params, "id"), summaryOnly: param(params, "summary") });
  return g2pJsonResponse(answer.body, answer.status);
}

export async function g2pStatusByReferenceHandler(request: Request, context: RouteContext): Promise<Response> {
  const params = await context.params;
  const answer = await getG2pStatus(getDb(), request, { kind: "reference", id: param(params, "id") });
  return g2pJsonResponse(answer.body, answer.status);
}

export type StatusQuery = { kind: "transaction"; id: string; summaryOnly: string } | { kind: "reference"; id: string };

export async function getG2pStatus(db: Db, request: Request, query: StatusQuery, now = new Date()): Promise<Answer> {
  const reference = randomUUID();
  try {
    const ctx = await authenticateG2pKey(db, request);
    requireG2pScope(ctx, "read:disbursements", "a status query");
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
    const statuses = rows.map((r) => r.status);
    const header = callbackHeader({
      orgSlug: await orgSlug(db, orgId),
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
    if (error instanceof G2pRefused)
      return { status: error.httpStatus, body: errorAnswer(error.httpStatus, reference, { code: error.code, message: error.message }, now) };
    logger.error({ err: error, reference }, "g2p status query failed");
    return {
      status: 500,
      body: errorAnswer(500, reference, { code: G2P_TRANSPORT_ERRORS.serviceUnavailable, message: "The status could not be read; try again later." }, now),
    };
  }
}
