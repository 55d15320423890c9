import { and, eq } from "drizzle-orm";
import { disbursements } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { badRequest, notFound } from "../errors";
import { markPaymentsCanceled } from "../payments/mark-payments-canceled";
import { listMojaloopPayees, loadMojaloopRouting } from "./mojaloop-payees";

/** Before start the payments of a DRAFT or READY disbursement are DRAFT (READY only once started). */
const EXCLUDABLE_PAYMENT_STATUSES = ["DRAFT", "READY"] as const;

/** The most payments one exclusion cancels (a disbursement's payments are capped well below it). */
const EXCLUDE_MAX = 1_000_000;

export const EXCLUDED_NOT_FOUND_MESSAGE = "excluded before start: the Mojaloop switch knows no account for this phone number";
export const EXCLUDED_FAILED_MESSAGE = "excluded before start: the Mojaloop party lookup failed";

/**
 * "Exclude unresolved" of the Mojaloop preflight (docs/rails/mojaloop-preflight.md): cancel the payments,
 * routed to a Mojaloop connection, whose party lookup ended NOT_FOUND or FAILED, so the disbursement
 * starts with the payees the switch knows. Only before start (DRAFT or READY). The payment-cancel
 * permission and path (markPaymentsCanceled, the one payment-status writer, as cancelPayment and the
 * envelope cancel use) with a history entry per payment naming the reason, and one audit row, in one
 * transaction under the disbursement's row lock (so a start cannot run half way through it). Which
 * payments is decided here from the stored lookups, never taken from the browser.
 */
export async function excludeUnresolvedMojaloopPayees(ctx: OrgContext, disbursementId: string) {
  assertCan(ctx, "payments:cancel");
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(disbursementId)) throw notFound("The disbursement");
  return ctx.db.transaction(async (tx) => {
    const [d] = await tx
      .select({ id: disbursements.id, status: disbursements.status, name: disbursements.name })
      .from(disbursements)
      .where(and(eq(disbursements.id, disbursementId), eq(disbursements.orgId, ctx.org.id)))
      .for("no key update");
    if (!d) throw notFound("The disbursement");
    if (d.status !== "DRAFT" && d.status !== "READY") {
      throw badRequest(
        `Unresolved payees can be excluded only before the disbursement starts; it is ${d.status}. Once started, a payee the switch does not know fails on its own.`,
        { status: `cannot exclude payees of a ${d.status} disbursement` },
        "INVALID_STATE",
      );
    }
    const routing = await loadMojaloopRouting(tx, ctx.org.id, d.id);
    if (!routing) throw notFound("The disbursement");
    const rows = await listMojaloopPayees(tx, routing, new Date(), { limit: EXCLUDE_MAX, onlyExcludable: true });
    const notFoundIds = rows.filter((r) => r.lookup_status === "NOT_FOUND").map((r) => r.payment_id);
    const failedIds = rows.filter((r) => r.lookup_status === "FAILED").map((r) => r.payment_id);
    const now = new Date();
    const cancelled = [
      ...(await markPaymentsCanceled(tx, ctx.org.id, { ids: notFoundIds }, EXCLUDABLE_PAYMENT_STATUSES, EXCLUDED_NOT_FOUND_MESSAGE, now)),
      ...(await markPaymentsCanceled(tx, ctx.org.id, { ids: failedIds }, EXCLUDABLE_PAYMENT_STATUSES, EXCLUDED_FAILED_MESSAGE, now)),
    ];
    if (cancelled.length > 0) {
      await recordAuditEvent(tx, {
        orgId: ctx.org.id,
        actorUserId: ctx.actor.userId,
        action: "disbursement.mojaloop_unresolved_excluded",
        targetId: d.id,
        details: {
          name: d.name,
          payments_cancelled: cancelled.length,
          not_found: notFoundIds.length,
          failed: failedIds.length,
          // The first ids, so the row stays small on a large disbursement; every payment's own history names the reason.
          payment_ids: cancelled.slice(0, 100),
          ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
        },
      });
    }
    return { disbursement_id: d.id, cancelled: cancelled.length, not_found: notFoundIds.length, failed: failedIds.length };
  });
}
