import { and, eq, inArray, sql } from "drizzle-orm";
import type { z } from "zod";
import { changeDisbursementStatusInput } from "@/server/schemas/disbursements.schema";
import type { DbOrTx } from "@/db/client";
import { assets, disbursements, organizations, payments, receiverWallets, wallets } from "@/db/schema";
import type { DisbursementStatus } from "@/server/domain/disbursement-types";
import { formatStroops, toStroops } from "@/server/domain/money";
import { APPROVAL_REQUIRED_MESSAGE, authoredDraftOrReady } from "@/server/domain/disbursement-actions";
import { envelopeStartBlock } from "@/server/domain/g2p/envelope-rules";
import { DISBURSEMENT_TRANSITIONS, canTransition, transitionError } from "@/server/domain/state-machines";
import { assertCan, type OrgContext } from "../context";
import { badRequest, conflict, forbidden, notFound } from "../errors";
import { completeDisbursementIfDone } from "./complete-if-done";
import { appendStatusHistory, loadEnvelopeState } from "./disbursement-view";
import { distributionBalanceProvider } from "./distribution-balance";
import { movePaymentStatus } from "@/server/payments/payment-state-writer";
import { readDisbursementTotals, readOrganizationTotals } from "@/server/payments/payment-totals";
import { getDisbursement } from "./get-disbursement";
import { applyDisbursementRouting, planDisbursementRouting } from "../routing/route-disbursement-payments";

export { changeDisbursementStatusInput };

/** Check that the distribution account covers this disbursement plus every other payment in flight in the asset. */
async function assertBalanceCovers(tx: DbOrTx, orgId: string, disbursementId: string, asset: { id: string; code: string; issuer: string }) {
  // From the maintained totals (db/schema/payment-totals.ts): no scan of the payments.
  const own = (await readDisbursementTotals(tx, orgId, [disbursementId])).get(disbursementId)!;
  const org = (await readOrganizationTotals(tx, orgId)).get(asset.id);
  const ownNeeded = toStroops(own.DRAFT.amount) + toStroops(own.READY.amount) + toStroops(own.PAUSED.amount);
  const inFlight = (["READY", "PENDING", "PAUSED"] as const).reduce((sum, s) => sum + toStroops(org?.[s].amount) - toStroops(own[s].amount), 0n);
  const needed = ownNeeded + inFlight;
  const available = await distributionBalanceProvider().availableStroops(orgId, asset);
  if (available < needed) {
    const shortfall = formatStroops(needed - available);
    throw conflict(
      `Insufficient balance: the distribution account is short of ${shortfall} ${asset.code}`,
      {
        available: formatStroops(available),
        required: formatStroops(needed),
        shortfall,
      },
      "INSUFFICIENT_BALANCE",
    );
  }
}

type LockedDisbursement = typeof disbursements.$inferSelect;

/**
 * Who starts: a person (subject to the two-person rule, named in the history) or the envelope
 * scheduler (no person: user_id null, no two-person rule).
 */
export type Starter = { userId: string } | { scheduler: true };

/**
 * READY → STARTED or PAUSED → STARTED of a disbursement locked by the caller, the one start
 * routine of people and the scheduler. Every check (envelope complete and due, two-person rule,
 * wallet enabled, balance) runs before anything is written, so a ServiceError leaves no trace.
 */
