import { and, asc, desc, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { messages, payments, receivers, receiverVerifications, receiverWallets, wallets } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
import { destinationView } from "../payments/payment-view";
import { receiverStats, receiverView } from "./list-receivers";

/** A receiver with wallets (and their status history) and verification status — never the values. */
export async function getReceiver(ctx: OrgContext, id: string) {
  assertCan(ctx, "disbursements:read");
  if (!z.uuid().safeParse(id).success) throw notFound("The receiver");
  const r = await ctx.db.query.receivers.findFirst({ where: and(eq(receivers.id, id), eq(receivers.orgId, ctx.org.id)) });
  if (!r) throw notFound("The receiver");
  const walletRows = await ctx.db
    .select({ rw: receiverWallets, w: { id: wallets.id, name: wallets.name } })
    .from(receiverWallets)
    // A bank account row has no wallet provider (docs/rails.md "Destinations").
    .leftJoin(wallets, eq(wallets.id, receiverWallets.walletId))
    .where(and(eq(receiverWallets.receiverId, r.id), eq(receiverWallets.orgId, ctx.org.id)))
    .orderBy(asc(receiverWallets.createdAt));
  const verifications = await ctx.db
    .select({
      field: receiverVerifications.verificationField,
      attempts: receiverVerifications.attempts,
      confirmedAt: receiverVerifications.confirmedAt,
      failedAt: receiverVerifications.failedAt,
      createdAt: receiverVerifications.createdAt,
      updatedAt: receiverVerifications.updatedAt,
    })
    .from(receiverVerifications)
    .where(and(eq(receiverVerifications.receiverId, r.id), eq(receiverVerifications.orgId, ctx.org.id)));
  const walletIds = walletRows.map(({ rw }) => rw.id);
  const inFlightRows = walletIds.length
    ? await ctx.db
        .select({ id: payments.receiverWalletId, n: sql<number>`count(*)::int` })
        .from(payments)
        .where(and(eq(payments.orgId, ctx.org.id), inArray(payments.receiverWalletId, walletIds), eq(payments.status, "PENDING")))
        .groupBy(payments.receiverWalletId)
    : [];
  const inFlight = new Map(inFlightRows.map((row) => [row.id, row.n]));
  // The messages sent to the receiver (never the body: it carries a live registration link).
  const messageRows = await ctx.db
    .select({
      id: messages.id,
      type: messages.type,
      channel: messages.channel,
      destination: messages.destination,
      status: messages.status,
      attempts: messages.attempts,
      lastError: messages.lastError,
      receiverWalletId: messages.receiverWalletId,
      createdAt: messages.createdAt,
    })
    .from(messages)
    .where(and(eq(messages.receiverId, r.id), eq(messages.orgId, ctx.org.id)))
    .orderBy(desc(messages.createdAt), desc(messages.id))
    .limit(100);
  const stats = (await receiverStats(ctx, [r.id])).get(r.id)!;
  return {
    ...receiverView(r),
    ...stats,
    /** A wallet's code lock or a verification-value lock: staff with receivers:write can unlock. */
    registration_locked: walletRows.some(({ rw }) => rw.otpLockedAt !== null) || verifications.some((v) => v.failedAt !== null && v.confirmedAt === null),
    wallets: walletRows.map(({ rw, w }) => ({
      id: rw.id,
      wallet: w,
      status: rw.status,
      stellar_address: rw.stellarAddress,
      stellar_memo: rw.stellarMemo,
      destination: destinationView(rw),
      status_history: rw.statusHistory,
      invitations_sent: rw.invitationsSent,
      last_invitation_at: rw.lastInvitationAt?.toISOString() ?? null,
      /** Payments of this wallet submitted to the network: while any, it cannot be unregistered. */
      payments_in_flight: inFlight.get(rw.id) ?? 0,
      /** Registration locked past the daily one-time code caps (server/domain/otp-caps.ts); staff unlock it. */
      otp_locked: rw.otpLockedAt !== null,
      otp_locked_at: rw.otpLockedAt?.toISOString() ?? null,
      created_at: rw.createdAt.toISOString(),
      updated_at: rw.updatedAt.toISOString(),
    })),
    verifications: verifications.map((v) => ({
      verification_field: v.field,
      confirmed: v.confirmedAt !== null,
      confirmed_at: v.confirmedAt?.toISOString() ?? null,
      attempts: v.attempts,
      locked: v.failedAt !== null,
      failed_at: v.failedAt?.toISOString() ?? null,
      receiver_id: r.id,
      created_at: v.createdAt.toISOString(),
      updated_at: v.updatedAt.toISOString(),
    })),
    messages: messageRows.map((m) => ({
      id: m.id,
      type: m.type,
      channel: m.channel,
      destination: m.destination,
      status: m.status,
      attempts: m.attempts,
      last_error: m.lastError,
      receiver_wallet_id: m.receiverWalletId,
      created_at: m.createdAt.toISOString(),
    })),
  };
}
