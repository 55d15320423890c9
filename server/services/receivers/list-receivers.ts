import { and, asc, count, desc, eq, ilike, inArray, or, sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { payments, receivers, receiverWallets } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { containsPattern, paginate } from "../pagination";
import { listReceiversInput } from "@/server/schemas/receivers.schema";

export { listReceiversInput };

/** Per-receiver payment and wallet counts, computed in SQL for the given receivers. */
export async function receiverStats(ctx: OrgContext, ids: string[]) {
  if (ids.length === 0)
    return new Map<
      string,
      { total_payments: number; successful_payments: number; failed_payments: number; remaining_payments: number; registered_wallets: number; wallets: number }
    >();
  const pay = await ctx.db
    .select({
      receiverId: payments.receiverId,
      total: sql<number>`count(*)::int`,
      success: sql<number>`count(*) filter (where ${payments.status} = 'SUCCESS')::int`,
      failed: sql<number>`count(*) filter (where ${payments.status} = 'FAILED')::int`,
      remaining: sql<number>`count(*) filter (where ${payments.status} in ('DRAFT','READY','PENDING','PAUSED'))::int`,
    })
    .from(payments)
    .where(and(eq(payments.orgId, ctx.org.id), inArray(payments.receiverId, ids)))
    .groupBy(payments.receiverId);
  const wal = await ctx.db
    .select({
      receiverId: receiverWallets.receiverId,
      total: sql<number>`count(*)::int`,
      registered: sql<number>`count(*) filter (where ${receiverWallets.status} = 'REGISTERED')::int`,
    })
    .from(receiverWallets)
    .where(and(eq(receiverWallets.orgId, ctx.org.id), inArray(receiverWallets.receiverId, ids)))
    .groupBy(receiverWallets.receiverId);
  const payBy = new Map(pay.map((p) => [p.receiverId, p]));
  const walBy = new Map(wal.map((w) => [w.receiverId, w]));
  return new Map(
    ids.map((id) => {
      const p = payBy.get(id);
      const w = walBy.get(id);
      return [
        id,
        {
          total_payments: p?.total ?? 0,
          successful_payments: p?.success ?? 0,
          failed_payments: p?.failed ?? 0,
          remaining_payments: p?.remaining ?? 0,
          wallets: w?.total ?? 0,
          registered_wallets: w?.registered ?? 0,
        },
      ];
    }),
  );
}

export function receiverView(r: typeof receivers.$inferSelect) {
  return {
    id: r.id,
    external_id: r.externalId,
    phone_number: r.phoneNumber,
    email: r.email,
    created_at: r.createdAt.toISOString(),
    updated_at: r.updatedAt.toISOString(),
  };
}

export async function listReceivers(ctx: OrgContext, raw: z.input<typeof listReceiversInput>) {
  assertCan(ctx, "disbursements:read");
  const input = listReceiversInput.parse(raw);
  const where: SQL[] = [eq(receivers.orgId, ctx.org.id)];
  if (input.q) {
    const like = containsPattern(input.q.toLowerCase());
    where.push(or(ilike(receivers.phoneNumber, like), ilike(receivers.email, like), ilike(receivers.externalId, like))!);
  }
  const column = { created_at: receivers.createdAt, updated_at: receivers.updatedAt, external_id: receivers.externalId }[input.sort];
  const [total] = await ctx.db
    .select({ n: count() })
    .from(receivers)
    .where(and(...where));
  const rows = await ctx.db
    .select()
    .from(receivers)
    .where(and(...where))
    .orderBy(input.direction === "asc" ? asc(column) : desc(column), asc(receivers.id))
    .limit(input.page_limit)
    .offset((input.page - 1) * input.page_limit);
  const stats = await receiverStats(
    ctx,
    rows.map((r) => r.id),
  );
  return paginate(
    rows.map((r) => ({ ...receiverView(r), ...stats.get(r.id)! })),
    total?.n ?? 0,
    input,
  );
}