export async function startLockedDisbursement(tx: DbOrTx, orgId: string, d: LockedDisbursement, starter: Starter, now = new Date()) {
  if (!canTransition(DISBURSEMENT_TRANSITIONS, d.status, "STARTED")) {
    throw badRequest(
      transitionError("disbursement", DISBURSEMENT_TRANSITIONS, d.status, "STARTED"),
      {
        status: `allowed from ${d.status}: ${DISBURSEMENT_TRANSITIONS[d.status].join(", ") || "none"}`,
      },
      "INVALID_TRANSITION",
    );
  }
  const userId = "userId" in starter ? starter.userId : null;
  if (d.status === "READY") {
    // The envelope rules (G2P Bridge): complete and due. Resuming a PAUSED one is not a first start.
    const block = envelopeStartBlock(await loadEnvelopeState(tx, orgId, d), now);
    if (block) throw badRequest(block.message, { envelope: block.message }, block.reason);
    if (userId !== null) {
      const [org] = await tx.select().from(organizations).where(eq(organizations.id, orgId));
      if (org?.approvalRequired && authoredDraftOrReady(d.statusHistory, userId)) {
        throw forbidden(APPROVAL_REQUIRED_MESSAGE, "APPROVAL_REQUIRED");
      }
    }
  }
  // A bank-account disbursement has no wallet provider (docs/rails.md "Destinations").
  const [wallet] = d.walletId ? await tx.select().from(wallets).where(eq(wallets.id, d.walletId)) : [{ enabled: true, name: "" }];
  if (!wallet?.enabled) throw badRequest(`The wallet ${wallet?.name ?? ""} is disabled; enable it before starting.`.replace("  ", " "), undefined, "RESOURCE_DISABLED");
  const [asset] = await tx.select().from(assets).where(eq(assets.id, d.assetId));
  if (!asset) throw notFound("The disbursement's asset");
  await assertBalanceCovers(tx, orgId, d.id, asset);
  // The connection and rule of each payment to be paid; refuses (writing nothing) when one is unrouted.
  const routing = await planDisbursementRouting(tx, { org: { id: orgId } }, d);

  if (d.status === "READY") {
    await movePaymentStatus(tx, { orgId, disbursementId: d.id, from: ["DRAFT"], to: "READY", message: null, ...(routing.moveSet ? { set: routing.moveSet } : {}) });
    // Receivers who have not registered a wallet become READY for an invitation.
    const entry = JSON.stringify([{ user_id: userId, status: "READY", timestamp: new Date().toISOString() }]);
    await tx
      .update(receiverWallets)
      .set({ status: "READY", statusHistory: sql`${receiverWallets.statusHistory} || ${entry}::jsonb`, updatedAt: new Date() })
      .where(
        and(
          eq(receiverWallets.orgId, orgId),
          eq(receiverWallets.status, "DRAFT"),
          inArray(receiverWallets.id, tx.select({ id: payments.receiverWalletId }).from(payments).where(eq(payments.disbursementId, d.id))),
        ),
      );
  } else {
    await movePaymentStatus(tx, { orgId, disbursementId: d.id, from: ["PAUSED"], to: "READY", message: "resumed" });
  }
  await applyDisbursementRouting(tx, routing);
  await tx
    .update(disbursements)
    .set({ status: "STARTED", statusHistory: appendStatusHistory(disbursements.statusHistory, userId, "STARTED"), updatedAt: new Date() })
    .where(eq(disbursements.id, d.id));
  // An envelope whose payments were all cancelled one by one has nothing to send: done at once.
  await completeDisbursementIfDone(tx, orgId, d.id);
}

/**
 * Start, pause or resume a disbursement (docs/domain.md#disbursement), recording status_history in the
 * same transaction.
 */
export async function changeDisbursementStatus(ctx: OrgContext, raw: z.input<typeof changeDisbursementStatusInput>) {
  assertCan(ctx, "disbursements:start");
  const input = changeDisbursementStatusInput.parse(raw);
  await ctx.db.transaction(async (tx) => {
    const [d] = await tx
      .select()
      .from(disbursements)
      .where(and(eq(disbursements.id, input.id), eq(disbursements.orgId, ctx.org.id)))
      .for("no key update");
    if (!d) throw notFound("The disbursement");
    const target: DisbursementStatus = input.status;
    if (!canTransition(DISBURSEMENT_TRANSITIONS, d.status, target)) {
      throw badRequest(
        transitionError("disbursement", DISBURSEMENT_TRANSITIONS, d.status, target),
        {
          status: `allowed from ${d.status}: ${DISBURSEMENT_TRANSITIONS[d.status].join(", ") || "none"}`,
        },
        "INVALID_TRANSITION",
      );
    }
    if (target === "STARTED") {
      await startLockedDisbursement(tx, ctx.org.id, d, { userId: ctx.actor.userId });
      return;
    }
    await movePaymentStatus(tx, { orgId: ctx.org.id, disbursementId: d.id, from: ["READY"], to: "PAUSED", message: "disbursement paused" });
    await tx
      .update(disbursements)
      .set({ status: target, statusHistory: appendStatusHistory(disbursements.statusHistory, ctx.actor.userId, target), updatedAt: new Date() })
      .where(eq(disbursements.id, d.id));
  });
  return getDisbursement(ctx, input.id);
}

export const startDisbursement = (ctx: OrgContext, id: string) => changeDisbursementStatus(ctx, { id, status: "STARTED" });
export const pauseDisbursement = (ctx: OrgContext, id: string) => changeDisbursementStatus(ctx, { id, status: "PAUSED" });
