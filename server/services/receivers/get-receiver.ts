import { and, asc, eq } from "drizzle-orm";
import { z } from "zod";
import { receivers, receiverVerifications, receiverWallets, wallets } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { notFound } from "../errors";
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
    .innerJoin(wallets, eq(wallets.id, receiverWallets.walletId))
    .where(and(eq(receiverWallets.receiverId, r.id), eq(receiverWallets.orgId, ctx.org.id)))
    .orderBy(asc(receiverWallets.createdAt));
  const verifications = await ctx.db
    .select({
      field: receiverVerifications.verificationField,
      attempts: receiverVerifications.attempts,
      confirmedAt: receiverVerifications.confirmedAt,
      failedAt: receiverVerifications.failedAt,
      updatedAt: receiverVerifications.updatedAt,
    })
    .from(receiverVerifications)
    .where(and(eq(receiverVerifications.receiverId, r.id), eq(receiverVerifications.orgId, ctx.org.id)));
  const stats = (await receiverStats(ctx, [r.id])).get(r.id)!;
  return {
    ...receiverView(r),
    ...stats,
    wallets: walletRows.map(({ rw, w }) => ({
      id: rw.id,
      wallet: w,
      status: rw.status,
      stellar_address: rw.stellarAddress,
      stellar_memo: rw.stellarMemo,
      status_history: rw.statusHistory,
      created_at: rw.createdAt.toISOString(),
      updated_at: rw.updatedAt.toISOString(),
    })),
    verifications: verifications.map((v) => ({
      verification_field: v.field,
      confirmed: v.confirmedAt !== null,
      confirmed_at: v.confirmedAt?.toISOString() ?? null,
      attempts: v.attempts,
      locked: v.failedAt !== null,
      updated_at: v.updatedAt.toISOString(),
    })),
  };
}
