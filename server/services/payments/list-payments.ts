import { sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { PAYMENT_STATUSES, type PaymentStatus } from "@/server/domain/disbursement-types";
import { prefixRange, searchKeys } from "@/server/domain/search-keys";
import { readDisbursementTotals, readOrganizationTotals } from "@/server/payments/payment-totals";
import { listPaymentsInput } from "@/server/schemas/payments.schema";
import { assertCan, type OrgContext } from "../context";
import { badRequest } from "../errors";
import { boundedPage, createdAtConditions, keysetPage, SEARCH_CAP, type KeyPart } from "../pagination";
import { loadPaymentViews } from "./payment-view";

export { listPaymentsInput };

type Input = z.output<typeof listPaymentsInput>;

/** Each sort's key, ending with the id; each has an index ending with the same columns (migration 0007). */
const SORT_KEYS: Record<Input["sort"], KeyPart[]> = {
  created_at: [
    { expr: sql`p.created_at`, type: "timestamptz" },
    { expr: sql`p.id`, type: "uuid" },
  ],
  updated_at: [
    { expr: sql`p.updated_at`, type: "timestamptz" },
    { expr: sql`p.id`, type: "uuid" },
  ],
  amount: [
    { expr: sql`p.amount`, type: "numeric" },
    { expr: sql`p.id`, type: "uuid" },
  ],
  status: [
    { expr: sql`p.status`, type: "payment_status" },
    { expr: sql`p.created_at`, type: "timestamptz" },
    { expr: sql`p.id`, type: "uuid" },
  ],
  line_number: [
    { expr: sql`p.line_number`, type: "integer" },
    { expr: sql`p.id`, type: "uuid" },
  ],
};

function statusIn(statuses: readonly PaymentStatus[]): SQL {
  return sql`p.status = any(${sql.raw(`'{${statuses.join(",")}}'`)}::payment_status[])`;
}

/**
 * Payments of the organization (filters: status, disbursement, receiver; search `q`), one page.
 * Pages by keyset on the sort's index; `pagination.total` comes from the maintained totals (a
 * receiver's few payments are counted on their index; a search's total is its bounded result's size).
 */
export async function listPayments(ctx: OrgContext, raw: z.input<typeof listPaymentsInput>) {
  assertCan(ctx, "disbursements:read");
  const input = listPaymentsInput.parse(raw);
  if (input.sort === "line_number" && !input.disbursement_id) {
    throw badRequest("Sorting by line_number needs a disbursement_id.", { sort: "line_number (file order) sorts one disbursement's payments" });
  }
  const orgId = ctx.org.id;
  const scope: SQL[] = [sql`p.org_id = ${orgId}`];
  if (input.disbursement_id) scope.push(sql`p.disbursement_id = ${input.disbursement_id}`);
  if (input.receiver_id) scope.push(sql`p.receiver_id = ${input.receiver_id}`);
  scope.push(...createdAtConditions(sql`p.created_at`, input));
  // Every payment here belongs to a disbursement (SDP's DISBURSEMENT type): DIRECT lists none.
  if (input.type === "DIRECT") scope.push(sql`false`);
  const statuses = input.status?.length ? [...new Set(input.status)] : null;
  const shape = {
    list: "payments",
    orgId,
    status: statuses,
    d: input.disbursement_id,
    r: input.receiver_id,
    sort: input.sort,
    dir: input.direction,
    after: input.created_at_after,
    before: input.created_at_before,
    type: input.type,
  };

  if (input.q) {
    const ranked = await searchPaymentIds(ctx, input, [...scope, ...(statuses ? [statusIn(statuses)] : [])]);
    const { data: ids, pagination } = boundedPage(ranked, input, { ...shape, q: input.q });
    return { pagination, data: await loadPaymentViews(ctx.db, orgId, ids) };
  }

  const where = sql.join(scope, sql` and `);
  // One range per status, merged in key order: for file order (the disbursement's status index) and
  // for several statuses under the status-led index; otherwise one range of the sort's index.
  const perStatus = input.sort === "line_number" || (statuses !== null && (input.sort === "created_at" || input.sort === "status"));
  const branches = perStatus
    ? (statuses ?? [...PAYMENT_STATUSES]).map((s) => sql`from payments p where ${where} and p.status = ${sql.raw(`'${s}'::payment_status`)}`)
    : [sql`from payments p where ${where}${statuses ? sql` and ${statusIn(statuses)}` : sql``}`];
  const total = await paymentTotal(ctx, input, statuses, where);
  const { ids, pagination } = await keysetPage({ db: ctx.db, branches, keys: SORT_KEYS[input.sort], direction: input.direction, shape, total }, input);
  return { pagination, data: await loadPaymentViews(ctx.db, orgId, ids) };
}

/** The exact number of payments the list holds, from the maintained totals where the filter allows. */
async function paymentTotal(ctx: OrgContext, input: Input, statuses: PaymentStatus[] | null, where: SQL): Promise<number> {
  const wanted: readonly PaymentStatus[] = statuses ?? PAYMENT_STATUSES;
  if (input.receiver_id || input.created_at_after || input.created_at_before || input.type === "DIRECT") {
    // One receiver's payments (a handful, on payments_receiver_idx) or a created_at range (one range
    // of payments_org_created_idx, no join): the maintained totals do not know these filters.
    const [row] = await ctx.db.execute<{ n: number }>(sql`select count(*)::int as n from payments p where ${where}${statuses ? sql` and ${statusIn(statuses)}` : sql``}`);
    return row?.n ?? 0;
  }
  const totals = input.disbursement_id
    ? [...(await readDisbursementTotals(ctx.db, ctx.org.id, [input.disbursement_id])).values()]
    : [...(await readOrganizationTotals(ctx.db, ctx.org.id)).values()];
  return totals.reduce((n, t) => n + wanted.reduce((m, s) => m + t[s].count, 0), 0);
}

/**
 * Payment ids matching `q` by prefix of any search key, exact matches first, then in the list's
 * sort; at most SEARCH_CAP. Each key is one bounded range read of its index (migration 0007):
 * receivers by phone, email or external id (then their payments by payments_receiver_idx), payments
 * by paymentID or by the start of their id (primary key).
 */
async function searchPaymentIds(ctx: OrgContext, input: Input, filters: SQL[]): Promise<string[]> {
  const k = searchKeys(input.q!);
  const orgId = ctx.org.id;
  const where = sql.join(filters, sql` and `);
  const text = prefixRange(k.text);
  const receiverBranches: SQL[] = [
    sql`(select r.id, lower(r.external_id) = ${k.text} as exact from receivers r
        where r.org_id = ${orgId} and lower(r.external_id) ~>=~ ${text.from} and lower(r.external_id) ~<~ ${text.to}
        order by lower(r.external_id) using ~<~ limit ${SEARCH_CAP})`,
  ];
  if (!/\s/.test(k.text)) {
    receiverBranches.push(sql`(select r.id, r.email = ${k.text} as exact from receivers r
        where r.org_id = ${orgId} and r.email is not null and r.email ~>=~ ${text.from} and r.email ~<~ ${text.to}
        order by r.email using ~<~ limit ${SEARCH_CAP})`);
  }
  if (k.phone) {
    const phone = prefixRange(k.phone);
    receiverBranches.push(sql`(select r.id, r.phone_number = ${k.phone} as exact from receivers r
        where r.org_id = ${orgId} and r.phone_number is not null and r.phone_number ~>=~ ${phone.from} and r.phone_number ~<~ ${phone.to}
        order by r.phone_number using ~<~ limit ${SEARCH_CAP})`);
  }
  const paymentBranches: SQL[] = [
    // Matching receivers (a few thousand at most) exact first, then their payments until the cap:
    // the lateral join keeps that order, so a broad prefix stops after SEARCH_CAP payments.
    sql`(select p.id, m.exact from (select id, bool_or(exact) as exact from (${sql.join(receiverBranches, sql` union all `)}) r group by id order by 2 desc) m
        cross join lateral (select p.id from payments p where p.receiver_id = m.id and ${where}) p limit ${SEARCH_CAP})`,
    sql`(select p.id, lower(p.external_payment_id) = ${k.text} as exact from payments p
        where ${where} and p.external_payment_id is not null
          and lower(p.external_payment_id) ~>=~ ${text.from} and lower(p.external_payment_id) ~<~ ${text.to}
        order by lower(p.external_payment_id) using ~<~ limit ${SEARCH_CAP})`,
  ];
  if (k.uuid) {
    paymentBranches.push(sql`(select p.id, ${k.uuid.exact ? sql`p.id = ${k.uuid.exact}::uuid` : sql`false`} as exact from payments p
        where ${where} and p.id between ${k.uuid.lo}::uuid and ${k.uuid.hi}::uuid order by p.id limit ${SEARCH_CAP})`);
  }
  const keys = SORT_KEYS[input.sort];
  const dir = sql.raw(input.direction);
  const order = sql.join(
    keys.map((key) => sql`${key.expr} ${dir}`),
    sql`, `,
  );
  const rows = await ctx.db.execute<{ id: string }>(sql`
    select p.id from (select id, bool_or(exact) as exact from (${sql.join(paymentBranches, sql` union all `)}) m group by id) u
    join payments p on p.id = u.id
    order by u.exact desc, ${order} limit ${SEARCH_CAP}`);
  return [...rows].map((r) => r.id);
}
