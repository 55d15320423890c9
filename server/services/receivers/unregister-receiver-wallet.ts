import { and, eq, sql } from "drizzle-orm";
import type { z } from "zod";
import { payments, receiverWallets } from "@/db/schema";
import type { StatusHistoryEntry } from "@/server/domain/disbursement-types";
import { canTransition, RECEIVER_WALLET_TRANSITIONS } from "@/server/domain/state-machines";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";
import { unregisterReceiverWalletInput } from "@/server/schemas/receivers.schema";

export { unregisterReceiverWalletInput } from "@/server/schemas/receivers.schema";

/**
 * Staff: unregister a receiver wallet (REGISTERED → READY), clearing its address so the receiver can
 * register again; refused while any payment of the wallet is PENDING on the network.
 */
export async function unregisterReceiverWallet(ctx: OrgContext, raw: z.input<typeof unregisterReceiverWalletInput>) {
  assertCan(ctx, "receivers:write");
  const parsed = unregisterReceiverWalletInput.safeParse(raw);
  if (!parsed.success) throw notFound("The receiver wallet");
  const { receiverWalletId } = parsed.data;
  return ctx.db.transaction(async (tx) => {
    const [rw] = await tx
      .select()
      .from(receiverWallets)
      .where(and(eq(receiverWallets.id, receiverWalletId), eq(receiverWallets.orgId, ctx.org.id)))
      .for("update");
    if (!rw) throw notFound("The receiver wallet");
    // A bank account (or a Mojaloop phone) came from the instructions, not from a registration: a new file changes it.
    if (rw.walletId === null) {
      const what = rw.destinationKind === "MSISDN" ? "A phone number paid through a Mojaloop switch" : "A bank account";
      throw conflict(`${what} is not registered by the receiver; upload instructions with the new one instead.`, undefined, "INVALID_STATE");
    }
    if (rw.status !== "REGISTERED" || !canTransition(RECEIVER_WALLET_TRANSITIONS, rw.status, "READY")) {
      throw conflict("Only a registered wallet can be unregistered.", undefined, "INVALID_TRANSITION");
    }
    const [inFlight] = await tx
      .select({ n: sql<number>`count(*)::int` })
      .from(payments)
      .where(and(eq(payments.receiverWalletId, rw.id), eq(payments.orgId, ctx.org.id), eq(payments.status, "PENDING")));
    if ((inFlight?.n ?? 0) > 0) throw conflict("This wallet has a payment in flight; wait until it settles before unregistering.", undefined, "INVALID_STATE");
    const now = new Date();
    const entry = JSON.stringify([{ user_id: ctx.actor.userId, status: "READY", timestamp: now.toISOString() } satisfies StatusHistoryEntry]);
    const [updated] = await tx
      .update(receiverWallets)
      .set({
        status: "READY",
        destinationKind: null,
        destinationValue: null,
        destinationMemo: null,
        destinationDetails: null,
        statusHistory: sql`${receiverWallets.statusHistory} || ${entry}::jsonb`,
        otpHash: null,
        otpExpiresAt: null,
        otpAttempts: 0,
        otpConfirmedAt: null,
        updatedAt: now,
      })
      .where(eq(receiverWallets.id, rw.id))
      .returning({ id: receiverWallets.id, status: receiverWallets.status });
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "receiver_wallet.unregistered",
      targetId: rw.id,
      details: { receiver_id: rw.receiverId },
    });
    return { id: updated!.id, status: updated!.status };
  });
}
