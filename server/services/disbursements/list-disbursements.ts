import { and, asc, count, desc, eq, ilike, inArray, type SQL } from "drizzle-orm";
import { z } from "zod";
import { disbursements } from "@/db/schema";
import { listDisbursementsInput } from "@/server/schemas/disbursements.schema";
import { assertCan, type OrgContext } from "../context";
import { containsPattern, paginate } from "../pagination";
import { loadDisbursementViews } from "./disbursement-view";

export { listDisbursementsInput };

export async function listDisbursements(ctx: OrgContext, raw: z.input<typeof listDisbursementsInput>) {
  assertCan(ctx, "disbursements:read");
  const input = listDisbursementsInput.parse(raw);
  const where: SQL[] = [eq(disbursements.orgId, ctx.org.id)];
  if (input.q) where.push(ilike(disbursements.name, containsPattern(input.q)));
  if (input.status?.length) where.push(inArray(disbursements.status, input.status));
  const column = { name: disbursements.name, created_at: disbursements.createdAt, status: disbursements.status }[input.sort];
  const order = input.direction === "asc" ? asc(column) : desc(column);
  const [total] = await ctx.db
    .select({ n: count() })
    .from(disbursements)
    .where(and(...where));
  const ids = await ctx.db
    .select({ id: disbursements.id })
    .from(disbursements)
    .where(and(...where))
    .orderBy(order, desc(disbursements.id))
    .limit(input.page_limit)
    .offset((input.page - 1) * input.page_limit);
  const data = await loadDisbursementViews(
    ctx.db,
    ctx.org.id,
    ids.map((r) => r.id),
  );
  return paginate(data, total?.n ?? 0, input);
}
