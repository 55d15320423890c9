import { and, eq, isNotNull, isNull } from "drizzle-orm";
import type { z } from "zod";
import { receiverVerifications, receiverWallets, receivers } from "@/db/schema";
import { recordAuditEvent } from "../audit/record-audit-event";
import { assertCan, type OrgContext } from "../context";
import { conflict, notFound } from "../errors";
import { unlockReceiverInput } from "@/server/schemas/receivers.schema";

export { unlockReceiverInput } from "@/server/schemas/receivers.schema";

/**
 * Staff: unlock a receiver's registration (docs/security.md, "Receivers' secrets"). Clears the
 * one-time code lock and daily counters of every wallet of the receiver (server/domain/otp-caps.ts)
 * and the verification-value lock (attempts, failed_at) of every value not yet confirmed, so the
 * receiver can ask for a code and verify again. Refused when nothing is locked.
 */
export async function unlockReceiver(ctx: OrgContext, raw: z.input<typeof unlockReceiverInput>) {
  assertCan(ctx, "receivers:write");
  const parsed = unlockReceiverInput.safeParse(raw);
  if (!parsed.success) throw notFound("The receiver");
  const now = new Date();
  return ctx.db.transaction(async (tx) => {
    const [r] = await tx
      .select({ id: receivers.id })
      .from(receivers)
      .where(and(eq(receivers.id, parsed.data.id), eq(receivers.orgId, ctx.org.id)))
      .for("update");
    if (!r) throw notFound("The receiver");
    const lockedWallets = await tx
      .select({ id: receiverWallets.id })
      .from(receiverWallets)
      .where(and(eq(receiverWallets.receiverId, r.id), eq(receiverWallets.orgId, ctx.org.id), isNotNull(receiverWallets.otpLockedAt)))
      .for("update");
    const lockedValues = await tx
      .select({ field: receiverVerifications.verificationField })
      .from(receiverVerifications)
      .where(
        and(
          eq(receiverVerifications.receiverId, r.id),
          eq(receiverVerifications.orgId, ctx.org.id),
          isNull(receiverVerifications.confirmedAt),
          isNotNull(receiverVerifications.failedAt),
        ),
      )
      .for("update");
    if (lockedWallets.length === 0 && lockedValues.length === 0) throw conflict("This receiver's registration is not locked.", undefined, "INVALID_STATE");
    await tx
      .update(receiverWallets)
      .set({ otpLockedAt: null, otpDayStartedAt: null, otpCodesToday: 0, otpGuessesToday: 0, otpAttempts: 0, updatedAt: now })
      .where(and(eq(receiverWallets.receiverId, r.id), eq(receiverWallets.orgId, ctx.org.id)));
    await tx
      .update(receiverVerifications)
      .set({ attempts: 0, failedAt: null, updatedAt: now })
      .where(and(eq(receiverVerifications.receiverId, r.id), eq(receiverVerifications.orgId, ctx.org.id), isNull(receiverVerifications.confirmedAt)));
    await recordAuditEvent(tx, {
      orgId: ctx.org.id,
      actorUserId: ctx.actor.userId,
      action: "receiver.unlocked",
      targetId: r.id,
      details: {
        receiver_wallet_ids: lockedWallets.map((w) => w.id),
        verification_fields: lockedValues.map((v) => v.field),
        ...(ctx.apiKeyId ? { api_key_id: ctx.apiKeyId } : {}),
      },
    });
    return { id: r.id, unlocked_wallets: lockedWallets.length, unlocked_verifications: lockedValues.map((v) => v.field) };
  });
}
