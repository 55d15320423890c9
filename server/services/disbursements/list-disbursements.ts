import { sql, type SQL } from "drizzle-orm";
import type { z } from "zod";
import { listDisbursementsInput } from "@/server/schemas/disbursements.schema";
import { assertCan, type OrgContext } from "../context";
import { containsPattern, createdAtConditions, keysetPage, type KeyPart } from "../pagination";
import { loadDisbursementViews } from "./disbursement-view";

export { listDisbursementsInput };

/** Each sort's key, ending with the id, on the index named (migration 0007). */
const SORT_KEYS: Record<z.output<typeof listDisbursementsInput>["sort"], KeyPart[]> = {
  // disbursements_org_name_key (names are unique in an organization, so the id never decides).
  name: [
    { expr: sql`d.name`, type: "text" },
    { expr: sql`d.id`, type: "uuid" },
  ],
  // disbursements_org_created_idx
  created_at: [
    { expr: sql`d.created_at`, type: "timestamptz" },
    { expr: sql`d.id`, type: "uuid" },
  ],
  // disbursements_org_status_idx
  status: [
    { expr: sql`d.status`, type: "disbursement_status" },
    { expr: sql`d.created_at`, type: "timestamptz" },
    { expr: sql`d.id`, type: "uuid" },
  ],
};

/**
 * The organization's disbursements, one page by keyset (docs/performance.md, "Lists"). One row per
 * disbursement (not per payment): the name search stays a contains match and the total a count.
 */
export async function listDisbursements(ctx: OrgContext, raw: z.input<typeof listDisbursementsInput>) {
  assertCan(ctx, "disbursements:read");
  const input = listDisbursementsInput.parse(raw);
  const where: SQL[] = [sql`d.org_id = ${ctx.org.id}`];
  if (input.q) where.push(sql`d.name ilike ${containsPattern(input.q)}`);
  if (input.status?.length) where.push(sql`d.status = any(${sql.raw(`'{${input.status.join(",")}}'`)}::disbursement_status[])`);
  where.push(...createdAtConditions(sql`d.created_at`, input));
  const filter = sql.join(where, sql` and `);
  const [count] = await ctx.db.execute<{ n: number }>(sql`select count(*)::int as n from disbursements d where ${filter}`);
  const { ids, pagination } = await keysetPage(
    {
      db: ctx.db,
      branches: [sql`from disbursements d where ${filter}`],
      keys: SORT_KEYS[input.sort],
      direction: input.direction,
      shape: {
        list: "disbursements",
        orgId: ctx.org.id,
        q: input.q,
        status: input.status,
        sort: input.sort,
        dir: input.direction,
        after: input.created_at_after,
        before: input.created_at_before,
      },
      total: count?.n ?? 0,
    },
    input,
  );
  return { pagination, data: await loadDisbursementViews(ctx.db, ctx.org.id, ids) };
}
