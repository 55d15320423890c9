import { and, eq, inArray, sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { prefixRange, searchKeys } from "@/server/domain/search-keys";
import { payments, receivers, receiverWallets } from "@/db/schema";
import { assertCan, type OrgContext } from "../context";
import { boundedPage, createdAtConditions, keysetPage, SEARCH_CAP, type KeyPart, type KeysetPagination } from "../pagination";
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

const RECEIVER_SORT_KEYS: Record<z.output<typeof listReceiversInput>["sort"], KeyPart[]> = {
  created_at: [
    { expr: sql`r.created_at`, type: "timestamptz" },
    { expr: sql`r.id`, type: "uuid" },
  ],
  updated_at: [
    { expr: sql`r.updated_at`, type: "timestamptz" },
    { expr: sql`r.id`, type: "uuid" },
  ],
  external_id: [
    { expr: sql`r.external_id`, type: "text" },
    { expr: sql`r.id`, type: "uuid" },
  ],
};

/**
 * The organization's receivers, one page by keyset on the sort's index (migration 0007). Search is
 * by prefix of the phone number, email or external id, exact matches first, bounded to SEARCH_CAP.
 */
export async function listReceivers(ctx: OrgContext, raw: z.input<typeof listReceiversInput>) {
  assertCan(ctx, "disbursements:read");
  const input = listReceiversInput.parse(raw);
  const orgId = ctx.org.id;
  const keys = RECEIVER_SORT_KEYS[input.sort];
  const shape = {
    list: "receivers",
    orgId,
    sort: input.sort,
    dir: input.direction,
    after: input.created_at_after,
    before: input.created_at_before,
    status: input.status,
  };
  // SDP's filters: created_at range, and receivers with a wallet in `status` (receiver_wallets_receiver_wallet_key).
  const filters: SQL[] = createdAtConditions(sql`r.created_at`, input);
  if (input.status) {
    filters.push(sql`exists (select 1 from receiver_wallets rw where rw.receiver_id = r.id and rw.status = ${input.status}::receiver_wallet_status)`);
  }
  const extra = filters.length ? sql` and ${sql.join(filters, sql` and `)}` : sql``;
  let ids: string[];
  let pagination: KeysetPagination;
  if (input.q) {
    const k = searchKeys(input.q);
    const text = prefixRange(k.text);
    const branches: SQL[] = [
      sql`(select r.id, lower(r.external_id) = ${k.text} as exact from receivers r
          where r.org_id = ${orgId} and lower(r.external_id) ~>=~ ${text.from} and lower(r.external_id) ~<~ ${text.to}
          order by lower(r.external_id) using ~<~ limit ${SEARCH_CAP})`,
    ];
    if (!/\s/.test(k.text)) {
      branches.push(sql`(select r.id, r.email = ${k.text} as exact from receivers r
          where r.org_id = ${orgId} and r.email is not null and r.email ~>=~ ${text.from} and r.email ~<~ ${text.to}
          order by r.email using ~<~ limit ${SEARCH_CAP})`);
    }
    if (k.phone) {
      const phone = prefixRange(k.phone);
      branches.push(sql`(select r.id, r.phone_number = ${k.phone} as exact from receivers r
          where r.org_id = ${orgId} and r.phone_number is not null and r.phone_number ~>=~ ${phone.from} and r.phone_number ~<~ ${phone.to}
          order by r.phone_number using ~<~ limit ${SEARCH_CAP})`);
    }
    const dir = sql.raw(input.direction);
    const rows = await ctx.db.execute<{ id: string }>(sql`
      select r.id from (select id, bool_or(exact) as exact from (${sql.join(branches, sql` union all `)}) m group by id) u
      join receivers r on r.id = u.id
      where true${extra}
      order by u.exact desc, ${sql.join(
        keys.map((key) => sql`${key.expr} ${dir}`),
        sql`, `,
      )} limit ${SEARCH_CAP}`);
    const page = boundedPage(
      [...rows].map((r) => r.id),
      input,
      { ...shape, q: input.q },
    );
    ids = page.data;
    pagination = page.pagination;
  } else {
    // The maintained count (organization_receiver_counts, migration 0007): read, never counted; only
    // SDP's filters (asked for explicitly) count their rows.
    const [count] = await ctx.db.execute<{ n: number }>(
      filters.length
        ? sql`select count(*)::int as n from receivers r where r.org_id = ${orgId}${extra}`
        : sql`select coalesce((select receiver_count from organization_receiver_counts where org_id = ${orgId}), 0)::int as n`,
    );
    ({ ids, pagination } = await keysetPage(
      { db: ctx.db, branches: [sql`from receivers r where r.org_id = ${orgId}${extra}`], keys, direction: input.direction, shape, total: count?.n ?? 0 },
      input,
    ));
  }
  const rows = ids.length
    ? await ctx.db
        .select()
        .from(receivers)
        .where(and(eq(receivers.orgId, orgId), inArray(receivers.id, ids)))
    : [];
  const byId = new Map(rows.map((r) => [r.id, r]));
  const stats = await receiverStats(ctx, ids);
  return {
    pagination,
    data: ids
      .map((id) => byId.get(id))
      .filter((r) => r !== undefined)
      .map((r) => ({ ...receiverView(r), ...stats.get(r.id)! })),
  };
}
